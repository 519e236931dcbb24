"""Fan-out on one hot hashtag: V viewers over SSE, posts at R per second through the API.

Reports deliveries per second and the latency from the moment a post is sent to the moment
each viewer receives it (p50, p99, max), with the server pinned to one core and this load
generator to the other. Run: ``python -m benchmarks.fanout --viewers 1000 --rate 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import httpx

from benchmarks.harness import Server, SSEViewer, percentiles, pin_self


async def fanout(
    url: str, token: str, *, viewers: int, rate: float, seconds: float, tag: str = "hot"
) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    clients = [
        SSEViewer(host, int(port), f"/api/v1/streaming/hashtag?tag={tag}") for _ in range(viewers)
    ]
    for i, client in enumerate(clients):
        client.start()
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 60)
    await asyncio.sleep(0.5)
    sent: dict[int, float] = {}
    body = "x" * 120
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                 limits=httpx.Limits(max_connections=50)) as api:  # fmt: skip

        async def post(i: int) -> None:
            started = time.perf_counter()
            response = await api.post("/api/v1/statuses", json={"status": f"{i} {body} #{tag}"})
            sent[int(response.json()["id"])] = started

        total = int(rate * seconds)
        begin = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(i)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - begin
    await asyncio.sleep(2.0)  # let the last posts arrive
    latencies = []
    deliveries = 0
    for client in clients:
        for event_id, arrived in client.received:
            if event_id in sent:
                deliveries += 1
                latencies.append((arrived - sent[event_id]) * 1000)
        if client.task:
            client.task.cancel()
    expected = len(sent) * viewers
    last_arrival = max((t for c in clients for _, t in c.received), default=begin)
    span = max(last_arrival - begin, elapsed)
    return {
        "viewers": viewers, "rate": rate, "posts": len(sent), "deliveries": deliveries,
        "expected": expected, "deliveries_per_s": deliveries / span,
        **{f"{k}_ms": v for k, v in percentiles(latencies).items()},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    pin_self(1)
    server = Server(core="0").start()
    try:
        token = server.token()
        result = asyncio.run(fanout(server.url, token, viewers=args.viewers, rate=args.rate,
                                    seconds=args.seconds))  # fmt: skip
        result["server_rss_mib"] = server.rss_kib() / 1024
        print(json.dumps(result, indent=2))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
