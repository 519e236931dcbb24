"""Linking a Mastodon account in the browser: the person types their server, signs in there and
authorizes hashchat; the callback keeps the token (sealed) and comes back to the settings page.
The round trip (its sealed cookie, the checks on return) is flow.py's, shared with "Log in with
Mastodon" (login_pages.py), whose returns the same callback hands on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hashchat.bridges import linking
from hashchat.bridges.api import sealer_of
from hashchat.bridges.mastodon import flow, login_pages, oauth
from hashchat.bridges.mastodon import link as mastodon_link
from hashchat.bridges.mastodon.servers import check_server
from hashchat.bridges.pages import PAGE, _page
from hashchat.errors import DomainError, Invalid
from hashchat.web.deps import RuntimeDep, ViewerDep
from hashchat.web.forms import read_form, see_other

router = APIRouter(include_in_schema=False)


@router.post(f"{PAGE}/mastodon", response_class=HTMLResponse)
async def link_with_mastodon(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other(f"/login?next={PAGE}")
    typed = form.get("server", "")
    try:
        server = check_server(typed)
        await rt.limiter.hit("bridge_link", str(viewer.id))
        return await flow.begin(rt, server, purpose=flow.LINK, account_id=viewer.id)
    except DomainError as exc:
        errors = {exc.field if exc.field in ("server", "form") else "server": exc.message}
        return await _page(
            request, rt, viewer.id, values={"server": typed}, errors=errors, status=exc.status
        )


@router.get(oauth.CALLBACK_PATH, response_class=HTMLResponse)
async def callback(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """The one redirect URI of hashchat's app on every server: a link's return or a log-in's
    (login_pages.finish), as the round trip's cookie says."""
    params = dict(request.query_params.items())
    pending = flow.pending_of(request, rt)
    if flow.purpose_of(pending, signed_in=viewer is not None) == flow.LOG_IN:
        return flow.forget(await login_pages.finish(request, rt, pending, params))
    if viewer is None:
        return flow.forget(see_other(f"/login?next={PAGE}"))
    response: Response
    try:
        flow.check_return(pending, params, doing="link the account")
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
    return flow.forget(response)


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
