"""Faults under load: two hashchat processes on PostgreSQL with a Redis of their own, viewers on
both (SSE, reconnecting with Last-Event-ID as EventSource does), posts through both, and one
fault in the middle. Afterwards every viewer must hold exactly the committed posts, in order.

    python -m benchmarks.faults                        # every fault, the figures for the docs
    python -m benchmarks.faults --faults redis-kill --viewers 110 --rate 40

Faults: ``redis-kill`` (SIGKILL Redis, restart it after ``--outage`` seconds), ``pubsub-drop``
(Redis drops the subscribers' connections again and again: messages published meanwhile are
lost), ``worker-kill`` (SIGKILL one process; its viewers move to the other), ``shard-kill``
(two Redis nodes, HASHCHAT_REDIS_SHARDS, posts over four hashtags on both; SIGKILL the second
node, restart it after ``--outage`` seconds), ``none``.
``--replays`` measures what replaying viewers that read nothing cost the server instead.

The tests (tests/realtime/test_faults.py) run the same scenarios at small sizes and assert the
exact sets; this module prints the figures that docs/benchmarks.md quotes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness import Redis, Server, percentiles

FAULTS = ("redis-kill", "pubsub-drop", "worker-kill", "shard-kill", "none")
TAG = "faults"
# Two on each of two Redis shards (realtime/shards.py): a viewer follows all four at once.
SHARD_TAGS = ("faults", "faults2", "faults3", "faults4")


@dataclass
class Follower:
    """A viewer that behaves as EventSource does: reconnects with Last-Event-ID whenever its
    stream ends (or is told to resume), moving to the other process when its own is gone."""

    urls: list[str]
    home: int
    tags: tuple[str, ...] = (TAG,)
    ids: list[int] = field(default_factory=list)
    seen_at: dict[int, float] = field(default_factory=dict)
    reconnects: int = 0
    resumes: int = 0
    task: asyncio.Task[None] | None = None

    async def run(self, client: httpx.AsyncClient) -> None:
        at = self.home
        while True:
            headers = {"Last-Event-ID": str(self.ids[-1])} if self.ids else {}
            query = "&".join(f"tag={t}" for t in self.tags)
            url = f"{self.urls[at]}/api/v1/streaming/hashtag?{query}"
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    if response.status_code != 200:
                        raise httpx.HTTPError(f"HTTP {response.status_code}")
                    await self._read(response)
            except (httpx.HTTPError, OSError):
                at = (at + 1) % len(self.urls)  # this process is gone: try another
                await asyncio.sleep(0.2)
            self.reconnects += 1

    async def _read(self, response: httpx.Response) -> None:
        event, ident = "", ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("id: "):
                ident = line[4:]
            elif line == "" and event:
                if event == "resume":
                    self.resumes += 1
                    return
                if event == "update" and ident:
                    number = int(ident)
                    self.ids.append(number)
                    self.seen_at.setdefault(number, time.monotonic())
                event, ident = "", ""


@dataclass
class Outcome:
    fault: str
    committed: list[int]
    acknowledged: dict[int, tuple[int, float]]  # id -> (process, when answered)
    unknown: int  # posts answered with an error or not at all (outcome unknown to the writer)
    followers: list[Follower]
    window: tuple[float, float]  # when the fault lasted (monotonic)
    subscribed: list[int] = field(default_factory=list)  # processes on each Redis node's channel

    def exact(self) -> list[int]:
        """Indices of the followers that do not hold exactly the committed posts, in order."""
        return [i for i, f in enumerate(self.followers) if f.ids != self.committed]

    def latencies(self, *, during: bool) -> list[float]:
        """Seconds from a post's answer on one process to its arrival at viewers of the other."""
        start, end = self.window
        out = []
        for follower in self.followers:
            for post_id, (process, answered) in self.acknowledged.items():
                if process == follower.home or post_id not in follower.seen_at:
                    continue
                if (start <= answered <= end) == during:
                    out.append(follower.seen_at[post_id] - answered)
        return out


async def _token(server: Server) -> str:
    return await asyncio.to_thread(server.token, f"w{uuid.uuid4().hex[:6]}")


async def _tokens(server: Server, count: int) -> list[str]:
    """``count`` tokens of one new account (one account: `users create` costs a process)."""
    handle = f"w{uuid.uuid4().hex[:6]}"
    first = await asyncio.to_thread(server.token, handle)
    more = []
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(count - 1):
            app = (await client.post("/api/v1/apps", data={
                "client_name": "faults", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write"})).json()  # fmt: skip
            grant = await client.post("/oauth/token", data={
                "grant_type": "password", "client_id": app["client_id"],
                "client_secret": app["client_secret"], "username": handle,
                "password": "benchmark password", "scope": "read write"})  # fmt: skip
            more.append(str(grant.json()["access_token"]))
    return [first, *more]


async def _write(
    client: httpx.AsyncClient, urls: list[str], token: str, first: int, rate: float,
    until: float, acknowledged: dict[int, tuple[int, float]], failures: list[int],
    tags: tuple[str, ...] = (TAG,),
) -> None:  # fmt: skip
    at, n = first, 0
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            answer = await client.post(f"{urls[at]}/api/v1/statuses", headers=headers,
                                       json={"status": f"{n} #{tags[n % len(tags)]}"},
                                       timeout=10)  # fmt: skip
            if answer.status_code == 200:
                acknowledged[int(answer.json()["id"])] = (at, time.monotonic())
            else:
                failures.append(answer.status_code)
        except (httpx.HTTPError, OSError):
            failures.append(0)
            at = (at + 1) % len(urls)
        n += 1
        await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))


async def committed_posts(url: str, tags: tuple[str, ...] = (TAG,)) -> list[int]:
    """Every post with the tags, read back through the API (newest first, paged by max_id)."""
    found: set[int] = set()
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for tag in tags:
            max_id = ""
            while True:
                page = (await client.get(f"/api/v1/timelines/tag/{tag}",
                                         params={"limit": 40, **({"max_id": max_id} if max_id else {})})).json()  # fmt: skip
                if not page:
                    break
                found.update(int(s["id"]) for s in page)
                max_id = page[-1]["id"]
    return sorted(found)


async def run_fault(
    fault: str, *, database_url: str, viewers: int = 20, rate: float = 40.0,
    seconds: float = 8.0, outage: float = 5.0, workdir: Path, rate_limits: bool = True,
) -> Outcome:  # fmt: skip
    shards = 2 if fault == "shard-kill" else 1
    tags = SHARD_TAGS if shards > 1 else (TAG,)
    nodes = []
    for n in range(shards):
        (workdir / f"redis{n}").mkdir(parents=True, exist_ok=True)
        nodes.append(Redis(core="0,1", workdir=workdir / f"redis{n}").start())
    redis = nodes[-1]  # the one a fault kills
    # Rate limits on, as by default: their counters live in the same Redis (with shards, the
    # first, which stays up). The faults measured here are Redis's and a server's: the
    # overload bounds (a post refused when it would wait past 250 ms) have their own scenario,
    # and on a loaded machine they would turn some of these posts into 503s.
    env = {"HASHCHAT_REDIS_CHANNEL": f"faults:{uuid.uuid4()}",
           "HASHCHAT_RATE_LIMITS": "true" if rate_limits else "false",
           "HASHCHAT_WRITE_QUEUE_AGE_MS": "60000", "HASHCHAT_WRITE_LOOP_LAG_MS": "60000"}  # fmt: skip
    if shards > 1:
        env["HASHCHAT_REDIS_SHARDS"] = ",".join(n.url for n in nodes)
    else:
        env["HASHCHAT_REDIS_URL"] = redis.url
    servers = [Server(database_url=database_url, core="0,1", env=env,
                      workdir=workdir / f"server{i}") for i in range(2)]  # fmt: skip
    for server in servers:
        server.workdir.mkdir(parents=True, exist_ok=True)
        server.start()
    urls = [s.url for s in servers]
    subscribed = [_subscribers(node, env["HASHCHAT_REDIS_CHANNEL"]) for node in nodes]
    acknowledged: dict[int, tuple[int, float]] = {}
    failures: list[int] = []
    limits = httpx.Limits(max_connections=viewers + 20)
    timeout = httpx.Timeout(10, read=None)
    try:
        tokens = await _tokens(servers[0], 4)
        async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
            followers = [Follower(urls, i % 2, tags) for i in range(viewers)]
            for follower in followers:
                follower.task = asyncio.create_task(follower.run(client))
            await asyncio.sleep(1.0)  # every viewer connected before the first post
            start = time.monotonic()
            until = start + seconds
            writers = [asyncio.create_task(_write(client, urls, t, i % 2, rate / len(tokens),
                                                  until, acknowledged, failures, tags))
                       for i, t in enumerate(tokens)]  # fmt: skip
            window = await _inject(fault, redis, servers, start, seconds, outage)
            await asyncio.gather(*writers)
            committed = await committed_posts(urls[0], tags)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if all(f.ids[-1:] == committed[-1:] for f in followers):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # a duplicate would arrive now
            for follower in followers:
                assert follower.task is not None
                follower.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower.task
    finally:
        for server in servers:
            server.stop()
        for node in nodes:
            node.stop()
    return Outcome(fault, committed, acknowledged, len(failures), followers, window, subscribed)


async def _inject(
    fault: str, redis: Redis, servers: list[Server], start: float, seconds: float, outage: float
) -> tuple[float, float]:
    await asyncio.sleep(seconds * 0.25)
    began = time.monotonic()
    if fault in ("redis-kill", "shard-kill"):
        _kill(redis)
        await asyncio.sleep(outage)
        _restart(redis)
    elif fault == "pubsub-drop":
        end = began + outage
        while time.monotonic() < end:
            await asyncio.to_thread(
                subprocess.run, ["redis-cli", "-p", str(redis.port), "CLIENT", "KILL", "TYPE",
                                 "pubsub"], capture_output=True, check=False)  # fmt: skip
            await asyncio.sleep(0.4)
    elif fault == "worker-kill":
        _kill(servers[1])
    return began, time.monotonic()


def _subscribers(node: Redis, channel: str) -> int:
    done = subprocess.run(["redis-cli", "-p", str(node.port), "PUBSUB", "NUMSUB", channel],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout.split()[-1])


def _kill(proc: Any) -> None:
    if proc.process is not None and proc.process.poll() is None:
        os.killpg(proc.process.pid, signal.SIGKILL)
        proc.process.wait(10)


def _restart(redis: Redis) -> None:
    """The same Redis again, on the same port, empty (it keeps nothing on disk)."""
    redis.start()


# -- replays that nobody reads --------------------------------------------------------------------


def _history(server: Server, count: int) -> None:
    """``count`` posts' worth of events on the tag, written straight into the server's log."""
    code = (
        "import asyncio, orjson\n"
        "from hashchat.config import get_settings\n"
        "from hashchat.storage.engine import Database\n"
        "from hashchat.storage.sequence import take_ids\n"
        "from hashchat.realtime.events import Event, record_many\n"
        "async def main():\n"
        "    db = Database(get_settings().resolved_database_url)\n"
        "    payload = orjson.dumps({'content': 'x' * 1400}).decode()\n"
        f"    for _ in range({count} // 5000):\n"
        "        async with db.write() as s:\n"
        "            first = await take_ids(s, 5000)\n"
        f"            await record_many(s, [Event(first + i, 'update', payload, ('tag:{TAG}',))"
        " for i in range(5000)])\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-m", "hashchat", "db", "upgrade"], env=server._env,
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-c", code], env=server._env, check=True)


def _silent_reader(port: int, since: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET /api/v1/streaming/hashtag?tag={TAG} HTTP/1.1\r\nHost: x\r\n"
                 f"Last-Event-ID: {since}\r\n\r\n".encode())  # fmt: skip
    return sock


async def _ack_times(url: str, token: str, count: int) -> list[float]:
    out = []
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(count):
            started = time.monotonic()
            answer = await client.post(f"{url}/api/v1/statuses", json={"status": f"ack {i}"},
                                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            answer.raise_for_status()
            out.append(time.monotonic() - started)
    return out


async def replay_cost(*, history: int, readers: tuple[int, ...], workdir: Path) -> dict[str, Any]:
    """Server memory and post acknowledgement times with N viewers replaying the whole
    history from id 1 and reading nothing."""
    server = Server(core="0,1", workdir=workdir / "replays")
    server.workdir.mkdir(parents=True, exist_ok=True)
    server.start()
    try:
        figures: dict[str, Any] = {"history": history}
        await asyncio.to_thread(_history, server, history)
        token = await _token(server)
        await asyncio.sleep(1)
        figures["rss_idle_kib"] = server.rss_kib()
        figures["ack_idle"] = percentiles(await _ack_times(server.url, token, 50))
        opened: list[socket.socket] = []
        for count in readers:
            while len(opened) < count:
                opened.append(_silent_reader(server.port, 1))
            await asyncio.sleep(3)
            rss = server.rss_kib()
            figures[f"rss_{count}_kib"] = rss
            figures[f"per_reader_{count}_kib"] = (rss - figures["rss_idle_kib"]) / count
            figures[f"ack_{count}"] = percentiles(await _ack_times(server.url, token, 50))
        for sock in opened:
            sock.close()
        return figures
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default=",".join(FAULTS[:3]))
    parser.add_argument("--viewers", type=int, default=110)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--outage", type=float, default=5.0)
    parser.add_argument("--database-url", default=os.environ.get(
        "HASHCHAT_TEST_POSTGRES_URL",
        "postgresql+asyncpg://hashchat:hashchat@127.0.0.1:5432/hashchat"))  # fmt: skip
    parser.add_argument("--replays", action="store_true", help="measure replay cost instead")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="rate limits off (the writers are one account: past 300 posts in "
                        "all, Mastodon's posting limit answers 429 while its Redis is up)")  # fmt: skip
    args = parser.parse_args()
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="hcfaults-"))
    if args.replays:
        figures = asyncio.run(replay_cost(history=30_000, readers=(5, 25), workdir=workdir))
        for key, value in figures.items():
            print(f"{key}: {value}")
        return
    for fault in args.faults.split(","):
        database = asyncio.run(_fresh_database(args.database_url))
        outcome = asyncio.run(run_fault(fault, database_url=database, viewers=args.viewers,
                                        rate=args.rate, seconds=args.seconds,
                                        outage=args.outage, workdir=workdir / fault,
                                        rate_limits=not args.no_rate_limits))  # fmt: skip
        during = percentiles(outcome.latencies(during=True))
        healthy = percentiles(outcome.latencies(during=False))
        print(f"{fault}: {len(outcome.committed)} committed, {len(outcome.acknowledged)} "
              f"acknowledged, {outcome.unknown} unknown; viewers not exact: "
              f"{len(outcome.exact())} of {len(outcome.followers)}; resumes "
              f"{sum(f.resumes for f in outcome.followers)}, reconnects "
              f"{sum(f.reconnects for f in outcome.followers)}")  # fmt: skip
        print(f"  cross-process latency during the fault: p50 {during['p50']:.3f} s, "
              f"p99 {during['p99']:.3f} s, max {during['max']:.3f} s; otherwise p50 "
              f"{healthy['p50']:.3f} s, p99 {healthy['p99']:.3f} s")  # fmt: skip


async def _fresh_database(url: str) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = make_url(url)
    name = f"hashchat_faults_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(parsed, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
