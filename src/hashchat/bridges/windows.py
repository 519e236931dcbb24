"""Which chats a network's posts come into now: a chat whose host turned the network on, with
``bridge_when`` "always", or "sessions" (the default) from 30 minutes before each session to its
end plus its grace period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession

BEFORE = timedelta(minutes=30)
MAX_GRACE = timedelta(minutes=120)
WHEN = ("sessions", "always")


@dataclass(frozen=True, slots=True)
class OpenChat:
    id: int
    tag_key: str
    hashtag: str
    places: tuple[str, ...] = ()  # where the network is read for it (Mastodon: the servers)


def _bridged(chat: Chat, network: str) -> tuple[bool, tuple[str, ...]]:
    """Whether ``chat`` bridges ``network``, and the places it names (``network:place``)."""
    names = chat.bridge_networks
    places = tuple(n.split(":", 1)[1] for n in names if n.startswith(f"{network}:"))
    return network in names or bool(places), places


async def open_chats(
    session: AsyncSession, network: str, now: datetime, *, tag_key: str | None = None
) -> list[OpenChat]:
    """The chats whose bridge from ``network`` is open at ``now`` (only ``tag_key``'s if given)."""
    query = select(Chat).where(Chat.bridges.contains(network), Chat.status != "retired")
    if tag_key is not None:
        query = query.where(Chat.tag_key == tag_key)
    chats = [c for c in await session.scalars(query) if _bridged(c, network)[0]]
    always = [c for c in chats if c.bridge_when == "always"]
    by_sessions = {c.id: c for c in chats if c.bridge_when != "always"}
    found = {c.id: c for c in always}
    if by_sessions:
        rows = await session.scalars(
            select(ChatSession).where(
                ChatSession.chat_id.in_(by_sessions),
                ChatSession.state.in_(("scheduled", "live", "ended")),
                ChatSession.starts_at <= now + BEFORE,
                ChatSession.ends_at >= now - MAX_GRACE,
            )
        )
        for chat_session in rows:
            end = chat_session.ends_at + timedelta(minutes=chat_session.grace_minutes)
            if chat_session.starts_at - BEFORE <= now <= end:
                found[chat_session.chat_id] = by_sessions[chat_session.chat_id]
    return [OpenChat(c.id, c.tag_key, c.hashtag, _bridged(c, network)[1]) for c in found.values()]
