"""What a bridge tells the rooms it feeds about its source ("Bluesky: reconnecting", "Mastodon
(mastodon.social): rate limited"): a ``bridge`` event on each open room's stream, in the
caller's transaction. Lifted from the Bluesky reader when Mastodon came."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.models import BridgeLease
from hashchat.bridges.windows import open_chats
from hashchat.config import Settings
from hashchat.realtime.events import record, tag_stream
from hashchat.storage.base import utcnow


async def tell_rooms(
    session: AsyncSession,
    *,
    network: str,
    state: str,
    tag_keys: Iterable[str],
    server: str | None = None,
    detail: str = "",
) -> None:
    streams = [tag_stream(key) for key in tag_keys]
    if not streams:
        return
    payload: dict[str, str] = {"network": network, "state": state}
    if server:
        payload["server"] = server
    if detail:
        payload["detail"] = detail[:200]
    await record(session, kind="bridge", payload=orjson.dumps(payload).decode(), streams=streams)


async def room_states(
    session: AsyncSession, settings: Settings, tag_key: str
) -> list[dict[str, str]]:
    """How each bridge open now for the chat ``tag_key`` reads its source: what its room shows
    when the page is opened (the ``bridge`` events say each change after that). A source that
    no process holds the lease of (its reader stopped, or not started yet) is "reconnecting"."""
    from hashchat.bridges.bluesky.reader import source_of
    from hashchat.bridges.mastodon.watching import Watch

    now = utcnow()
    wanted: list[tuple[str, dict[str, str]]] = []  # (lease source, what the room is told)
    bluesky = source_of(settings)
    if bluesky and await open_chats(session, "bluesky", now, tag_key=tag_key):
        wanted.append((bluesky, {"network": "bluesky"}))
    for chat in await open_chats(session, "mastodon", now, tag_key=tag_key):
        for server in chat.places:
            source = Watch(chat.id, chat.tag_key, chat.hashtag, server).source
            wanted.append((source, {"network": "mastodon", "server": urlsplit(server).netloc}))
    if not wanted:
        return []
    leases = {
        row.source: row
        for row in await session.scalars(
            select(BridgeLease).where(BridgeLease.source.in_([s for s, _ in wanted]))
        )
    }
    states = []
    for source, said in wanted:
        row = leases.get(source)
        held = row is not None and row.expires_at > now
        state = row.status if held and row else "reconnecting"
        states.append(said | {"state": "connecting" if state == "idle" else state})
    return states
