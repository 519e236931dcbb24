"""Viewers and their outboxes.

A :class:`Viewer` is one subscription (a set of streams) of one connection. The hub hands it
events in batches, in id order; it drops what it has already passed on (an event in two of its
streams arrives twice; ids only grow) and, while a resume replays missed events from the log,
holds live ones back so the client gets everything in order, once.

Delivery has two paths. **Direct**: the connection's transport is reachable (realtime/wire.py),
and a batch becomes one ``transport.write`` of bytes encoded once per stream and shared by every
viewer of it. **Portable**: messages go into the connection's :class:`Outbox` and a task writes
them through ASGI. Either way the buffer is bounded: when a slow client lets the transport's
buffer (direct) or the outbox (portable) pass its limit, the outbox is marked overflowed, the
connection tells the client to resume from its last id and closes, and no one else waits.

A replay (a resume from the log) is written page by page, each page only once the previous one has
left this process (:meth:`Viewer.drained`): a client that reads nothing costs its socket buffer and
one page, not the history it asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from hashchat.realtime.envelope import Envelope
from hashchat.realtime.wire import Transport, chunk

DEFAULT_LIMIT = 2000
BYTES_PER_MESSAGE = 1024  # for turning the message limit into a byte limit on a transport
LOW_WATER = 64 * 1024  # a replay's next page is written once the transport holds less than this


class Outbox:
    """A connection's queue of encoded messages (portable path) and its control flags."""

    __slots__ = ("closed", "items", "limit", "on_overflow", "overflowed", "wakeup", "written")

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.items: list[bytes | str] = []
        self.limit = limit
        self.overflowed = False
        self.closed = False
        self.wakeup = asyncio.Event()
        self.on_overflow: Callable[[], None] | None = None
        # True once a task writes what is put here to a connection (and so empties it); a
        # replay into an outbox nobody writes out (a test's) does not wait for it.
        self.written = False

    def put(self, item: bytes | str) -> None:
        self.put_many((item,))

    def put_many(self, items: Sequence[bytes | str]) -> None:
        if self.overflowed or self.closed:
            return
        if len(self.items) + len(items) > self.limit:
            self.overflow()  # the client fetches what it missed when it resumes
            return
        self.items.extend(items)
        self.wakeup.set()

    def overflow(self) -> None:
        if self.overflowed:
            return
        self.overflowed = True
        self.items.clear()
        self.wakeup.set()
        if self.on_overflow is not None:
            self.on_overflow()

    def take(self) -> list[bytes | str]:
        items, self.items = self.items, []
        self.wakeup.clear()
        return items

    def close(self) -> None:
        self.closed = True
        self.wakeup.set()


class Viewer:
    """One subscription. ``mode`` is "sse" or "ws"; ``label`` is the WebSocket stream label."""

    __slots__ = (
        "detached", "hold", "key", "label", "last_id", "limit_bytes", "mode", "outbox", "single",
        "streams", "transport",
    )  # fmt: skip

    def __init__(
        self,
        outbox: Outbox,
        streams: frozenset[str],
        *,
        mode: str = "sse",
        label: tuple[str, ...] = (),
    ) -> None:
        self.outbox = outbox
        self.streams = streams
        self.single = len(streams) == 1
        self.mode = mode
        self.label = label
        self.last_id = 0
        self.hold: list[Envelope] | None = None  # live events held back during a replay
        self.transport: Transport | None = None
        self.limit_bytes = outbox.limit * BYTES_PER_MESSAGE
        self.key: tuple[Any, ...] = (mode, label, False)
        self.detached = False

    def go_direct(self, transport: Transport) -> None:
        self.transport = transport
        self.key = (self.mode, self.label, True)

    def encode(self, envelopes: Sequence[Envelope]) -> Any:
        """The batch as this viewer's connection takes it (shared between viewers whose
        ``key`` is the same)."""
        if self.mode == "sse":
            data = b"".join(e.sse() for e in envelopes)
            return chunk(data) if self.transport is not None else [data]
        if self.transport is not None:
            return b"".join(e.ws_frame(self.label) for e in envelopes)
        return [e.ws(self.label) for e in envelopes]

    @property
    def gone(self) -> bool:
        """Nothing more can reach this client (it overflowed, left, or its socket closes)."""
        outbox = self.outbox
        if outbox.overflowed or outbox.closed or self.detached:
            return True
        return self.transport is not None and self.transport.is_closing()

    def deliver(self, payload: Any, *, bounded: bool = False) -> None:
        """Write an encoded batch. ``bounded``: the caller waits for :meth:`drained` between
        writes (a replay's pages), so the buffer's limit does not apply to it."""
        transport = self.transport
        if transport is None:
            self.outbox.put_many(payload)
            return
        if transport.is_closing() or self.outbox.overflowed:
            return
        transport.write(payload)
        if not bounded and transport.get_write_buffer_size() > self.limit_bytes:
            self.outbox.overflow()

    async def drained(self) -> None:
        """Return once what was delivered has left this process (the transport's buffer is
        below its low-water mark, or the writer task has taken the outbox), or the viewer is
        gone. Polls: only replays wait here, and they are rare."""
        delay = 0.002
        while not self.gone:
            transport = self.transport
            if transport is not None:
                if transport.get_write_buffer_size() <= LOW_WATER:
                    return
            elif not self.outbox.items or not self.outbox.written:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    def offer_batch(self, envelopes: Sequence[Envelope], cache: dict[Any, Any]) -> None:
        """Pass on a batch (ids ascending); ``cache`` shares encodings between the viewers of
        one stream for this batch."""
        if self.hold is not None:
            self.hold.extend(envelopes)
            if len(self.hold) > self.outbox.limit:
                self.hold = []
                self.outbox.overflow()
            return
        if envelopes[0].id <= self.last_id:
            envelopes = [e for e in envelopes if e.id > self.last_id]
            if not envelopes:
                return
            payload = self.encode(envelopes)
        else:
            payload = cache.get(self.key)
            if payload is None:
                payload = cache[self.key] = self.encode(envelopes)
        self.last_id = envelopes[-1].id
        self.deliver(payload)

    def offer(self, envelope: Envelope) -> None:
        self.offer_batch((envelope,), {})

    def release(self) -> None:
        """End of replay: pass on the live events that came in meanwhile."""
        held, self.hold = self.hold or [], None
        if held and not self.gone:
            self.offer_batch(held, {})
