""" "Log in with Mastodon" on the log-in page: the person types their server and is sent through
the same OAuth round trip as linking (flow.py); the callback (pages.py) hands a log-in's return
to :func:`finish`, which signs in the hashchat account that linked that Mastodon account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hashchat.bridges.api import sealer_of
from hashchat.bridges.mastodon import flow, oauth
from hashchat.bridges.mastodon import login as mastodon_login
from hashchat.bridges.mastodon.servers import check_server
from hashchat.bridges.signin import log_in_again
from hashchat.errors import DomainError
from hashchat.web.deps import RuntimeDep, client_ip, signed_in
from hashchat.web.forms import read_form, safe_next, see_other

router = APIRouter(include_in_schema=False)
DOING = "sign you in"


@router.post("/login/mastodon", response_class=HTMLResponse)
async def log_in_with_mastodon(request: Request, rt: RuntimeDep) -> Response:
    form = await read_form(request)
    typed = form.get("server", "")
    goes = safe_next(form.get("next"), "/")
    try:
        server = check_server(typed)
        await rt.limiter.hit("log_in", client_ip(request))
        return await flow.begin(rt, server, purpose=flow.LOG_IN, next=goes)
    except DomainError as exc:
        return log_in_again(request, exc, network="mastodon", next=goes, given=typed)


async def finish(
    request: Request, rt: Any, pending: dict[str, Any], params: dict[str, str]
) -> Response:
    """A log-in's return from the server: the linked account signed in (a new session) and on
    to ``next``; otherwise the log-in page saying why, never a 500."""
    goes = safe_next(pending.get("next"), "/")
    try:
        flow.check_return(pending, params, doing=DOING)
        who, token = await oauth.finish(
            rt.db, pending, params, rt.settings, sealer_of(rt), doing=DOING
        )
        session_token = await mastodon_login.do_log_in(
            db=rt.db,
            server=str(pending["server"]),
            who=who,
            token=token,
            sealer=sealer_of(rt),
            settings=rt.settings,
        )
    except DomainError as exc:
        return log_in_again(request, exc, network="mastodon", next=goes)
    return signed_in(see_other(goes), session_token, secure=rt.settings.secure_cookies)
