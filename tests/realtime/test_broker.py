"""Both broker backends: in memory, and Redis pub/sub against a real Redis server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest
import redis.asyncio as aioredis

from hashchat.realtime.broker import MemoryBroker
from hashchat.realtime.events import Event
from hashchat.realtime.redis import RedisBroker, decode, encode
from tests.services import REDIS_URL, missing


async def require_redis() -> None:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (aioredis.ConnectionError, OSError):
        missing("Redis")
    finally:
        await client.aclose()


class Inbox:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.arrived = asyncio.Event()

    def __call__(self, events: Sequence[Event]) -> None:
        self.events.extend(events)
        self.arrived.set()

    async def wait_for(self, count: int) -> list[Event]:
        for _ in range(200):
            if len(self.events) >= count:
                return self.events
            await asyncio.sleep(0.01)
        raise AssertionError(f"got {len(self.events)} events, wanted {count}")


def sample(n: int, start: int = 1) -> list[Event]:
    return [
        Event(i, "update", f'{{"id":"{i}","text":"é 😀"}}', ("public", f"tag:t{i}"))
        for i in range(start, start + n)
    ]


async def test_memory_broker_hands_events_over_at_once() -> None:
    broker, inbox = MemoryBroker(), Inbox()
    await broker.start(inbox)
    await broker.publish(sample(2))
    assert [e.id for e in inbox.events] == [1, 2]
    await broker.stop()
    await broker.publish(sample(1, 3))
    assert len(inbox.events) == 2, "a stopped broker delivers nothing"


def test_wire_format_round_trips() -> None:
    events = sample(3)
    assert decode(encode(events)) == events


@pytest.mark.redis
async def test_redis_broker_reaches_other_processes() -> None:
    await require_redis()
    channel = f"test:{uuid.uuid4()}"
    here, there = RedisBroker(REDIS_URL, channel=channel), RedisBroker(REDIS_URL, channel=channel)
    inbox_here, inbox_there = Inbox(), Inbox()
    await here.start(inbox_here)
    await there.start(inbox_there)
    try:
        await here.publish(sample(3))
        assert [e.id for e in inbox_here.events] == [1, 2, 3], "delivered here at once"
        received = await inbox_there.wait_for(3)
        assert received == sample(3), "and there through Redis, intact"
        assert len(inbox_here.events) == 3 or inbox_here.events[3:] == sample(3), (
            "its own echo may come back; the hub drops ids it has passed on"
        )
    finally:
        await here.stop()
        await there.stop()


@pytest.mark.redis
async def test_redis_broker_resubscribes_after_losing_its_connection() -> None:
    await require_redis()
    channel = f"test:{uuid.uuid4()}"
    sender, listener, inbox = (
        RedisBroker(REDIS_URL, channel=channel),
        RedisBroker(REDIS_URL, channel=channel),
        Inbox(),
    )
    await sender.start(lambda events: None)
    await listener.start(inbox)
    admin = aioredis.from_url(REDIS_URL)
    try:
        await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        for _ in range(200):  # wait until it has noticed and subscribed again
            await asyncio.sleep(0.02)
            if listener.connected.is_set() and await admin.pubsub_numsub(channel) == [
                (channel.encode(), 1)
            ]:
                break
        await sender.publish(sample(1, 10))
        assert [e.id for e in await inbox.wait_for(1)] == [10]
    finally:
        await admin.aclose()
        await sender.stop()
        await listener.stop()


@pytest.mark.redis
async def test_redis_broker_refuses_to_start_without_redis() -> None:
    broker = RedisBroker("redis://127.0.0.1:1/0")
    with pytest.raises((aioredis.ConnectionError, OSError)):
        await broker.start(lambda events: None)
    await broker.stop()
