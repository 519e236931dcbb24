"""The hub: this process's fan-out of events to its viewers, in id order, with no gap.

Events reach the hub from the broker, possibly out of order (two processes publish at once),
twice, or not at all (a process died between its commit and its publish, Redis dropped a
message or was down). Committed ids are gap-free in commit order (storage/sequence.py), so the
hub knows exactly what it waits for: it passes events on strictly in id order and holds later
ones back. When ids are still missing after ``gap_timeout`` it reads the log through the highest
id it holds, and again, until none is missing. Only an id *below one the same read returned*
and absent from it is skipped: it was never committed (a transaction took it and rolled back).
A watchdog reads the newest committed id every ``watchdog_interval`` and reads the log when the
hub has stayed behind it for a whole interval (a lost event at the tail of a quiet stream), and
every ``fallback_interval`` while the broker's link is down (Redis stopped): the log, not the
broker, is what the promise rests on; the broker only makes it fast.

Resuming: :meth:`attach` registers the viewer first and notes the last id passed on, then
replays from memory or the log everything after the client's ``since_id`` up to that id, page by
page (realtime/replay.py), while live events queue behind the replay. Hence exactly the events
missed, in order, then the live stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select

from hashchat.errors import DomainError, Invalid
from hashchat.realtime import replay
from hashchat.realtime.envelope import Envelope
from hashchat.realtime.events import Event
from hashchat.realtime.models import EventRow
from hashchat.realtime.replay import event_from_row
from hashchat.realtime.viewer import Viewer
from hashchat.storage.engine import Database
from hashchat.storage.sequence import Counter, last_id
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)
CATCH_UP_PAGE = 2000  # events read from the log at once when filling gaps
RECENT_EVENTS = 10_000  # kept in memory so that a storm of reconnections reads no database
PRUNED = "events_pruned_below"

__all__ = ["Hub", "TooOld", "event_from_row", "streams_of"]


class TooOld(DomainError):
    status = 410


class Hub:
    def __init__(
        self,
        db: Database,
        *,
        gap_timeout: float = 0.5,
        watchdog_interval: float = 1.0,
        fallback_interval: float = 0.5,
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
        self.fallback_interval = fallback_interval
        # Whether the broker carries events between processes right now (Redis up); set by
        # the runtime. While it does not, the watchdog reads the log every fallback_interval.
        self.link_up: Callable[[], bool] = lambda: True
        self.last_id = 0
        self.pending: dict[int, Event] = {}
        self.subscribers: dict[str, set[Viewer]] = {}
        self.viewer_count = 0
        self._gap_task: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._filling = asyncio.Lock()
        self.delivered = 0
        self.skipped = 0  # ids found never committed
        self.read_from_log = 0  # events the hub had to read from the log itself
        self.recent: deque[Envelope] = deque(maxlen=RECENT_EVENTS)
        self.replays = replay.Replays()
        self.pruned_below = 0

    async def start(self) -> None:
        async with self.db.read() as session:
            self.last_id = await last_id(session)
        await self.refresh_horizon()
        self.recent.clear()
        self.replays.clear()
        self._watchdog = asyncio.create_task(self._watch(), name="hub-watchdog")

    async def stop(self) -> None:
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush()
        for task in (self._gap_task, self._watchdog):
            if task is not None:
                await cancelled(task)

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, events: Iterable[Event]) -> None:
        """Take events from the broker in any order; pass on every one that is next in line."""
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
            self._gap_task = asyncio.create_task(self._fill_gaps(), name="hub-gap")

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

    async def _fill_gaps(self) -> None:
        """While ids are missing: give them ``gap_timeout`` to arrive, then read the log
        through the highest id held. Runs until no id is missing, whatever fails meanwhile."""
        failing = False
        while self.pending:
            await asyncio.sleep(self.gap_timeout)
            if not self.pending:
                return
            try:
                await self.catch_up(through=max(self.pending))
                failing = False
            except Exception:
                if not failing:  # once per failure, not every half second
                    log.warning("hub: cannot read missing events from the log", exc_info=True)
                failing = True

    async def catch_up(self, *, through: int | None = None) -> None:
        """Read committed events after ``last_id`` from the log, through ``through`` (default:
        the newest committed id), and pass them on in order."""
        async with self._filling:
            while True:
                start = self.last_id
                async with self.db.read() as session:
                    ceiling = await last_id(session) if through is None else through
                    if ceiling <= start:
                        return
                    rows = list(
                        await session.scalars(
                            select(EventRow)
                            .where(EventRow.id > start, EventRow.id <= ceiling)
                            .order_by(EventRow.id)
                            .limit(CATCH_UP_PAGE)
                        )
                    )
                # One statement saw every committed id through ``seen``: ids through the
                # ceiling were committed before it began (the broker hands over only after
                # commit, and the counter is read first), and a full page ends at its last row.
                full = len(rows) == CATCH_UP_PAGE
                seen = rows[-1].id if full else ceiling
                self._take_from_log([event_from_row(r) for r in rows], seen)
                if not full or self.last_id >= ceiling:
                    return

    def _take_from_log(self, events: list[Event], seen: int) -> None:
        """Pass on events read from the log; skip ids through ``seen`` that it did not hold."""
        fresh = [e for e in events if e.id > self.last_id and e.id not in self.pending]
        if fresh:
            self.read_from_log += len(fresh)
            log.info("hub: read %d missed events from the log", len(fresh))
        self.receive(events)
        while self.last_id < seen:
            # The next id is neither held nor in the log, though a later one is: it was never
            # committed. Skip to just before the next id there is.
            after = [i for i in self.pending if i > self.last_id]
            upto = min(min(after, default=seen + 1) - 1, seen)
            if upto <= self.last_id:
                break
            log.warning("hub: ids %d..%d were never committed; skipping", self.last_id + 1, upto)
            self.skipped += upto - self.last_id
            self.last_id = upto
            self._drain()

    async def refresh_horizon(self) -> None:
        """Re-read how far back the event log is kept (pruning moves it)."""
        async with self.db.read() as session:
            value = await session.scalar(select(Counter.value).where(Counter.name == PRUNED))
        self.pruned_below = int(value or 0)

    async def _watch(self) -> None:
        behind = 0  # the newest committed id at the previous look
        was_up = True
        failing = False
        rounds = 0
        while True:
            up = self.link_up()
            await asyncio.sleep(self.watchdog_interval if up and was_up else self.fallback_interval)
            rounds += 1
            try:
                async with self.db.read() as session:
                    newest = await last_id(session)
                up = self.link_up()
                if newest > self.last_id and (not up or not was_up or behind > self.last_id):
                    await self.catch_up(through=newest)
                if up and not was_up:
                    log.warning("hub: the broker is back; events flow between processes again")
                elif was_up and not up:
                    log.warning(
                        "hub: the broker is down; reading other processes' events from the "
                        "log every %.1f s",
                        self.fallback_interval,
                    )
                behind, was_up, failing = newest, up, False
                if rounds % 30 == 0:
                    await self.refresh_horizon()
            except Exception:
                if not failing:
                    log.warning("hub: watchdog cannot read the event log", exc_info=True)
                failing = True

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

    def viewers_of(self, prefix: str) -> dict[str, int]:
        """Read-only: how many of this process's viewers follow each stream whose key starts
        with ``prefix`` ("tag:"), for the rooms' "watching now" (live/presence.py)."""
        return {s: len(v) for s, v in self.subscribers.items() if s.startswith(prefix)}

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

    def hold(self, viewer: Viewer) -> int:
        """Register ``viewer`` with live events held back (for a replay to go first); return
        the last id passed on, up to which the replay must go."""
        viewer.hold = []
        self._register(viewer)
        return self.last_id

    async def attach(self, viewer: Viewer, *, since_id: int | None = None) -> None:
        """Start delivering to ``viewer``; with ``since_id``, first everything after it."""
        if since_id is None:
            viewer.last_id = self.last_id
            self._register(viewer)
            return
        upto = self.hold(viewer)  # live events from here on queue behind the replay
        await self.replay(viewer, since_id, upto)

    async def replay(self, viewer: Viewer, since_id: int, upto: int) -> None:
        """Deliver the events after ``since_id`` through ``upto`` to a held viewer, page by
        page, then what was held meanwhile."""
        viewer.last_id = since_id
        try:
            recent = self.recent
            if recent and recent[0].id <= since_id + 1:
                # Everything missed is still in memory: no database read at all.
                for last, payload in self.replays.from_memory(recent, viewer, since_id, upto):
                    await replay.write_encoded(viewer, last, payload)
            else:
                await replay.from_log(self.db, viewer, since_id, upto)
            viewer.last_id = max(viewer.last_id, upto)
        finally:
            viewer.release()


def streams_of(events: Sequence[Event]) -> set[str]:
    return {s for e in events for s in e.streams}
