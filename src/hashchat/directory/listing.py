"""Chats made ready to show: entities built in batches (a fixed number of queries per page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory import health, occurrences, search
from hashchat.directory.entities import chat_entity
from hashchat.directory.models import Chat, ChatFollow
from hashchat.directory.schedule import clock_notes
from hashchat.directory.service import hosts_of

schedules_of = occurrences.schedules_of


async def follows_of(
    session: AsyncSession, viewer: Account | None, chat_ids: list[int]
) -> dict[int, ChatFollow]:
    if viewer is None or not chat_ids:
        return {}
    rows = await session.scalars(
        select(ChatFollow).where(
            ChatFollow.account_id == viewer.id, ChatFollow.chat_id.in_(chat_ids)
        )
    )
    return {f.chat_id: f for f in rows}


async def render_chats(
    session: AsyncSession,
    chats: list[Chat],
    *,
    viewer: Account | None,
    zone: str,
    now: datetime,
    live: set[int] | None = None,
) -> list[dict[str, Any]]:
    ids = [c.id for c in chats]
    hosts = await hosts_of(session, ids)
    schedules = await schedules_of(session, chats)
    follows = await follows_of(session, viewer, ids)
    if live is None:
        live = await search.live_ids(session, ids, now=now)
    return [
        chat_entity(
            c,
            schedule=schedules[c.id],
            hosts=hosts[c.id],
            viewer_zone=zone,
            live=c.id in live,
            follow=follows.get(c.id),
            viewer=viewer is not None,
        )
        for c in chats
    ]


async def render_chat(
    session: AsyncSession, chat: Chat, *, viewer: Account | None, zone: str, now: datetime
) -> dict[str, Any]:
    """One chat with its recent activity and daylight-saving notes."""
    schedule = (await schedules_of(session, [chat]))[chat.id]
    hosts = (await hosts_of(session, [chat.id]))[chat.id]
    follow = (await follows_of(session, viewer, [chat.id])).get(chat.id)
    return chat_entity(
        chat,
        schedule=schedule,
        hosts=hosts,
        viewer_zone=zone,
        live=bool(await search.live_ids(session, [chat.id], now=now)),
        follow=follow,
        viewer=viewer is not None,
        recent=await health.recent(session, chat),
        notes=clock_notes(schedule, after=now),
    )
