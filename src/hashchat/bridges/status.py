"""What a bridge tells the rooms it feeds about its source ("Bluesky: reconnecting", "Mastodon
(mastodon.social): rate limited"): a ``bridge`` event on each open room's stream, in the
caller's transaction. Lifted from the Bluesky reader when Mastodon came."""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.realtime.events import record, tag_stream


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
