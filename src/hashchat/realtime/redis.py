"""The Redis broker: events go to this process's hub at once and, over Redis pub/sub, to every
other process.

Redis is an optimisation, never a single point of failure. Posting never waits for it: messages
are published by a task of their own, and while Redis is away they are dropped (each was
committed first, so the other processes read it from the event log). The subscription reports
whether it is up (:attr:`live`); while it is down the hub reads the log on a short timer, and
when it comes back anything published meanwhile is found the same way (hub.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence

import orjson
import redis.asyncio as aioredis

from hashchat.realtime.broker import Broker, Receiver
from hashchat.realtime.events import Event

log = logging.getLogger(__name__)
CHANNEL = "hashchat:events"
TIMEOUT = 2.0  # seconds a Redis command may take before Redis counts as down
PING_EVERY = 2.0  # a quiet subscription is checked this often ...
SILENT_LIMIT = 3 * PING_EVERY  # ... and given up as dead after this long without a word
QUEUED = 10_000  # messages waiting to be published, at most (then the oldest are dropped)
BATCH = 256  # messages published in one round trip


def encode(events: Sequence[Event]) -> bytes:
    return orjson.dumps([[e.id, e.kind, e.payload, list(e.streams)] for e in events])


def decode(data: bytes | str) -> list[Event]:
    return [Event(int(i), k, p, tuple(s)) for i, k, p, s in orjson.loads(data)]


class RedisBroker(Broker):
    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self.client: aioredis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._publisher: asyncio.Task[None] | None = None
        self._outgoing: deque[bytes] = deque()
        self._wake = asyncio.Event()
        self.connected = asyncio.Event()
        self.dropped = 0  # messages not published (Redis away); peers read them from the log

    @property
    def live(self) -> bool:
        return self.connected.is_set()

    async def start(self, receiver: Receiver) -> None:
        await super().start(receiver)
        self.client = aioredis.from_url(
            self.url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
        )
        await self.client.ping()  # fail at start-up, not at the first post
        self._listener = asyncio.create_task(self._listen(), name="redis-subscriber")
        self._publisher = asyncio.create_task(self._publish(), name="redis-publisher")
        await asyncio.wait_for(self.connected.wait(), 10)

    async def stop(self) -> None:
        if self._outgoing and self._publisher is not None and not self._publisher.done():
            for _ in range(50):  # what is queued goes out first, if Redis takes it soon
                if not self._outgoing:
                    break
                await asyncio.sleep(0.01)
        for task in (self._listener, self._publisher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.client is not None:
            await self.client.aclose()
        await super().stop()

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver_here(events)
        if len(self._outgoing) >= QUEUED:
            self._outgoing.popleft()
            self.dropped += 1
        self._outgoing.append(encode(events))
        self._wake.set()

    async def _publish(self) -> None:
        delay = 0.1
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outgoing:
                batch = [self._outgoing[i] for i in range(min(BATCH, len(self._outgoing)))]
                try:
                    assert self.client is not None
                    async with self.client.pipeline(transaction=False) as pipe:
                        for data in batch:
                            pipe.publish(self.channel, data)
                        await pipe.execute()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Committed already: other processes read these from the event log.
                    log.warning(
                        "redis broker: cannot publish (%d messages dropped); other processes "
                        "read them from the event log",
                        len(self._outgoing),
                    )
                    self.dropped += len(self._outgoing)
                    self._outgoing.clear()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    break
                for _ in batch:
                    self._outgoing.popleft()
                delay = 0.1

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                assert self.client is not None
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    if not self.connected.is_set():
                        log.info("redis broker: subscribed to %s", self.channel)
                    self.connected.set()
                    delay = 0.1
                    await self._read(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected.is_set():
                    log.warning("redis broker: subscription lost (%s); reconnecting", exc)
                self.connected.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _read(self, pubsub: aioredis.client.PubSub) -> None:
        """Hand every message to the hub. A subscription that has said nothing for a while is
        pinged; one silent for SILENT_LIMIT is dead (a hung or partitioned Redis does not
        close the socket)."""
        heard = pinged = time.monotonic()
        while True:
            message = await pubsub.get_message(timeout=PING_EVERY / 2)
            now = time.monotonic()
            if message is not None:
                heard = now
                if message.get("type") == "message":
                    self.deliver_here(decode(message["data"]))
                continue
            if now - heard > SILENT_LIMIT:
                raise ConnectionError(f"no word from Redis for {SILENT_LIMIT:.0f} s")
            if now - heard > PING_EVERY and now - pinged > PING_EVERY:
                await pubsub.ping()
                pinged = now
