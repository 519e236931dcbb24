"""The catch-up page (signed-in people), marking it read, and the personal Atom feed behind a
secret URL (made on the page, shown once; only its hash is kept)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat import urls
from hashchat.accounts import service as accounts
from hashchat.accounts.models import Account
from hashchat.catchup import feed, service
from hashchat.errors import NotFound
from hashchat.storage.base import utcnow
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.forms import read_form, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)


def feed_url(token: str) -> str:
    return f"{urls.base()}/catchup/feed/{token}.atom"


async def _page(
    request: Request, session: Any, viewer: Account, *, token_url: str | None = None
) -> Response:
    found = await service.catch_up(session, viewer)
    return render(
        request,
        "catchup/index.html",
        {
            "c": found,
            "zone": viewer.time_zone,
            "feed_made": await service.feed_made(session, viewer.id),
            "token_url": token_url,
        },
    )


@router.get("/catchup", response_class=HTMLResponse)
async def catchup_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other("/login?next=/catchup")
    return await _page(request, session, viewer)


@router.post("/catchup/seen")
async def mark_seen(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """All read: the next catch-up starts from now."""
    await read_form(request)
    if viewer is None:
        return see_other("/login?next=/catchup")
    await service.mark_seen(db=rt.db, account_id=viewer.id)
    return see_other("/catchup")


@router.post("/catchup/follow")
async def follow(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """Follow a suggested person and come back to the same session of the catch-up."""
    form = await read_form(request)
    if viewer is None:
        return see_other("/login?next=/catchup")
    async with rt.db.read() as session:
        account = await accounts.get_by_handle(session, form.get("handle", ""))
    if account is None:
        raise NotFound("nobody here is called that", field="handle")
    await accounts.follow(db=rt.db, follower_id=viewer.id, followee_id=account.id)
    anchor = form.get("session", "")
    return see_other("/catchup" + (f"#s{anchor}-title" if anchor.isdigit() else ""))


@router.post("/catchup/feed", response_class=HTMLResponse)
async def new_feed(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """A new secret feed URL, shown on this answer only."""
    await read_form(request)
    if viewer is None:
        return see_other("/login?next=/catchup")
    token = await service.new_feed_token(db=rt.db, account_id=viewer.id)
    async with rt.db.read() as session:
        response = await _page(request, session, viewer, token_url=feed_url(token))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/catchup/feed/{token}.atom")
async def personal_feed(token: str, session: SessionDep) -> Response:
    """The catch-up of the last ``DEFAULT_DAYS`` days as Atom. Feed readers keep their own
    read marks, so the feed does not move with the page's "mark all read"."""
    account = await service.account_for_feed(session, token)
    now = utcnow()
    found = await service.catch_up(
        session, account, now=now, since=now - timedelta(days=service.DEFAULT_DAYS)
    )
    body = feed.atom(found, account, self_url=feed_url(token), now=now)
    return Response(
        body,
        media_type="application/atom+xml; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
    )
