"""The simulation of docs/scaling.md: several hashchat processes on PostgreSQL, events carried by
one Redis or by two Redis shards (HASHCHAT_REDIS_SHARDS) on loopback, viewers spread over the
processes and the hashtags, posts through every process; and a run where one shard is killed
(SIGKILL) mid-run and restarted.

    python -m benchmarks.shards                            # the three runs, figures for the docs
    python -m benchmarks.shards --processes 4 --viewers 192 --rate 80 --seconds 12

Each viewer is an SSE client that reconnects with Last-Event-ID as EventSource does
(benchmarks/faults.py). Per run: deliveries/s, delivery latency (from a post's sending to its
arrival at each viewer of its tag), every viewer's posts checked against the committed ones
(exactly, in order), and what Redis carried: bytes each process received from Redis (``ss``'s
per-socket counters), bytes and CPU of each Redis node.

What subscribing only to the shards (or channels) a process's viewers watch would save is
computed from the viewers' placement, not measured: every process here subscribes to every node
(docs/scaling.md says why).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.faults import Follower, _fresh_database, _kill, _tokens, committed_posts
from benchmarks.harness import Redis, Server, percentiles, process_tree
from hashchat.realtime.events import Event
from hashchat.realtime.shards import shard_of

# Eight hashtags, four on each of two shards (realtime/shards.py).
TAGS = ("chat0", "chat1", "chat2", "chat3", "chat4", "chat5", "chat6", "chat7")


@dataclass
class Run:
    name: str
    shards: int
    kill: bool = False
    figures: dict[str, Any] = field(default_factory=dict)


def _redis_stats(node: Redis) -> dict[str, float]:
    done = subprocess.run(["redis-cli", "-p", str(node.port), "INFO"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    values: dict[str, float] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.strip().partition(":")
        if key in ("total_net_input_bytes", "total_net_output_bytes", "used_cpu_sys",
                   "used_cpu_user"):  # fmt: skip
            values[key] = float(value)
    return values


def _received_from(ports: list[int], pids: set[int]) -> int:
    """Bytes the processes ``pids`` have received on their open connections to those Redis
    ports (the kernel's per-socket counter, ``ss -tinp``)."""
    done = subprocess.run(["ss", "-tinpH", "state", "established"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    total = 0
    lines = done.stdout.splitlines()
    for head, info in zip(lines[::2], lines[1::2], strict=False):
        parts = head.split()
        if len(parts) < 4 or not any(parts[3].endswith(f":{p}") for p in ports):
            continue
        owners = {int(p) for p in re.findall(r"pid=(\d+)", head)}
        if owners & pids:
            found = re.search(r"bytes_received:(\d+)", info)
            total += int(found.group(1)) if found else 0
    return total


async def _post(
    client: httpx.AsyncClient, urls: list[str], tokens: list[str], rate: float, until: float,
    sent: dict[int, tuple[str, float]], failures: list[int],
) -> None:  # fmt: skip
    """Posts at ``rate`` per second in all, open loop (each sent on time, without waiting for
    the one before), each to the next hashtag, through process after process."""

    async def one(n: int, due: float) -> None:
        tag = TAGS[n % len(TAGS)]
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        try:
            answer = await client.post(f"{urls[n % len(urls)]}/api/v1/statuses", headers=headers,
                                       json={"status": f"{n} #{tag}"}, timeout=10)  # fmt: skip
            if answer.status_code == 200:
                sent[int(answer.json()["id"])] = (tag, due)
            else:
                failures.append(answer.status_code)
        except (httpx.HTTPError, OSError):
            failures.append(0)

    start = time.monotonic()
    posts: list[asyncio.Task[None]] = []
    n = 0
    while (due := start + n / rate) < until:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        posts.append(asyncio.create_task(one(n, due)))
        n += 1
    await asyncio.gather(*posts)


async def simulate(
    run: Run, *, database_url: str, processes: int, viewers: int, rate: float, seconds: float,
    outage: float, workdir: Path,
) -> dict[str, Any]:  # fmt: skip
    nodes = []
    for n in range(max(1, run.shards)):
        (workdir / f"redis{n}").mkdir(parents=True, exist_ok=True)
        nodes.append(Redis(core="0,1", workdir=workdir / f"redis{n}").start())
    env = {"HASHCHAT_REDIS_CHANNEL": f"sim:{uuid.uuid4()}",
           "HASHCHAT_WRITE_QUEUE_AGE_MS": "60000", "HASHCHAT_WRITE_LOOP_LAG_MS": "60000"}  # fmt: skip
    if run.shards > 1:
        env["HASHCHAT_REDIS_SHARDS"] = ",".join(n.url for n in nodes)
    else:
        env["HASHCHAT_REDIS_URL"] = nodes[0].url
    servers = [Server(database_url=database_url, core="0,1", env=env,
                      workdir=workdir / f"server{i}") for i in range(processes)]  # fmt: skip
    for server in servers:
        server.workdir.mkdir(parents=True, exist_ok=True)
        server.start()
    urls = [s.url for s in servers]
    ports = [n.port for n in nodes]
    sent: dict[int, tuple[str, float]] = {}
    failures: list[int] = []
    figures: dict[str, Any] = {"run": run.name, "processes": processes, "shards": run.shards,
                               "viewers": viewers, "rate": rate, "seconds": seconds}  # fmt: skip
    try:
        tokens = await _tokens(servers[0], 4)
        # Viewer i watches TAGS[i % 8] on process (i // 8) % P: every process has viewers of
        # every tag, as when a load balancer spreads connections at random.
        followers = [Follower(urls, (i // len(TAGS)) % processes, (TAGS[i % len(TAGS)],))
                     for i in range(viewers)]  # fmt: skip
        limits = httpx.Limits(max_connections=viewers + 400)  # posts never wait for one
        async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(10, read=None)) as client:
            for follower in followers:
                follower.task = asyncio.create_task(follower.run(client))
            await asyncio.sleep(2.0)  # every viewer connected before the first post
            pids = [set(process_tree(s.pid)) for s in servers]
            before = [_received_from(ports, p) for p in pids]
            stats0 = [_redis_stats(n) for n in nodes]
            start = time.monotonic()
            until = start + seconds
            writer = asyncio.create_task(_post(client, urls, tokens, rate, until, sent, failures))
            window = (start, start)
            if run.kill:
                await asyncio.sleep(seconds * 0.3)
                began = time.monotonic()
                _kill(nodes[-1])
                await asyncio.sleep(outage)
                nodes[-1].start()
                window = (began, time.monotonic())
            await writer
            wall = time.monotonic() - start
            stats1 = [_redis_stats(n) for n in nodes]
            after = [_received_from(ports, p) for p in pids]
            by_tag = {t: await committed_posts(urls[0], (t,)) for t in TAGS}
            committed = sorted({i for ids in by_tag.values() for i in ids})
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if all(f.ids[-1:] == by_tag[f.tags[0]][-1:] for f in followers):
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
    latencies, during = [], []
    for follower in followers:
        for post_id in follower.ids:
            if post_id in sent and post_id in follower.seen_at:
                delay = follower.seen_at[post_id] - sent[post_id][1]
                latencies.append(delay)
                if window[0] <= sent[post_id][1] <= window[1]:
                    during.append(delay)
    exact = sum(1 for f in followers if f.ids == by_tag[f.tags[0]])
    delivered = sum(len(f.ids) for f in followers)
    lat = percentiles(latencies)
    if run.kill:  # the restarted node's counters began again at its restart
        stats0, stats1 = stats0[:-1], stats1[:-1]
    figures.update(
        committed=len(committed), acknowledged=len(sent), refused_or_failed=len(failures),
        failures=sorted(set(failures)),
        unacknowledged=len(set(committed) - set(sent)), delivered=delivered, deliveries_per_s=delivered / wall,
        posts_per_s=len(sent) / wall, p50_ms=lat["p50"] * 1000, p99_ms=lat["p99"] * 1000,
        max_ms=lat["max"] * 1000, exact=exact, followers=len(followers),
        resumes=sum(f.resumes for f in followers),
        redis_kib_per_process=[(a - b) / 1024 for a, b in zip(after, before, strict=True)],
        redis_out_kib_per_node=[(s1.get("total_net_output_bytes", 0)
                                 - s0.get("total_net_output_bytes", 0)) / 1024
                                for s0, s1 in zip(stats0, stats1, strict=True)],
        redis_in_kib_per_node=[(s1.get("total_net_input_bytes", 0)
                                - s0.get("total_net_input_bytes", 0)) / 1024
                               for s0, s1 in zip(stats0, stats1, strict=True)],
        redis_cpu_s_per_node=[s1.get("used_cpu_sys", 0) + s1.get("used_cpu_user", 0)
                              - s0.get("used_cpu_sys", 0) - s0.get("used_cpu_user", 0)
                              for s0, s1 in zip(stats0, stats1, strict=True)],
    )  # fmt: skip
    if run.kill:
        d = percentiles(during)
        figures.update(during_p50_ms=d["p50"] * 1000, during_p99_ms=d["p99"] * 1000,
                       during_max_ms=d["max"] * 1000)  # fmt: skip
    figures.update(_what_subscribing_by_viewers_would_receive(followers, processes, run.shards))
    return figures


def _what_subscribing_by_viewers_would_receive(
    followers: list[Follower], processes: int, shards: int
) -> dict[str, Any]:
    """The share of the events each process receives that it would still receive if it
    subscribed only to what its viewers watch (posts spread evenly over the tags):

    - ``share_spread``: by shard, with this run's placement (viewers of every tag on every
      process, as a load balancer spreading connections at random does);
    - ``share_shard_affinity``: by shard, with each shard's tags' viewers sent to the processes
      of that shard (process p serves shard p % S);
    - ``share_tag_affinity``: by tag (a channel per tag), each tag's viewers on one process
      (tag i on process i % P).
    """
    shard = {t: shard_of(Event(1, "update", "", (f"tag:{t}",)), max(shards, 1)) for t in TAGS}
    per_tag = 1 / len(TAGS)
    spread = [{f.tags[0] for f in followers if f.home == p} for p in range(processes)]
    return {
        "share_spread": [sum(per_tag for t in TAGS if shard[t] in {shard[w] for w in wanted})
                         for wanted in spread],
        "share_shard_affinity": [sum(per_tag for t in TAGS if shard[t] == p % max(shards, 1))
                                 for p in range(processes)],
        "share_tag_affinity": [sum(per_tag for i, _ in enumerate(TAGS) if i % processes == p)
                               for p in range(processes)],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--viewers", type=int, default=144)
    parser.add_argument("--rate", type=float, default=60.0, help="posts/s in all")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--outage", type=float, default=4.0)
    parser.add_argument("--runs", default="one,two,two-kill")
    parser.add_argument("--database-url", default=os.environ.get(
        "HASHCHAT_TEST_POSTGRES_URL",
        "postgresql+asyncpg://hashchat:hashchat@127.0.0.1:5432/hashchat"))  # fmt: skip
    args = parser.parse_args()
    runs = {"one": Run("one Redis", 1), "two": Run("two Redis shards", 2),
            "two-kill": Run("two shards, one killed", 2, kill=True)}  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="hcshards-"))
    print(f"load average at the start: {os.getloadavg()}")
    for key in args.runs.split(","):
        run = runs[key]
        database = asyncio.run(_fresh_database(args.database_url))
        figures = asyncio.run(simulate(run, database_url=database, processes=args.processes,
                                       viewers=args.viewers, rate=args.rate,
                                       seconds=args.seconds, outage=args.outage,
                                       workdir=workdir / key))  # fmt: skip
        print(figures, flush=True)
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
