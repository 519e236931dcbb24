"""Linking a Mastodon account in the browser: the person types their server, signs in there and
authorizes hashchat; the callback keeps the token (sealed) and comes back to the settings page.
What the callback needs waits in a sealed, HttpOnly cookie for ten minutes: no table, nothing
the browser can read, and the token itself is never in a URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hashchat.bridges import linking
from hashchat.bridges.api import sealer_of
from hashchat.bridges.mastodon import link as mastodon_link
from hashchat.bridges.mastodon import oauth
from hashchat.bridges.mastodon.servers import check_server
from hashchat.bridges.pages import PAGE, _page
from hashchat.bridges.sealing import Unsealable
from hashchat.errors import DomainError, Invalid
from hashchat.web.deps import RuntimeDep, ViewerDep
from hashchat.web.forms import read_form, see_other

router = APIRouter(include_in_schema=False)
COOKIE = "hc_mastodon_oauth"
OWNER = "mastodon-oauth-request"
COOKIE_PATH = "/bridges/mastodon/oauth"


@router.post(f"{PAGE}/mastodon", response_class=HTMLResponse)
async def link_with_mastodon(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other(f"/login?next={PAGE}")
    typed = form.get("server", "")
    try:
        server = check_server(typed)
        await rt.limiter.hit("bridge_link", str(viewer.id))
        url, pending = await oauth.start(rt.db, server, rt.settings, sealer_of(rt))
    except DomainError as exc:
        errors = {exc.field if exc.field in ("server", "form") else "server": exc.message}
        return await _page(
            request, rt, viewer.id, values={"server": typed}, errors=errors, status=exc.status
        )
    pending["account_id"] = viewer.id
    response = see_other(url)
    response.set_cookie(
        COOKIE,
        sealer_of(rt).seal(OWNER, pending),
        max_age=oauth.REQUEST_TTL,
        httponly=True,
        samesite="lax",
        secure=rt.settings.secure_cookies,
        path=COOKIE_PATH,
    )
    return response


@router.get(oauth.CALLBACK_PATH, response_class=HTMLResponse)
async def callback(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    params = dict(request.query_params.items())
    sealed = request.cookies.get(COOKIE, "")
    response: Response
    if viewer is None:
        response = see_other(f"/login?next={PAGE}")
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response
    try:
        try:
            pending: dict[str, Any] = sealer_of(rt).open(OWNER, sealed) if sealed else {}
        except Unsealable:
            pending = {}
        if params.get("error"):
            reason = params.get("error_description") or params["error"]
            raise Invalid(f"the server did not link the account: {reason}", field="form")
        if not pending:
            raise Invalid("this sign-in is not the one hashchat started; try again", field="form")
        if pending.get("account_id") != viewer.id:
            raise Invalid("log in to hashchat as the person who started linking", field="form")
        who, token = await oauth.finish(rt.db, pending, params, rt.settings, sealer_of(rt))
        await mastodon_link.store(
            db=rt.db,
            account_id=viewer.id,
            server=str(pending["server"]),
            who=who,
            token=token,
            sealer=sealer_of(rt),
        )
        response = see_other(f"{PAGE}?notice=mastodon_linked")
    except DomainError as exc:
        errors = {"form": exc.message}
        response = await _page(request, rt, viewer.id, errors=errors, status=exc.status)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


@router.post(PAGE + "/{link_id}/lending", response_class=HTMLResponse)
async def lending(link_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other(f"/login?next={PAGE}")
    try:
        if not link_id.isdigit() or len(link_id) > 19:
            raise DomainError("no such linked account", field="form")
        await linking.set_lending(
            db=rt.db, account_id=viewer.id, link_id=int(link_id), lends=bool(form.get("lends"))
        )
    except DomainError as exc:
        return await _page(request, rt, viewer.id, errors={"form": exc.message}, status=exc.status)
    return see_other(PAGE)
