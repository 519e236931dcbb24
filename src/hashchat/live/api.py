"""The live room's API: who is in a room now (``GET /api/v1/live/{tag}/presence``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hashchat.live.presence import presence_entity, room_presence
from hashchat.live.service import check_room_tags
from hashchat.text import normalize_tag
from hashchat.web.deps import SessionDep

router = APIRouter(tags=["live"])


@router.get("/api/v1/live/{tag}/presence")
async def presence(tag: str, session: SessionDep) -> dict[str, Any]:
    """How many open streams follow the hashtag now, on every server process (``watching``:
    reports renewed within the last 20 seconds), and who posted with it in the last
    ``posting_window_minutes`` (latest first, at most 20)."""
    name = check_room_tags([tag])[0]
    return presence_entity(name, await room_presence(session, normalize_tag(name)))
