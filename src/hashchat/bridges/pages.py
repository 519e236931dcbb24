"""The linked accounts page: /settings/bridges."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hashchat.bridges import linking
from hashchat.bridges.api import sealer_of
from hashchat.bridges.bluesky import link as bluesky_link
from hashchat.bridges.bluesky import oauth
from hashchat.errors import DomainError
from hashchat.web.deps import RuntimeDep, ViewerDep
from hashchat.web.forms import read_form, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/settings/bridges"


async def _page(
    request: Request,
    rt: Any,
    account_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    notice: str = "",
) -> Response:
    async with rt.db.read() as session:
        links = await linking.list_links(session, account_id)
    return render(
        request,
        "bridges/settings.html",
        {
            "links": [linking.link_entity(link) for link in links],
            "linked": {link.network for link in links},
            "values": values or {},
            "errors": errors or {},
            "notice": notice or request.query_params.get("notice", ""),
            "oauth": oauth.client_for(rt.settings) is not None,
        },
        status=status,
    )


@router.get(PAGE, response_class=HTMLResponse)
async def settings(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other(f"/login?next={PAGE}")
    return await _page(request, rt, viewer.id)


@router.post(f"{PAGE}/bluesky", response_class=HTMLResponse)
async def link_bluesky(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other(f"/login?next={PAGE}")
    values = {"identifier": form.get("identifier", "")}
    try:
        bluesky_link.check_app_password(values["identifier"], form.get("app_password", ""))
        await rt.limiter.hit("bridge_link", str(viewer.id))
        await bluesky_link.link_with_app_password(
            db=rt.db,
            account_id=viewer.id,
            identifier=values["identifier"],
            app_password=form.get("app_password", ""),
            sealer=sealer_of(rt),
            settings=rt.settings,
        )
    except DomainError as exc:
        errors = {exc.field or "form": exc.message}
        return await _page(request, rt, viewer.id, values=values, errors=errors, status=exc.status)
    return see_other(f"{PAGE}?notice=linked")


@router.post(PAGE + "/{link_id}/unlink", response_class=HTMLResponse)
async def unlink(link_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    await read_form(request)
    if viewer is None:
        return see_other(f"/login?next={PAGE}")
    try:
        if not link_id.isdigit() or len(link_id) > 19:
            raise DomainError("no such linked account", field="form")
        await linking.do_unlink(
            db=rt.db,
            account_id=viewer.id,
            link_id=int(link_id),
            sealer=sealer_of(rt),
            settings=rt.settings,
        )
    except DomainError as exc:
        return await _page(request, rt, viewer.id, errors={"form": exc.message}, status=exc.status)
    return see_other(f"{PAGE}?notice=unlinked")
