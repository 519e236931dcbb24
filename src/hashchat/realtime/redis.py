"""The Redis broker: events go to this process's hub at once and, over Redis pub/sub, to every
other process; with several Redis nodes (``HASHCHAT_REDIS_SHARDS``) each event goes through the
node of its hashtag (realtime/shards.py), and every process subscribes to every node.

Redis is an optimisation, never a single point of failure. Posting never waits for it: messages
are published by a task of their own per node, and while a node is away its messages are dropped
(each was committed first, so the other processes read it from the event log). Each node's
subscription reports whether it is up; the broker is :attr:`live` only while every one is. While
it is not, the hub reads the log on a short timer, and when the node comes back anything
published meanwhile is found the same way (hub.py). The other nodes' events keep flowing
meanwhile: the hub holds them until the missing ids, read from the log, are filled in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence

import orjson
import redis.asyncio as aioredis

from hashchat.realtime.broker import Broker, Receiver
from hashchat.realtime.events import Event
from hashchat.realtime.shards import shard_of
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)
CHANNEL = "hashchat:events"
TIMEOUT = 2.0  # seconds a Redis command may take before Redis counts as down
PING_EVERY = 2.0  # a quiet subscription is checked this often ...
SILENT_LIMIT = 3 * PING_EVERY  # ... and given up as dead after this long without a word
QUEUED = 10_000  # messages waiting to be published to one node, at most (then the oldest go)
BATCH = 256  # messages published in one round trip


def encode(events: Sequence[Event]) -> bytes:
    return orjson.dumps([[e.id, e.kind, e.payload, list(e.streams)] for e in events])


def decode(data: bytes | str) -> list[Event]:
    return [Event(int(i), k, p, tuple(s)) for i, k, p, s in orjson.loads(data)]


class RedisBroker(Broker):
    """Pub/sub over one Redis (``url`` a string) or several (a list: the shards, in the same
    order in every process)."""

    def __init__(self, url: str | Sequence[str], *, channel: str = CHANNEL) -> None:
        super().__init__()
        urls = [url] if isinstance(url, str) else list(url)
        if not urls:
            raise ValueError("RedisBroker needs at least one Redis URL")
        self.channel = channel
        self.shards = [Shard(u, channel, self) for u in urls]
        self.connected = asyncio.Event()  # every node's subscription is up

    @property
    def url(self) -> str:
        return self.shards[0].url

    @property
    def live(self) -> bool:
        return self.connected.is_set()

    @property
    def dropped(self) -> int:
        """Messages not published (their node away); other processes read them from the log."""
        return sum(s.dropped for s in self.shards)

    def _link_changed(self) -> None:
        if all(s.connected for s in self.shards):
            self.connected.set()
        else:
            self.connected.clear()

    async def start(self, receiver: Receiver) -> None:
        await super().start(receiver)
        for shard in self.shards:  # fail at start-up, not at the first post
            await shard.connect()
        for shard in self.shards:
            shard.start()
        await asyncio.wait_for(self.connected.wait(), 10)

    async def stop(self) -> None:
        for shard in self.shards:
            await shard.stop()
        await super().stop()

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver_here(events)
        shards = self.shards
        if len(shards) == 1:
            shards[0].send(encode(events))
            return
        by_shard: dict[int, list[Event]] = {}
        for event in events:
            by_shard.setdefault(shard_of(event, len(shards)), []).append(event)
        for index, part in by_shard.items():
            shards[index].send(encode(part))


class Shard:
    """One Redis node: its client, its publisher's queue and task, its subscription."""

    def __init__(self, url: str, channel: str, broker: RedisBroker) -> None:
        self.url = url
        self.channel = channel
        self.broker = broker
        self.client: aioredis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._publisher: asyncio.Task[None] | None = None
        self._outgoing: deque[bytes] = deque()
        self._wake = asyncio.Event()
        self.connected = False
        self.dropped = 0

    async def connect(self) -> None:
        if self.client is None:
            self.client = aioredis.from_url(
                self.url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
            )
        await self.client.ping()

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name=f"redis-subscriber {self.url}")
        self._publisher = asyncio.create_task(self._publish(), name=f"redis-publisher {self.url}")

    async def stop(self) -> None:
        if self._outgoing and self._publisher is not None and not self._publisher.done():
            for _ in range(50):  # what is queued goes out first, if Redis takes it soon
                if not self._outgoing:
                    break
                await asyncio.sleep(0.01)
        for task in (self._listener, self._publisher):
            if task is not None:
                await cancelled(task)
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    def _set_connected(self, up: bool) -> None:
        self.connected = up
        self.broker._link_changed()

    def send(self, data: bytes) -> None:
        if len(self._outgoing) >= QUEUED:
            self._outgoing.popleft()
            self.dropped += 1
        self._outgoing.append(data)
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
                        "redis broker: cannot publish to %s (%d messages dropped); other "
                        "processes read them from the event log",
                        self.url,
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
                    if not self.connected:
                        log.info("redis broker: subscribed to %s on %s", self.channel, self.url)
                    self._set_connected(True)
                    delay = 0.1
                    await self._read(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected:
                    log.warning(
                        "redis broker: subscription to %s lost (%s); reconnecting", self.url, exc
                    )
                self._set_connected(False)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _read(self, pubsub: aioredis.client.PubSub) -> None:
        """Hand every message to the hub. A subscription that has said nothing for a while is
        pinged; one silent for SILENT_LIMIT is dead (a hung or partitioned Redis does not
        close the socket)."""
        heard = pinged = time.monotonic()
        deliver = self.broker.deliver_here
        while True:
            message = await pubsub.get_message(timeout=PING_EVERY / 2)
            now = time.monotonic()
            if message is not None:
                heard = now
                if message.get("type") == "message":
                    deliver(decode(message["data"]))
                continue
            if now - heard > SILENT_LIMIT:
                raise ConnectionError(f"no word from Redis for {SILENT_LIMIT:.0f} s")
            if now - heard > PING_EVERY and now - pinged > PING_EVERY:
                await pubsub.ping()
                pinged = now
