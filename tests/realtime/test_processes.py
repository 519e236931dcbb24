"""Several server processes sharing PostgreSQL and Redis: a post made through one reaches a
viewer on another, and a viewer that switches process mid-flood misses nothing and gets nothing
twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import _create_postgres_database
from tests.liveserver import LiveServer
from tests.realtime.conftest import sse
from tests.services import REDIS_URL, missing, port_open

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


async def login(server: LiveServer, handle: str) -> str:
    made = await asyncio.to_thread(
        server.run_cli, "users", "create", handle, "--password-stdin", input="several processes\n"
    )
    assert made.returncode == 0, made.stderr
    async with httpx.AsyncClient(base_url=server.url) as client:
        app = (
            await client.post(
                "/api/v1/apps",
                data={
                    "client_name": "t",
                    "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                    "scopes": "read write",
                },
            )
        ).json()
        grant = await client.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "username": handle,
                "password": "several processes",
                "scope": "read write",
            },
        )
    return str(grant.json()["access_token"])


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[list[LiveServer]]:
    if not port_open("127.0.0.1", 6379):
        missing("Redis")
    url = await _create_postgres_database(f"hashchat_procs_{uuid.uuid4().hex[:8]}")
    env = {"HASHCHAT_REDIS_URL": REDIS_URL, "HASHCHAT_REDIS_CHANNEL": f"test:{uuid.uuid4()}"}
    first = await asyncio.to_thread(LiveServer(tmp_path / "a", url, extra_env=env).start)
    second = await asyncio.to_thread(LiveServer(tmp_path / "b", url, extra_env=env).start)
    yield [first, second]
    for server in (first, second):
        await asyncio.to_thread(server.stop)


async def post(client: httpx.AsyncClient, server: LiveServer, token: str, text: str) -> str:
    response = await client.post(f"{server.url}/api/v1/statuses", json={"status": text},
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def test_a_post_through_one_process_reaches_a_viewer_on_another(
    cluster: list[LiveServer],
) -> None:
    a, b = cluster
    token = await login(a, "crossing")
    async with sse(f"{a.url}/api/v1/streaming/hashtag?tag=across") as viewer:
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as client:
            made = await post(client, b, token, "from the other process #across")
        event = await viewer.until("update", timeout=5)
        assert event.id == made


async def test_switching_process_mid_flood_loses_and_repeats_nothing(
    cluster: list[LiveServer],
) -> None:
    a, b = cluster
    tokens = [await login(a, f"flood{i}") for i in range(4)]
    posted: list[str] = []
    received: list[str] = []

    async def writer(token: str, n: int) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            for i in range(n):
                server = a if i % 2 else b
                posted.append(await post(client, server, token, f"{i} #flood"))
                if i % 5 == 0:
                    await post(client, server, token, f"{i} #notflood")

    async with sse(f"{a.url}/api/v1/streaming/hashtag?tag=flood") as first:
        await asyncio.sleep(0.2)
        writers = [asyncio.create_task(writer(t, 20)) for t in tokens]
        while len(received) < 15:
            received.append((await first.until("update", timeout=10)).id or "")
    # disconnected mid-flood; come back through the other process with the last id seen
    async with sse(
        f"{b.url}/api/v1/streaming/hashtag?tag=flood", headers={"Last-Event-ID": received[-1]}
    ) as second:
        await asyncio.gather(*writers)
        while len(received) < len(posted):
            received.append((await second.until("update", timeout=10)).id or "")
        await asyncio.sleep(0.3)
        assert second.events.empty(), "nothing twice"
    assert received == sorted(posted, key=int), "every post, in commit order, exactly once"


async def test_serve_with_several_workers(tmp_path: Path) -> None:
    if not port_open("127.0.0.1", 6379):
        missing("Redis")
    url = await _create_postgres_database(f"hashchat_workers_{uuid.uuid4().hex[:8]}")
    env: dict[str, Any] = {
        "HASHCHAT_REDIS_URL": REDIS_URL,
        "HASHCHAT_REDIS_CHANNEL": f"test:{uuid.uuid4()}",
    }
    server = await asyncio.to_thread(LiveServer(tmp_path, url, extra_env=env, workers=2).start)
    try:
        token = await login(server, "workers")
        viewers = [sse(f"{server.url}/api/v1/streaming/hashtag?tag=workers") for _ in range(6)]
        readers = [await v.__aenter__() for v in viewers]
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient() as client:
            made = [await post(client, server, token, f"{i} #workers") for i in range(3)]
        for reader in readers:
            assert [(await reader.until("update")).id for _ in made] == made
        for viewer in viewers:
            await viewer.__aexit__(None, None, None)
    finally:
        await asyncio.to_thread(server.stop)


async def test_several_workers_need_redis(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", workers=2)
    result = await asyncio.to_thread(server.run_cli, "serve", "--workers", "2")
    assert result.returncode == 2
    assert "HASHCHAT_REDIS_URL" in result.stderr
