"""Rate limits survive Redis going down: this process counts on its own meanwhile (and says so
once), and goes back to Redis when it answers. With a redis-server of the test's own, on a
free port, that the test stops and starts (never the shared one)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from hashchat.web import ratelimit
from hashchat.web.ratelimit import RateLimiter
from tests.conftest import MakeAccount, auth
from tests.services import free_port, missing, port_open

pytestmark = pytest.mark.redis


class OwnRedis:
    """A throwaway redis-server that a test can stop and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def stored_keys(self) -> list[str]:
        with redis.Redis(port=self.port, decode_responses=True) as r:
            return list(r.keys("*"))


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        missing("redis-server")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def closing() -> AsyncIterator[list[RateLimiter]]:
    """Limiters to close at the end (their Redis connections)."""
    made: list[RateLimiter] = []
    yield made
    for limiter in made:
        await limiter.close()


async def test_limits_fall_back_to_memory_and_back_to_redis(
    own_redis: OwnRedis,
    closing: list[RateLimiter],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ratelimit.RULES, "post", ratelimit.parse("5/hour"))
    limiter = RateLimiter(redis_url=own_redis.url, retry_every=0.3)
    closing.append(limiter)
    await limiter.hit("post", "maya")
    assert limiter.counting_in_redis and own_redis.stored_keys()

    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="hashchat.web.ratelimit")
    started = time.monotonic()
    for _ in range(5):  # counted here now: this process's own 5
        await limiter.hit("post", "maya")
    assert time.monotonic() - started < 1.0  # no request waits on the dead server
    with pytest.raises(ratelimit.RateLimited):
        await limiter.hit("post", "maya")
    await asyncio.sleep(0.4)
    await limiter.hit("post", "lena")  # tries Redis again: still down, still counted
    outage = [r.getMessage() for r in caplog.records if r.name == "hashchat.web.ratelimit"]
    assert outage == [outage[0]] and outage[0].startswith(
        "rate limits: Redis unavailable, counting in this process"
    )

    own_redis.start()  # an empty Redis: nobody has posted as far as it knows
    await asyncio.sleep(0.4)
    await limiter.hit("post", "maya")
    assert limiter.counting_in_redis
    assert any("api" not in k and "maya" in k for k in own_redis.stored_keys())
    last = [r for r in caplog.records if r.name == "hashchat.web.ratelimit"][-1]
    assert "Redis answers again" in last.getMessage()
    window = await limiter.window("api_anonymous", "ip:192.0.2.1")
    assert window.remaining == 299 and any(
        k.startswith("LIMITS:api/") for k in own_redis.stored_keys()
    )


async def test_a_hung_redis_costs_a_request_half_a_second_at_most(
    own_redis: OwnRedis, closing: list[RateLimiter]
) -> None:
    limiter = RateLimiter(redis_url=own_redis.url, retry_every=30)
    closing.append(limiter)
    await limiter.hit("post", "maya")
    assert own_redis.process is not None
    own_redis.process.send_signal(19)  # SIGSTOP: the socket stays open, nothing answers
    try:
        started = time.monotonic()
        await limiter.hit("post", "maya")
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(20):
            await limiter.hit("post", "maya")
        rest = time.monotonic() - started
    finally:
        own_redis.process.send_signal(18)  # SIGCONT
    assert first < 1.2 and rest < 0.2
    assert not limiter.counting_in_redis


async def test_posting_goes_on_while_redis_is_down(
    app: Any, client: httpx.AsyncClient, own_redis: OwnRedis, make_account: MakeAccount,
    token_for: Any, closing: list[RateLimiter],
) -> None:  # fmt: skip
    app.state.runtime.limiter = limiter = RateLimiter(redis_url=own_redis.url)
    closing.append(limiter)
    token = auth(await token_for(await make_account("maya")))
    assert (
        await client.post("/api/v1/statuses", json={"status": "1"}, headers=token)
    ).status_code == 200
    own_redis.stop()
    for n in range(5):
        posted = await client.post("/api/v1/statuses", json={"status": f"{n}"}, headers=token)
        assert posted.status_code == 200, posted.text
        assert posted.headers["x-ratelimit-limit"] == "1500"
        form = await client.post("/api/v1/statuses", data={"status": f"form {n}"}, headers=token)
        assert form.status_code == 200, form.text
