"""The landing page (``/``): what is live now and what starts soon, in the viewer's time zone,
each with a Join button; for signed-in people a way to their timeline (``/home``) and, while
they follow no chat, to the onboarding (``/welcome``)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from hashchat.directory import links, search
from hashchat.directory.countdown import countdown, iso
from hashchat.directory.models import ChatFollow
from hashchat.directory.zones import zone_for
from hashchat.storage.base import utcnow
from hashchat.web.deps import SessionDep, ViewerDep
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

SOON_HOURS = 24
SHOWN = 8


def _slot(h: search.Happening, zone: ZoneInfo, now: Any) -> dict[str, Any]:
    start, end = h.starts_at.astimezone(zone), h.ends_at.astimezone(zone)
    same_day = start.date() == now.astimezone(zone).date()
    return {
        "chat": h.chat,
        "path": links.chat_path(h.chat.hashtag),
        "room": f"/live/{h.chat.hashtag}",
        "start": f"{start:%H:%M}" if same_day else f"{start:%a} {start:%H:%M}",
        "end": f"{end:%H:%M}",
        "countdown": {
            "text": countdown(h.starts_at, h.ends_at, now),
            "starts": iso(h.starts_at),
            "ends": iso(h.ends_at),
        },
        "inactive": h.chat.inactive_since is not None,
    }


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    zone, source = zone_for(request, viewer)
    here = ZoneInfo(zone)
    now = utcnow()
    live = await search.live_now(session, now=now, limit=SHOWN)
    soon = await search.starting_soon(session, now=now, hours=SOON_HOURS, limit=SHOWN)
    follows = 0
    if viewer is not None:
        mine = select(func.count()).where(ChatFollow.account_id == viewer.id)
        follows = int(await session.scalar(mine) or 0)
    return render(
        request,
        "directory/landing.html",
        {
            "live": [_slot(h, here, now) for h in live],
            "soon": [_slot(h, here, now) for h in soon],
            "soon_hours": SOON_HOURS,
            "zone": zone,
            "zone_source": source,
            "follows": follows,
            "week_link": "/chats/agenda",
        },
    )
