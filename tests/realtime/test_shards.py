"""Events over several Redis nodes (HASHCHAT_REDIS_SHARDS), against two redis-servers the test
starts on free ports: each hashtag's events go through one node, every process gets every event
once, and a node that dies loses only speed, never an event."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from benchmarks.harness import Redis
from hypothesis import given
from hypothesis import strategies as st

from hashchat.config import Settings
from hashchat.realtime.events import Event
from hashchat.realtime.redis import RedisBroker, decode
from hashchat.realtime.shards import shard_key, shard_of
from hashchat.runtime import make_broker
from tests.realtime.test_broker import Inbox
from tests.services import missing


def tagged(i: int, tag: str) -> Event:
    return Event(i, "update", f'{{"id":"{i}"}}', ("public", f"account:{i % 3}", f"tag:{tag}"))


TAGS = [f"chat{n}" for n in range(12)]


def test_every_event_of_a_hashtag_goes_through_one_shard() -> None:
    # CRC-32, not Python's salted hash: every process, on every run, picks the same node.
    assert [shard_of(tagged(1, t), 2) for t in TAGS] == [shard_of(tagged(99, t), 2) for t in TAGS]
    assert shard_of(tagged(1, "edchat"), 2) == 1  # zlib.crc32(b"tag:edchat") is odd
    assert {shard_of(tagged(1, t), 2) for t in TAGS} == {0, 1}, "the chats spread over both"
    assert {shard_of(tagged(1, t), 1) for t in TAGS} == {0}


@given(
    streams=st.lists(
        st.one_of(
            st.builds("tag:{}".format, st.text(min_size=1, max_size=8)),
            st.sampled_from(["public", "account:1", "user:7"]),
        ),
        max_size=5,
        unique=True,
    ),
    shards=st.integers(1, 8),
    ids=st.tuples(st.integers(1, 10**9), st.integers(1, 10**9)),
)
def test_the_shard_depends_on_the_streams_alone(
    streams: list[str], shards: int, ids: tuple[int, int]
) -> None:
    first, second = (Event(i, "update", "{}", tuple(streams)) for i in ids)
    if streams:
        assert shard_of(first, shards) == shard_of(second, shards)
        # A post with hashtags goes by its first tag, whatever else it is on.
        if any(s.startswith("tag:") for s in streams):
            assert shard_key(first) == min(s for s in streams if s.startswith("tag:"))
    assert 0 <= shard_of(first, shards) < shards


def test_settings_name_the_shards() -> None:
    settings = Settings(redis_shards=" redis://a:6379/0, redis://b:6379/0 ")
    assert settings.broker_urls == ["redis://a:6379/0", "redis://b:6379/0"]
    assert settings.limits_redis_url == "redis://a:6379/0"
    assert Settings(redis_url="redis://c/0").broker_urls == ["redis://c/0"]
    assert Settings().broker_urls == []
    with pytest.raises(ValueError, match="not a redis:// URL"):
        Settings(redis_shards="redis://a/0,http://b/")
    with pytest.raises(ValueError, match="twice"):
        Settings(redis_shards="redis://a/0,redis://a/0")
    broker = make_broker(Settings(redis_shards="redis://a:6379/0,redis://b:6379/0"))
    assert isinstance(broker, RedisBroker)
    assert [s.url for s in broker.shards] == ["redis://a:6379/0", "redis://b:6379/0"]


@pytest.fixture
def two_redis(tmp_path: Path) -> Iterator[list[Redis]]:
    if shutil.which("redis-server") is None:
        missing("redis-server")
    nodes = []
    for n in range(2):
        (tmp_path / f"r{n}").mkdir()
        nodes.append(Redis(core="0,1", workdir=tmp_path / f"r{n}").start())
    yield nodes
    for node in nodes:
        node.stop()


def kill(node: Redis) -> None:
    assert node.process is not None
    os.killpg(node.process.pid, signal.SIGKILL)
    node.process.wait(10)


async def tap(url: str, channel: str) -> tuple[aioredis.Redis, list[Event], asyncio.Task[None]]:
    """Everything published on ``channel`` of one node, read by a client of the test's own."""
    client = aioredis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    seen: list[Event] = []

    async def read() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                seen.extend(decode(message["data"]))

    return client, seen, asyncio.create_task(read())


@pytest.mark.redis
async def test_each_node_carries_its_hashtags_and_every_process_gets_every_event(
    two_redis: list[Redis],
) -> None:
    urls = [n.url for n in two_redis]
    channel = f"test:{uuid.uuid4()}"
    here, there = RedisBroker(urls, channel=channel), RedisBroker(urls, channel=channel)
    inbox_there = Inbox()
    taps = [await tap(url, channel) for url in urls]
    await here.start(lambda events: None)
    await there.start(inbox_there)
    try:
        events = [tagged(i, TAGS[i % len(TAGS)]) for i in range(1, 121)]
        for start in range(0, 120, 7):  # transactions of several events, some on both nodes
            await here.publish(events[start : start + 7])
        received = await inbox_there.wait_for(120)
        await asyncio.sleep(0.2)
        assert sorted(e.id for e in received) == list(range(1, 121)), "each once"
        assert sorted(received, key=lambda e: e.id) == events, "intact"
        for index, (_, seen, _) in enumerate(taps):
            assert seen == [e for e in events if shard_of(e, 2) == index], (
                f"node {index} carried exactly its hashtags' events, in order"
            )
    finally:
        for client, _, task in taps:
            task.cancel()
            await client.aclose()
        await here.stop()
        await there.stop()


@pytest.mark.redis
async def test_a_dead_node_takes_only_its_own_events_away_and_the_link_is_down(
    two_redis: list[Redis],
) -> None:
    urls = [n.url for n in two_redis]
    channel = f"test:{uuid.uuid4()}"
    here, there = RedisBroker(urls, channel=channel), RedisBroker(urls, channel=channel)
    inbox = Inbox()
    await here.start(lambda events: None)
    await there.start(inbox)
    on = {index: [t for t in TAGS if shard_of(tagged(1, t), 2) == index] for index in (0, 1)}
    try:
        assert here.live and there.live
        kill(two_redis[1])
        for _ in range(300):
            if not there.live:
                break
            await asyncio.sleep(0.02)
        assert not there.live, "the link counts as down while any node is"
        alive = [tagged(i, on[0][0]) for i in (1, 2, 3)]
        lost = [tagged(i, on[1][0]) for i in (4, 5)]
        await here.publish(alive + lost)
        assert [e.id for e in await inbox.wait_for(3)] == [1, 2, 3], "node 0 still carries its own"
        await asyncio.sleep(0.3)
        assert [e.id for e in inbox.events] == [1, 2, 3], (
            "node 1's are not there (the log has them)"
        )
        two_redis[1].start()  # the same port, empty
        for _ in range(300):
            if there.live and here.live:
                break
            await asyncio.sleep(0.05)
        assert there.live and here.live, "back once the node answers again"
        await here.publish([tagged(6, on[1][0])])
        assert [e.id for e in await inbox.wait_for(4)][-1] == 6, "and its events flow again"
        assert here.dropped >= 1
    finally:
        await here.stop()
        await there.stop()


@pytest.mark.redis
async def test_the_broker_refuses_to_start_when_a_node_is_away(two_redis: list[Redis]) -> None:
    broker = RedisBroker([two_redis[0].url, "redis://127.0.0.1:1/0"])
    with pytest.raises((aioredis.ConnectionError, OSError)):
        await broker.start(lambda events: None)
    await broker.stop()


def test_several_workers_may_take_their_events_from_the_shards(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from hashchat.cli import app
    from hashchat.config import get_settings

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    monkeypatch.setenv("HASHCHAT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HASHCHAT_REDIS_URL", raising=False)
    monkeypatch.delenv("HASHCHAT_REDIS_SHARDS", raising=False)
    runner = CliRunner()
    try:
        alone = runner.invoke(app, ["serve", "--workers", "2", "--no-migrate"])
        assert alone.exit_code != 0 and "HASHCHAT_REDIS_SHARDS" in alone.output
        assert not started
        monkeypatch.setenv("HASHCHAT_REDIS_SHARDS", "redis://127.0.0.1:1/0,redis://127.0.0.1:2/0")
        sharded = runner.invoke(app, ["serve", "--workers", "2", "--no-migrate"])
        assert sharded.exit_code == 0, sharded.output
        assert started[0]["workers"] == 2
    finally:
        get_settings.cache_clear()
