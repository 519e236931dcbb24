"""The Redis broker: events go to this process's hub at once and, over Redis pub/sub, to every
other process. Pub/sub may drop messages while a connection is down; the hub notices the gap (or
its watchdog notices the tail) and reads the missing events from the event log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import orjson
import redis.asyncio as aioredis

from hashchat.realtime.broker import Broker, Receiver
from hashchat.realtime.events import Event

log = logging.getLogger(__name__)
CHANNEL = "hashchat:events"


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
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def start(self, receiver: Receiver) -> None:
        await super().start(receiver)
        self.client = aioredis.from_url(self.url)
        await self.client.ping()  # fail at start-up, not at the first post
        self._task = asyncio.create_task(self._listen(), name="redis-broker")
        await asyncio.wait_for(self.connected.wait(), 10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.client is not None:
            await self.client.aclose()
        await super().stop()

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver_here(events)
        assert self.client is not None
        try:
            await self.client.publish(self.channel, encode(events))
        except (aioredis.ConnectionError, aioredis.TimeoutError, OSError):
            # Committed already; other processes will read it from the event log.
            log.warning("redis broker: publish failed; peers will catch up from the log")

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                assert self.client is not None
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.connected.set()
                    delay = 0.1
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.deliver_here(decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                self.connected.clear()
                log.warning("redis broker: subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
