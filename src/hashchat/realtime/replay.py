"""Resuming: the events a viewer missed, from memory when the hub still keeps them, else from the
event log, written page by page.

Each page is written only once the previous one has left this process (``Viewer.drained``), so
a client that asks for a long history and then reads nothing holds its socket buffer and one
page, never the whole history; a database page is read in a session of its own, so a slow
reader holds no connection either. Viewers of a room that resume from the same id mostly ask
for the same short replay: it is encoded once and shared (``Replays``).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from hashchat.realtime.envelope import Envelope
from hashchat.realtime.events import Event
from hashchat.realtime.models import EventRow, EventStream
from hashchat.realtime.viewer import Viewer
from hashchat.storage.engine import Database

PAGE = 256  # events in one page of a replay (about 350 KB of posts)
KEPT = 16  # encoded replays shared by viewers resuming from the same id ...
SHARED_EVENTS = 500  # ... of up to this many events (so at most a few MB in all)


def event_from_row(row: EventRow) -> Event:
    return Event(row.id, row.kind, row.payload, tuple(row.streams.split()))


def recent_after(recent: deque[Envelope], since_id: int) -> Iterable[Envelope]:
    """The kept events after ``since_id``, without walking the ones before it: ids in
    ``recent`` ascend with rare gaps (ids never committed), so the event after ``since_id`` sits
    at most ``since_id + 1 - first`` places in; step back over gaps."""
    start = min(max(since_id + 1 - recent[0].id, 0), len(recent))
    while start > 0 and recent[start - 1].id > since_id:
        start -= 1
    return itertools.islice(recent, start, None)


def page_size(viewer: Viewer) -> int:
    """Small enough that a page never overflows the viewer's outbox by itself."""
    return max(1, min(PAGE, viewer.outbox.limit // 2))


class Replays:
    """Encoded short replays, shared by viewers that resume from the same point."""

    def __init__(self) -> None:
        self._kept: dict[tuple[Any, ...], tuple[int, Any] | None] = {}

    def clear(self) -> None:
        self._kept.clear()

    def from_memory(
        self, recent: deque[Envelope], viewer: Viewer, since_id: int, upto: int
    ) -> list[tuple[int, Any]]:
        """The replay as pages of (last id, payload), built at once: ``recent`` grows while a
        replay is written, so it is read here, before the first await."""
        key = (since_id, upto, viewer.streams, viewer.key)
        if key in self._kept:  # None: nothing to replay, known already
            kept = self._kept[key]
            return [] if kept is None else [kept]
        missed = [
            e for e in recent_after(recent, since_id)
            if e.id <= upto and not viewer.streams.isdisjoint(e.event.streams)
        ]  # fmt: skip
        size = page_size(viewer)
        pages = [
            (chunk[-1].id, viewer.encode(chunk))
            for chunk in (missed[i : i + size] for i in range(0, len(missed), size))
        ]
        if len(missed) <= min(size, SHARED_EVENTS):  # a long one is rare: not kept
            self._kept[key] = pages[0] if pages else None
            if len(self._kept) > KEPT:
                del self._kept[next(iter(self._kept))]
        return pages


async def from_log(db: Database, viewer: Viewer, since_id: int, upto: int) -> None:
    """Deliver every event of the viewer's streams in (``since_id``, ``upto``] from the log."""
    cursor = since_id
    streams = sorted(viewer.streams)
    size = page_size(viewer)
    while cursor < upto and not viewer.gone:
        async with db.read() as session:
            ids = (
                select(EventStream.event_id)
                .where(
                    EventStream.stream.in_(streams),
                    EventStream.event_id > cursor,
                    EventStream.event_id <= upto,
                )
                .distinct()
                .order_by(EventStream.event_id)
                .limit(size)
            )
            rows = list(
                await session.scalars(
                    select(EventRow).where(EventRow.id.in_(ids)).order_by(EventRow.id)
                )
            )
        if not rows:
            return
        await write_page(viewer, [Envelope(event_from_row(row)) for row in rows])
        cursor = rows[-1].id
        if len(rows) < size:
            return


async def write_page(viewer: Viewer, page: Sequence[Envelope]) -> None:
    await write_encoded(viewer, page[-1].id, viewer.encode(page))


async def write_encoded(viewer: Viewer, last: int, payload: Any) -> None:
    if viewer.gone:
        return
    viewer.last_id = last
    viewer.deliver(payload, bounded=True)
    await viewer.drained()
