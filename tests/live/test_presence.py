"""Who is in a room now: each process reports its hub's viewers per hashtag to the database,
a room's count is the sum of fresh reports, and the people posting lately are listed."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hashchat.live import presence
from hashchat.posts import service
from hashchat.realtime.viewer import Outbox, Viewer
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, _create_postgres_database
from tests.liveserver import LiveServer
from tests.realtime.conftest import sse
from tests.services import free_port, missing, port_open


async def count(db: Database, key: str) -> int:
    async with db.read() as session:
        return await presence.watching(session, key, now=utcnow())


async def test_reports_of_every_process_add_up_and_stale_ones_do_not_count(db: Database) -> None:
    now = utcnow()
    await presence.report(db=db, process="a", counts={"edchat": 3, "other": 1}, now=now)
    await presence.report(db=db, process="b", counts={"edchat": 2}, now=now)
    assert await count(db, "edchat") == 5
    await presence.report(db=db, process="a", counts={"edchat": 1}, now=now)  # replaces a's
    assert await count(db, "edchat") == 3
    assert await count(db, "other") == 0, "a no longer has viewers of #other"
    stale = now - presence.FRESH - timedelta(seconds=1)
    await presence.report(db=db, process="b", counts={"edchat": 2}, now=stale)  # b went silent
    assert await count(db, "edchat") == 1
    await presence.report(db=db, process="a", counts={}, now=now)
    assert await count(db, "edchat") == 0


async def test_the_reporter_counts_its_hubs_viewers_per_hashtag(app: Any, db: Database) -> None:
    hub = app.state.runtime.hub
    reporter = presence.Reporter(db, hub, interval=60)
    viewers = [Viewer(Outbox(), frozenset({"tag:watched"})) for _ in range(2)]
    viewers.append(Viewer(Outbox(), frozenset({"tag:watched", "tag:mixed", "public"})))
    for viewer in viewers:
        await hub.attach(viewer)
    await reporter.tick()
    assert await count(db, "watched") == 3
    assert await count(db, "mixed") == 1
    for viewer in viewers:
        hub.detach(viewer)
    await reporter.tick()
    assert await count(db, "watched") == 0, "the last report takes the rows away"
    await reporter.stop()


async def test_the_presence_api_says_who_is_watching_and_posting(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    lena, tom = await make_account("lena"), await make_account("tom")
    await service.create_post(db=db, author=lena, text="A1: hello #PresenceChat")
    await service.create_post(db=db, author=tom, text="A1: me too #presencechat")
    await service.create_post(db=db, author=lena, text="elsewhere #other")
    await presence.report(db=db, process="x", counts={"presencechat": 4}, now=utcnow())
    answer = await client.get("/api/v1/live/PresenceChat/presence")
    assert answer.status_code == 200
    body = answer.json()
    assert body["watching"] == 4
    assert [a["acct"] for a in body["posting"]] == ["tom", "lena"], "latest first"
    assert body["posting_window_minutes"] == 5
    bad = await client.get("/api/v1/live/two%20words/presence")
    assert bad.status_code == 422 and bad.json()["field"] == "tags"


@pytest.mark.slow
@pytest.mark.postgres
async def test_viewers_on_two_processes_are_counted_with_redis_down(tmp_path: Path) -> None:
    """Two `hashchat serve` processes sharing PostgreSQL, their Redis unreachable: each counts
    the other's viewers (the database carries the counts), and a process that stops takes its
    own viewers out of the count (at once, or once its last report is stale)."""
    if shutil.which("redis-server") is None:
        missing("Redis")
    url = await _create_postgres_database(f"hashchat_presence_{uuid.uuid4().hex[:8]}")
    port = free_port()  # our own Redis, to stop (never the shared one)
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)  # fmt: skip
    for _ in range(50):
        if port_open("127.0.0.1", port):
            break
        await asyncio.sleep(0.1)
    env = {"HASHCHAT_REDIS_URL": f"redis://127.0.0.1:{port}/0",
           "HASHCHAT_PRESENCE_INTERVAL": "0.2"}  # fmt: skip
    a = await asyncio.to_thread(LiveServer(tmp_path / "a", url, extra_env=env).start)
    b = await asyncio.to_thread(LiveServer(tmp_path / "b", url, extra_env=env).start)
    redis.terminate()
    redis.wait(10)
    stream = "/api/v1/streaming/hashtag?tag=crowd"

    async def watching(server: LiveServer, expected: int, *, tries: int = 50) -> int:
        async with httpx.AsyncClient(base_url=server.url) as client:
            for _ in range(tries):
                found = int((await client.get("/api/v1/live/crowd/presence")).json()["watching"])
                if found == expected:
                    return found
                await asyncio.sleep(0.1)
        return found

    try:
        async with sse(a.url + stream), sse(b.url + stream), sse(b.url + stream):
            assert await watching(a, 3) == 3
            assert await watching(b, 3) == 3
            await asyncio.to_thread(b.stop)
            # Stopped with streams open, b may be killed before it takes its rows away: then
            # they stop counting once they are older than presence.FRESH.
            assert await watching(a, 1, tries=300) == 1, "b's viewers left with it"
    finally:
        for server in (a, b):
            await asyncio.to_thread(server.stop)
