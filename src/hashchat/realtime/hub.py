"""The hub: this process's fan-out of events to its viewers, in id order, with no gap.

Events reach the hub from the broker, possibly out of order (two processes publish at once) and,
rarely, not at all (a process died between its commit and its publish, or Redis dropped a
message). Ids are gap-free in commit order (storage/sequence.py), so the hub knows exactly what
it is waiting for: it passes events on strictly in id order, holds later ones back, and when the
next id has not arrived within ``gap_timeout`` it reads it from the event log. A watchdog also
compares the last id with the database now and then, so a lost event at the tail of a quiet
stream is found too.

Resuming: :meth:`attach` registers the viewer first and notes the last id passed on, then
replays from the database everything after the client's ``since_id`` up to that id, while live
events queue behind the replay. Hence exactly the events missed, in order, then the live stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from hashchat.errors import DomainError, Invalid
from hashchat.realtime.envelope import Envelope
from hashchat.realtime.events import Event
from hashchat.realtime.models import EventRow, EventStream
from hashchat.realtime.viewer import Viewer
from hashchat.storage.engine import Database
from hashchat.storage.sequence import Counter, last_id

log = logging.getLogger(__name__)
REPLAY_PAGE = 500
RECENT_EVENTS = 10_000  # kept in memory so that a storm of reconnections reads no database
REPLAYS_KEPT = 16  # encoded replays shared by viewers resuming from the same id ...
REPLAY_SHARED_EVENTS = 500  # ... of up to this many events (so at most a few MB in all)
PRUNED = "events_pruned_below"


class TooOld(DomainError):
    status = 410


def event_from_row(row: EventRow) -> Event:
    return Event(row.id, row.kind, row.payload, tuple(row.streams.split()))


class Hub:
    def __init__(
        self,
        db: Database,
        *,
        gap_timeout: float = 0.5,
        watchdog_interval: float = 1.0,
        coalesce: float = 0.0,
    ) -> None:
        self.db = db
        # At most one fan-out per ``coalesce`` seconds: events that arrive within it wait for
        # the next one, so a viewer gets them in one write (and its client in one read). The
        # first event after a quiet spell goes out at once.
        self.coalesce = coalesce
        self._waiting: list[Envelope] = []
        self._flush_at: asyncio.TimerHandle | None = None
        self._last_flush = -1e9
        self.gap_timeout = gap_timeout
        self.watchdog_interval = watchdog_interval
        self.last_id = 0
        self.pending: dict[int, Event] = {}
        self.subscribers: dict[str, set[Viewer]] = {}
        self.viewer_count = 0
        self._gap_task: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._last_seen = time.monotonic()
        self._filling = asyncio.Lock()
        self.delivered = 0
        self.recent: deque[Envelope] = deque(maxlen=RECENT_EVENTS)
        self._replays: dict[tuple[Any, ...], tuple[int, Any] | None] = {}
        self.pruned_below = 0

    async def start(self) -> None:
        async with self.db.read() as session:
            self.last_id = await last_id(session)
        await self.refresh_horizon()
        self.recent.clear()
        self._watchdog = asyncio.create_task(self._watch(), name="hub-watchdog")

    async def stop(self) -> None:
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush()
        for task in (self._gap_task, self._watchdog):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, events: Iterable[Event]) -> None:
        """Take events from the broker in any order; pass on every one that is next in line."""
        self._last_seen = time.monotonic()
        for event in events:
            if event.id > self.last_id:
                self.pending[event.id] = event
        self._drain()

    def _drain(self) -> None:
        pending = self.pending
        ready: list[Envelope] = []
        while pending:
            event = pending.pop(self.last_id + 1, None)
            if event is None:
                break
            self.last_id = event.id
            ready.append(Envelope(event))
        if ready:
            self.recent.extend(ready)
            self._waiting.extend(ready)
            if self._flush_at is None:
                loop = asyncio.get_running_loop()
                wait = self._last_flush + self.coalesce - loop.time()
                if wait <= 0:
                    self._flush()
                else:
                    self._flush_at = loop.call_later(wait, self._flush)
        if pending and (self._gap_task is None or self._gap_task.done()):
            self._gap_task = asyncio.create_task(self._fill_gap(), name="hub-gap")

    def _flush(self) -> None:
        self._flush_at = None
        self._last_flush = asyncio.get_running_loop().time()
        waiting, self._waiting = self._waiting, []
        if waiting:
            self._fan_out(waiting)

    def _fan_out(self, envelopes: list[Envelope]) -> None:
        """Hand a batch to every viewer of its streams. Viewers of one stream share each
        encoding; a viewer of several streams gets its events in one ordered batch."""
        subscribers = self.subscribers
        by_stream: dict[str, list[Envelope]] = {}
        for envelope in envelopes:
            for stream in envelope.event.streams:
                if stream in subscribers:
                    by_stream.setdefault(stream, []).append(envelope)
        several: dict[Viewer, None] = {}
        for stream, batch in by_stream.items():
            cache: dict[Any, Any] = {}
            viewers = tuple(subscribers[stream])  # a slow viewer may be dropped meanwhile
            for viewer in viewers:
                if viewer.single:
                    viewer.offer_batch(batch, cache)
                else:
                    several[viewer] = None
            self.delivered += len(viewers) * len(batch)
        for viewer in several:
            mine = [e for e in envelopes if not viewer.streams.isdisjoint(e.event.streams)]
            viewer.offer_batch(mine, {})

    async def _fill_gap(self) -> None:
        await asyncio.sleep(self.gap_timeout)
        if self.pending:
            await self.catch_up(up_to=min(self.pending) - 1)

    async def catch_up(self, *, up_to: int | None = None) -> None:
        """Read committed events after ``last_id`` from the database (up to ``up_to``)."""
        async with self._filling:
            async with self.db.read() as session:
                ceiling = await last_id(session) if up_to is None else up_to
                if ceiling <= self.last_id:
                    return
                rows = await session.scalars(
                    select(EventRow)
                    .where(EventRow.id > self.last_id, EventRow.id <= ceiling)
                    .order_by(EventRow.id)
                )
                events = [event_from_row(r) for r in rows]
            if events:
                log.info("hub: read %d missed events from the log", len(events))
                self.receive(events)
            if self.pending and min(self.pending) > self.last_id + 1 and up_to is not None:
                # The missing ids are not in the log: they were given back by a rollback and
                # then not yet reused; nothing was committed under them. Skip ahead.
                self.last_id = min(self.pending) - 1
                self._drain()

    async def refresh_horizon(self) -> None:
        """Re-read how far back the event log is kept (pruning moves it)."""
        async with self.db.read() as session:
            value = await session.scalar(select(Counter.value).where(Counter.name == PRUNED))
        self.pruned_below = int(value or 0)

    async def _watch(self) -> None:
        rounds = 0
        while True:
            await asyncio.sleep(self.watchdog_interval)
            rounds += 1
            try:
                if (
                    time.monotonic() - self._last_seen >= self.watchdog_interval
                    and not self.pending
                ):
                    await self.catch_up()
                if rounds % 30 == 0:
                    await self.refresh_horizon()
            except Exception:
                log.warning("hub: watchdog could not read the event log", exc_info=True)

    # -- viewers -----------------------------------------------------------------------------

    def _register(self, viewer: Viewer) -> None:
        for stream in viewer.streams:
            self.subscribers.setdefault(stream, set()).add(viewer)
        self.viewer_count += 1

    def detach(self, viewer: Viewer) -> None:
        """Stop delivering to ``viewer`` (safe to call more than once)."""
        if getattr(viewer, "detached", False):
            return
        viewer.detached = True
        for stream in viewer.streams:
            viewers = self.subscribers.get(stream)
            if viewers is not None:
                viewers.discard(viewer)
                if not viewers:
                    del self.subscribers[stream]
        self.viewer_count -= 1

    async def check_since(self, since_id: object) -> int | None:
        """Validate a resume point: a whole number, not after the newest committed id, and not
        before the oldest kept event. Raises Invalid/TooOld naming ``since_id``."""
        if since_id is None or since_id == "":
            return None
        try:
            value = int(str(since_id))
        except ValueError:
            raise Invalid("since_id must be an event id (a number)", field="since_id") from None
        if value < 0:
            raise Invalid("since_id must not be negative", field="since_id")
        newest, pruned = self.last_id, self.pruned_below
        if value > newest:  # this process may lag behind the one the client saw it on
            async with self.db.read() as session:
                newest = await last_id(session)
                pruned = int(
                    await session.scalar(select(Counter.value).where(Counter.name == PRUNED)) or 0
                )
            self.pruned_below = pruned
        if value > newest:
            raise Invalid(
                f"since_id {value} is in the future (the newest id is {newest})", field="since_id"
            )
        if pruned and value < pruned - 1:
            raise TooOld(
                "since_id is older than the history kept for resuming; reload the timeline",
                field="since_id",
            )
        return value

    async def attach(self, viewer: Viewer, *, since_id: int | None = None) -> None:
        """Start delivering to ``viewer``; with ``since_id``, first everything after it."""
        if since_id is None:
            viewer.last_id = self.last_id
            self._register(viewer)
            return
        viewer.hold = []
        self._register(viewer)  # live events from here on queue behind the replay
        upto = self.last_id
        viewer.last_id = since_id
        try:
            await self._replay(viewer, since_id, upto)
        finally:
            viewer.release()

    def _recent_after(self, since_id: int) -> Iterable[Envelope]:
        """The kept events after ``since_id``, without walking the ones before it: ids in
        ``recent`` ascend with rare gaps (ids a rollback gave back), so the event after
        ``since_id`` sits at most ``since_id + 1 - first`` places in; step back over gaps."""
        recent = self.recent
        start = min(max(since_id + 1 - recent[0].id, 0), len(recent))
        while start > 0 and recent[start - 1].id > since_id:
            start -= 1
        return itertools.islice(recent, start, None)

    async def _replay(self, viewer: Viewer, since_id: int, upto: int) -> None:
        recent = self.recent
        if recent and recent[0].id <= since_id + 1:
            # Everything missed is still in memory: no database read at all. A room reconnects
            # at once, so its viewers mostly resume from the same id: the first one's replay,
            # encoded, serves the rest.
            key = (since_id, upto, viewer.streams, viewer.key)
            if key in self._replays:  # None: nothing to replay, known already
                replay = self._replays[key]
            else:
                missed = [
                    e for e in self._recent_after(since_id)
                    if e.id <= upto and not viewer.streams.isdisjoint(e.event.streams)
                ]  # fmt: skip
                replay = (missed[-1].id, viewer.encode(missed)) if missed else None
                if len(missed) <= REPLAY_SHARED_EVENTS:  # a long one is rare: not kept
                    self._replays[key] = replay
                    if len(self._replays) > REPLAYS_KEPT:
                        del self._replays[next(iter(self._replays))]
            if replay is not None:
                viewer.last_id = replay[0]
                viewer.deliver(replay[1])
            viewer.last_id = max(viewer.last_id, upto)
            return
        cursor = since_id
        streams = sorted(viewer.streams)
        while cursor < upto and not viewer.outbox.overflowed:
            async with self.db.read() as session:
                ids = (
                    select(EventStream.event_id)
                    .where(
                        EventStream.stream.in_(streams),
                        EventStream.event_id > cursor,
                        EventStream.event_id <= upto,
                    )
                    .distinct()
                    .order_by(EventStream.event_id)
                    .limit(REPLAY_PAGE)
                )
                rows = list(
                    await session.scalars(
                        select(EventRow).where(EventRow.id.in_(ids)).order_by(EventRow.id)
                    )
                )
            if not rows:
                break
            page = [Envelope(event_from_row(row)) for row in rows]
            viewer.last_id = page[-1].id
            viewer.deliver(viewer.encode(page))
            cursor = rows[-1].id
            if len(rows) < REPLAY_PAGE:
                break
        viewer.last_id = max(viewer.last_id, upto)


def streams_of(events: Sequence[Event]) -> set[str]:
    return {s for e in events for s in e.streams}
