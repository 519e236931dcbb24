"""Viewers and their outboxes.

An :class:`Outbox` belongs to one connection: a bounded list of encoded messages and a wake-up
flag for the task that writes them. When a slow client lets it fill up, the outbox is marked
overflowed, stops taking messages (memory stays bounded), and the connection tells the client to
resume from the last id it received, then closes. Nobody else waits for it.

A :class:`Viewer` is one subscription (a set of streams) feeding an outbox. It drops what it has
already passed on (an event in two of its streams arrives twice; ids only grow), and while a
resume replays missed events from the database it holds live ones back, so the client gets them
in order with no gap and no duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hashchat.realtime.envelope import Envelope

DEFAULT_LIMIT = 2000


class Outbox:
    __slots__ = ("closed", "items", "limit", "overflowed", "wakeup")

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.items: list[bytes | str] = []
        self.limit = limit
        self.overflowed = False
        self.closed = False
        self.wakeup = asyncio.Event()

    def put(self, item: bytes | str) -> None:
        if self.overflowed or self.closed:
            return
        if len(self.items) >= self.limit:
            self.overflow()  # the client fetches what it missed when it resumes
            return
        self.items.append(item)
        self.wakeup.set()

    def overflow(self) -> None:
        self.overflowed = True
        self.items.clear()
        self.wakeup.set()

    def take(self) -> list[bytes | str]:
        items, self.items = self.items, []
        self.wakeup.clear()
        return items

    def close(self) -> None:
        self.closed = True
        self.wakeup.set()


class Viewer:
    __slots__ = ("encode", "hold", "last_id", "outbox", "streams")

    def __init__(
        self,
        outbox: Outbox,
        streams: frozenset[str],
        encode: Callable[[Envelope], bytes | str],
    ) -> None:
        self.outbox = outbox
        self.streams = streams
        self.encode = encode
        self.last_id = 0
        self.hold: list[Envelope] | None = None  # live events held back during a replay

    def offer(self, envelope: Envelope) -> None:
        if self.hold is not None:
            self.hold.append(envelope)
            if len(self.hold) > self.outbox.limit:
                self.hold = []
                self.outbox.overflow()
            return
        if envelope.id <= self.last_id:
            return
        self.last_id = envelope.id
        self.outbox.put(self.encode(envelope))

    def release(self) -> None:
        """End of replay: pass on the live events that came in meanwhile."""
        held, self.hold = self.hold or [], None
        for envelope in held:
            self.offer(envelope)
