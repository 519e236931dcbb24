"""The Bluesky reader: one source (Jetstream v1 or v2, or a firehose), read by one process.

- **Lease.** It reads only while it holds the source's lease (bridges/lease.py), renewed at a
  third of its time; every write checks it still does.
- **Only when wanted.** It connects while some chat's Bluesky bridge is open
  (bridges/windows.py), and disconnects when none is.
- **Exactly once.** Frames are filtered as they arrive (bridges/bluesky/events.py); what is
  kept is written in batches, each in one transaction with the cursor of the last frame read
  before it, so the cursor in the database never passes what is not stored. After a reconnect
  it resumes from the last frame it read (a restart: from the database), a few seconds early
  (v1); what comes again is dropped by its origin URI.
- **Reconnects** with exponential backoff (1 s to a minute, jittered), logging it, and telling
  the bridged rooms ("Bluesky: reconnecting", a ``bridge`` event) until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass, field
from typing import Any, ClassVar

import websockets
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.bridges import lease
from hashchat.bridges.bluesky import ingest
from hashchat.bridges.bluesky.events import V2, PostMade, Seen, SourceError, Wanted, Wire, wire_for
from hashchat.bridges.bluesky.handles import Handles
from hashchat.bridges.leased import LeasedReader
from hashchat.bridges.models import BridgeCursor
from hashchat.bridges.status import tell_rooms
from hashchat.bridges.windows import open_chats
from hashchat.config import Settings
from hashchat.posts.batch import TagCache
from hashchat.posts.service import insert_ignore
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)
MAX_FRAME = 4 * 1024 * 1024
IDLE_CHECK = 2.0  # seconds between looks at which chats are open
CURSOR_EVERY = 5.0  # seconds: a cursor is written this often even when nothing is kept
BACKOFF = (1.0, 60.0)


@dataclass
class Reader(LeasedReader):
    network: ClassVar[str] = "bluesky"
    db: Database
    url: str
    wire: Wire
    settings: Settings | None = None  # where identities resolve (None: DIDs shown)
    ttl: float = 15.0
    holder: str = field(default_factory=lease.holder_name)
    idle_check: float = IDLE_CHECK
    backoff: tuple[float, float] = BACKOFF
    # What the reader has read and not yet written, and the last frame it read.
    pending: list[Seen] = field(default_factory=list)
    last_frame: bytes | None = None
    wanted: Wanted = field(default_factory=lambda: Wanted(frozenset(), frozenset()))
    status: str = "idle"
    frames: int = 0
    stored: int = 0
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.source = f"{self.wire.name}:{self.url}"[:300]
        self.tags = TagCache()
        self.handles = Handles(self.settings)
        self.known: set[str] = set()  # DIDs with an account here

    # -- running ------------------------------------------------------------------------------

    async def _while_held(self) -> None:
        renew = asyncio.create_task(self._renew())
        try:
            delay = self.backoff[0]
            while not renew.done():
                await self._refresh_wanted()
                if not self.wanted.keys:
                    await self._set_status("idle")
                    await asyncio.sleep(self.idle_check)
                    continue
                try:
                    await self._read()
                    delay = self.backoff[0]
                except (OSError, websockets.WebSocketException, SourceError, TimeoutError) as exc:
                    if renew.done():
                        break
                    log.warning(
                        "bluesky: %s is unreachable (%s); reconnecting in %.0f s",
                        self.url, exc, delay,
                    )  # fmt: skip
                    await self._flush()
                    await self._set_status("reconnecting")
                    await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                    delay = min(delay * 2, self.backoff[1])
            renew.result()  # raises LeaseLost if that is why it ended
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError, lease.LeaseLost):
                await renew

    # -- reading ------------------------------------------------------------------------------

    async def resume_cursor(self) -> int | None:
        """Where to subscribe from: the last frame read, else the database's cursor."""
        cursor = self.wire.cursor_of(self.last_frame) if self.last_frame else None
        if cursor is None:
            async with self.db.read() as session:
                cursor = await session.scalar(
                    select(BridgeCursor.cursor).where(BridgeCursor.source == self.source)
                )
        return self.wire.resume_from(cursor) if cursor is not None else None

    async def _read(self) -> None:
        url = self.wire.subscribe_url(self.url, await self.resume_cursor())
        protocols = ["xrpc.v1.json"] if isinstance(self.wire, V2) else None
        async with websockets.connect(
            url,
            max_size=MAX_FRAME,
            open_timeout=10,
            subprotocols=protocols,  # type: ignore[arg-type]
        ) as ws:
            log.info("bluesky: reading %s", url)
            await self._set_status("connected")
            flusher = asyncio.create_task(self._flusher())
            try:
                while True:
                    try:
                        raw = await asyncio.wait_for(ws.recv(decode=False), self.idle_check)
                    except TimeoutError:
                        if flusher.done():
                            flusher.result()
                        await self._refresh_wanted()
                        if not self.wanted.keys:
                            return  # no chat wants the network now
                        continue
                    self.take(bytes(raw))
                    if flusher.done():
                        flusher.result()
            finally:
                await cancelled(flusher)
                await self._flush()

    def take(self, raw: bytes) -> None:
        """Look at one frame (no awaits: a flush never sees half of it)."""
        found = self.wire.decode(raw, self.wanted)
        self.last_frame = raw
        self.frames += 1
        if found:
            self.pending.extend(found)
            self._wake.set()
            posters = {s.did for s in found if isinstance(s, PostMade)} - self.wanted.dids
            if posters:  # their deletions and takedowns count from now on
                self.wanted = Wanted(self.wanted.keys, self.wanted.dids | posters)

    async def _flusher(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), CURSOR_EVERY)
            self._wake.clear()
            await self._flush()

    async def _flush(self) -> None:
        """Write what was read, with the cursor of the last frame read, in one transaction."""
        frame = self.last_frame
        if frame is None:
            return
        seen, self.pending = self.pending, []
        cursor = self.wire.cursor_of(frame)
        new = {s.did for s in seen if isinstance(s, PostMade)} - self.known
        handles = await self.handles.of(new) if new else {}
        try:
            async with self.db.write() as session:
                await lease.hold(session, source=self.source, holder=self.holder)
                counts = await ingest.apply(
                    session, seen, tags=self.tags, handles=handles, now=utcnow()
                )
                if cursor is not None:
                    await _save_cursor(session, self.source, cursor)
                info = dict(session.info)
        except BaseException:
            self.pending[:0] = seen  # written with the next batch, or read again
            raise
        self.tags.remember(info)
        self.stored += counts["stored"]
        self.known |= new
        if seen:
            log.info("bluesky: %s", counts)

    async def _refresh_wanted(self) -> None:
        async with self.db.read() as session:
            chats = await open_chats(session, ingest.NETWORK, utcnow())
            dids = await session.scalars(
                select(Account.handle_key).where(Account.origin == ingest.NETWORK)
            )
            self.known = set(dids)
            self.wanted = Wanted(
                frozenset(c.tag_key for c in chats),
                frozenset(self.known | {s.did for s in self.pending if isinstance(s, PostMade)}),
            )

    async def _set_status(self, status: str) -> None:
        """Say in the lease row, the log and the open bridged rooms how the source is."""
        if status == self.status:
            return
        was, self.status = self.status, status
        if status == "connected" and was == "reconnecting":
            log.info("bluesky: %s is back", self.url)
        async with self.db.write() as session:
            await lease.hold(session, source=self.source, holder=self.holder, status=status)
            chats = await open_chats(session, ingest.NETWORK, utcnow())
            if status != "idle":
                keys = [c.tag_key for c in chats]
                await tell_rooms(session, network=ingest.NETWORK, state=status, tag_keys=keys)


async def _save_cursor(session: AsyncSession, source: str, cursor: int) -> None:
    now = utcnow()
    await session.execute(
        insert_ignore(session, BridgeCursor).values(source=source, cursor=cursor, updated_at=now)
    )
    row = await session.get(BridgeCursor, source)
    if row is not None:
        row.cursor, row.updated_at = cursor, now


def source_of(settings: Settings) -> str | None:
    """The lease name of the source this deployment reads Bluesky from (None: it reads none)."""
    if settings.bluesky_firehose:
        from hashchat.bridges.bluesky.firehose import Firehose

        return f"{Firehose.name}:{settings.bluesky_firehose}"[:300]
    if settings.bluesky_jetstream:
        return f"{wire_for(settings.bluesky_jetstream).name}:{settings.bluesky_jetstream}"[:300]
    return None


def readers_for(db: Database, settings: Settings) -> list[Reader]:
    """The readers this deployment configures: a firehose, else Jetstream (or none)."""
    if settings.bluesky_firehose:
        from hashchat.bridges.bluesky.firehose import Firehose

        wire: Any = Firehose()
        url = settings.bluesky_firehose
    elif settings.bluesky_jetstream:
        wire, url = wire_for(settings.bluesky_jetstream), settings.bluesky_jetstream
    else:
        return []
    return [Reader(db, url, wire, settings=settings, ttl=settings.bridge_lease_seconds)]
