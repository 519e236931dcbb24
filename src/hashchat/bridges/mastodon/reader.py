"""Reading a chat's hashtag on one Mastodon server: one reader per (server, chat), across every
process (the lease the Bluesky readers use, bridges/lease.py), with the account watching.py
picks.

- **Streaming, then falling back.** WebSocket at the streaming host the server names, else
  server-sent events, else polling ``timelines/tag`` every few seconds (streams.py).
- **Nothing lost.** Before following live, and after every reconnect, the gap is filled from
  ``GET /api/v1/timelines/tag/<tag>?min_id=<cursor>``, page after page (Link ``prev``), until
  caught up. What is read is written in batches, each in one transaction with the cursor (the
  newest status id stored); what comes twice is dropped by its ``uri``.
- **Polite.** Every REST call spends from the client's 300-per-5-minutes budget; a 429 waits
  for its ``X-RateLimit-Reset``; a server that is down is tried again after 1 s, 2 s ... a
  minute. Each change is said in the log and in the room ("Mastodon (server): reconnecting").
- **A revoked token** marks the link broken and tells its owner (link.py); the reader goes on
  with another account, if the chat has one there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from urllib.parse import parse_qsl, quote, urlsplit

import websockets
from sqlalchemy import select

from hashchat.bridges import lease
from hashchat.bridges.leased import LeasedReader
from hashchat.bridges.mastodon import client, ingest, instance
from hashchat.bridges.mastodon.link import mark_broken, token_of
from hashchat.bridges.mastodon.models import MastodonApp, MastodonCursor
from hashchat.bridges.mastodon.statuses import id_key, when
from hashchat.bridges.mastodon.streams import (
    TRANSPORTS,
    StreamUnavailable,
    link_prev,
    sse,
    websocket,
)
from hashchat.bridges.mastodon.watching import Watch, reader_link
from hashchat.bridges.sealing import Sealer, Unsealable
from hashchat.bridges.status import tell_rooms
from hashchat.bridges.windows import BEFORE, open_chats
from hashchat.directory.models import Chat
from hashchat.errors import BadGateway, RateLimited
from hashchat.posts.batch import TagCache
from hashchat.posts.service import insert_ignore
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)
NETWORK = "mastodon"
PAGE = 40
MAX_PAGES = 50  # a catch-up reads at most 2,000 statuses, then follows live
FLUSH_EVERY = 1.0
DOWN = (OSError, TimeoutError, BadGateway, websockets.WebSocketException, StreamUnavailable)


class NoAccount(Exception):
    """Nobody can read this server for this chat now."""


@dataclass
class ServerReader(LeasedReader):
    network: ClassVar[str] = "mastodon"
    db: Database
    watch: Watch
    sealer: Sealer
    ttl: float = 15.0
    holder: str = field(default_factory=lease.holder_name)
    backoff: tuple[float, float] = (1.0, 60.0)
    poll_every: float = 5.0
    transport: int = 0  # index in streams.TRANSPORTS; moves on when one is refused
    status: str = "idle"
    cursor: str | None = None
    stored: int = 0
    pending: list[ingest.Seen] = field(default_factory=list)
    newest: str | None = None  # the newest status id read and not yet written
    _task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.source = self.watch.source
        self.tags = TagCache()
        self.link_id: int | None = None
        self._renewing: asyncio.Task[None] | None = None

    def _check_lease(self) -> None:
        """Raise LeaseLost once the lease could not be renewed (another process reads now)."""
        if self._renewing is not None and self._renewing.done():
            self._renewing.result()

    # -- running ------------------------------------------------------------------------------

    async def _while_held(self) -> None:
        renew = self._renewing = asyncio.create_task(self._renew())
        try:
            delay = self.backoff[0]
            while not renew.done():
                try:
                    token = await self._token()
                    await self.catch_up(token)
                    delay = self.backoff[0]
                    await self._follow(token)
                except NoAccount:
                    await self._set_status("no account")
                    await asyncio.sleep(self.ttl / 3)
                except client.Revoked as error:
                    await self._broken(str(error))
                except RateLimited as error:
                    log.warning("mastodon: %s: %s", self.watch.server, error.message)
                    await self._set_status("rate limited")
                    await asyncio.sleep(error.retry_after)
                except DOWN as error:
                    if renew.done():
                        break
                    if isinstance(error, StreamUnavailable) and self.transport < 2:
                        self.transport += 1
                        log.info(
                            "mastodon: %s: %s; now by %s",
                            self.watch.server, error, TRANSPORTS[self.transport],
                        )  # fmt: skip
                        continue
                    log.warning(
                        "mastodon: %s is unreachable (%s); reconnecting in %.0f s",
                        self.watch.server, error or type(error).__name__, delay,
                    )  # fmt: skip
                    await self._flush()
                    await self._set_status("reconnecting")
                    await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                    delay = min(delay * 2, self.backoff[1])
            renew.result()
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError, lease.LeaseLost):
                await renew

    async def _token(self) -> str:
        async with self.db.read() as session:
            chat = await session.get(Chat, self.watch.chat_id)
            link = await reader_link(session, chat, self.watch.server) if chat else None
        if link is None:
            raise NoAccount(self.source)
        self.link_id = link.id
        try:
            return token_of(link, self.sealer)
        except (Unsealable, KeyError):
            raise client.Revoked("its token no longer opens under this server's keys") from None

    async def _broken(self, reason: str) -> None:
        log.warning("mastodon: %s refused the token of link %s: %s",
                    self.watch.server, self.link_id, reason)  # fmt: skip
        if self.link_id is not None:
            await mark_broken(db=self.db, link_id=self.link_id, reason=reason)
        await self._set_status("account revoked")

    # -- reading ------------------------------------------------------------------------------

    async def _load_cursor(self) -> str | None:
        if self.cursor is None:
            async with self.db.read() as session:
                self.cursor = await session.scalar(
                    select(MastodonCursor.min_id).where(MastodonCursor.source == self.source)
                )
        return self.cursor

    async def catch_up(self, token: str) -> int:
        """Fill the gap since the cursor from ``timelines/tag`` (pages of 40, oldest first);
        answers how many statuses were read. With no cursor yet, only the newest page, and of
        it what was posted since the chat's window opened."""
        path = f"/api/v1/timelines/tag/{quote(self.watch.hashtag, safe='')}"
        cursor = await self._load_cursor()
        read = 0
        params: dict[str, str] | None = {"limit": str(PAGE)}
        if cursor is not None:
            params = {"limit": str(PAGE), "min_id": cursor}
        for _ in range(MAX_PAGES):
            response = await client.call(self.watch.server, "GET", path, token=token, params=params)
            page = client.body_of(response)
            if not isinstance(page, list) or not page:
                break
            statuses = sorted(
                (s for s in page if isinstance(s, dict) and isinstance(s.get("id"), str)),
                key=lambda s: id_key(s["id"]),
            )
            if cursor is None:
                since = utcnow() - BEFORE
                self.take_many(ingest.Seen("update", s) for s in statuses if _after(s, since))
                self.newest = statuses[-1]["id"] if statuses else None
                await self._flush()
                return len(statuses)
            self.take_many(ingest.Seen("update", s) for s in statuses)
            read += len(statuses)
            await self._flush()
            newer = link_prev(response.headers)
            newest = statuses[-1]["id"] if statuses else None
            if newest is None or len(page) < PAGE:
                break
            params = dict(_query(newer)) if newer else {"limit": str(PAGE), "min_id": newest}
        return read

    async def _follow(self, token: str) -> None:
        """Follow live by the current transport until the connection drops (it raises)."""
        how = TRANSPORTS[self.transport]
        if how == "poll":
            await self._set_status("connected")
            while True:
                await asyncio.sleep(self.poll_every)
                self._check_lease()
                await self.catch_up(token)
        streaming = await self._streaming_url()
        source: AsyncIterator[ingest.Seen | None] = (
            websocket(streaming, self.watch.hashtag, token)
            if how == "websocket"
            else sse(streaming, self.watch.hashtag, token)
        )
        flusher = asyncio.create_task(self._flusher())
        try:
            async for seen in source:
                if seen is None:
                    await self._set_status("connected")
                    await self.catch_up(token)  # what came while it was opening
                    continue
                self.take_many([seen])
                if flusher.done():
                    flusher.result()
            raise ConnectionResetError("the stream ended")
        finally:
            await cancelled(flusher)
            await self._flush()

    def take_many(self, seen: Iterable[ingest.Seen]) -> None:
        self._check_lease()
        for item in seen:
            self.pending.append(item)
            if item.event == "update" and isinstance(item.payload, dict):
                found = str(item.payload.get("id", ""))
                if found and (self.newest is None or id_key(found) > id_key(self.newest)):
                    self.newest = found

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            await self._flush()

    async def _flush(self) -> None:
        """Write what was read, and the cursor, in one transaction."""
        seen, self.pending = self.pending, []
        newest = self.newest
        if not seen and (newest is None or newest == self.cursor):
            return
        try:
            async with self.db.write() as session:
                await lease.hold(session, source=self.source, holder=self.holder)
                counts = await ingest.apply(
                    session, self.watch.server, seen, tags=self.tags, now=utcnow()
                )
                if newest is not None and (
                    self.cursor is None or id_key(newest) > id_key(self.cursor)
                ):
                    await session.execute(
                        insert_ignore(session, MastodonCursor).values(
                            source=self.source, min_id=newest, updated_at=utcnow()
                        )
                    )
                    row = await session.get(MastodonCursor, self.source)
                    if row is not None:
                        row.min_id, row.updated_at = newest, utcnow()
                info = dict(session.info)
        except BaseException:
            self.pending[:0] = seen
            raise
        self.tags.remember(info)
        if newest is not None and (self.cursor is None or id_key(newest) > id_key(self.cursor)):
            self.cursor = newest
        self.stored += counts["stored"]
        if seen:
            log.info("mastodon: %s #%s: %s", self.watch.server, self.watch.hashtag, counts)

    async def _streaming_url(self) -> str:
        async with self.db.read() as session:
            row = await session.get(MastodonApp, self.watch.server)
        if row is not None and row.streaming_url and row.checked_at > utcnow() - instance.STALE:
            return row.streaming_url
        described = await instance.describe(self.watch.server)
        if row is not None:
            async with self.db.write() as session:
                stored = await session.get(MastodonApp, self.watch.server)
                if stored is not None:
                    stored.streaming_url = described.streaming_url[:512]
                    stored.max_characters = described.max_characters
                    stored.checked_at = utcnow()
        return described.streaming_url

    async def _set_status(self, status: str) -> None:
        """Say in the lease row, the log and the chat's room how the server is."""
        if status == self.status:
            return
        was, self.status = self.status, status
        if status == "connected" and was == "reconnecting":
            log.info("mastodon: %s is back", self.watch.server)
        async with self.db.write() as session:
            await lease.hold(session, source=self.source, holder=self.holder, status=status)
            await tell_rooms(
                session,
                network=NETWORK,
                state=status,
                tag_keys=[self.watch.tag_key],
                server=urlsplit(self.watch.server).netloc,
            )


def _after(status: dict[str, object], since: datetime) -> bool:
    return when(status.get("created_at"), utcnow()) >= since


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


async def wanted(db: Database) -> list[Watch]:
    """The (server, chat) pairs to read now: each open chat's Mastodon servers."""
    async with db.read() as session:
        chats = await open_chats(session, NETWORK, utcnow())
    return [Watch(c.id, c.tag_key, c.hashtag, server) for c in chats for server in c.places]


class Readers:
    """The Mastodon readers of ``hashchat serve`` (or ``hashchat bridge``): every few seconds,
    one per (server, chat) wanted now, each reading only while it holds its lease."""

    def __init__(
        self, db: Database, sealer: Sealer, *, ttl: float = 15.0, every: float = 2.0
    ) -> None:
        self.db, self.sealer, self.ttl, self.every = db, sealer, ttl, every
        self.readers: dict[str, ServerReader] = {}
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="mastodon-readers")

    async def stop(self) -> None:
        task, self.task = self.task, None
        with contextlib.suppress(Exception):  # a loop that failed said so in the log
            await cancelled(task)
        for reader in list(self.readers.values()):
            await reader.stop()
        self.readers.clear()

    async def sync(self) -> None:
        watches = {w.source: w for w in await wanted(self.db)}
        for source in list(self.readers):
            if source not in watches:
                await self.readers.pop(source).stop()
        for source, watch in watches.items():
            if source not in self.readers:
                reader = ServerReader(self.db, watch, self.sealer, ttl=self.ttl)
                self.readers[source] = reader
                reader.start()

    async def _run(self) -> None:
        while True:
            try:
                await self.sync()
            except Exception:
                log.exception("mastodon: could not look at which chats to read")
            await asyncio.sleep(self.every)
