"""What a refusal costs the server (issue 17): the writer is held, so that every new post is
refused (503 with Retry-After), and 64 clients post back to back for a few seconds. Refusals
answered per second on the server's one core, how long each took (p50/p99), and the server's
CPU per refusal: under `hashchat serve`, which answers a refused post from its headers before
uvicorn makes a task for it (web/protocol.py), and under uvicorn with its own HTTP protocol,
where the same app refuses it on the fast path (posts/fastpath.py). Same app, same machine, one
run, one after the other.

The writer is held as in tests/posts/test_overload.py, from outside: a transaction of the
benchmark's own takes SQLite's write lock, one post starts a batch that waits for it, and past
the writer's age bound (HASHCHAT_WRITE_QUEUE_AGE_MS) the stalled writer refuses every newcomer.

    python -m benchmarks.refusals [--seconds 5] [--conns 64] [--rounds 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks import scenarios
from benchmarks.harness import ROOT
from benchmarks.systems import HASHCHAT

SERVERS = {
    "uvicorn-plain": "uvicorn's own protocol (fast path refuses)",
    "uvicorn": "`hashchat serve` (early answer in the protocol)",
}


def measure(asgi: str, seconds: float, conns: int, out: Path) -> dict[str, Any]:
    system = dataclasses.replace(HASHCHAT, asgi=asgi)
    with system.serve() as running:
        database = running.server.workdir / "bench.db"  # type: ignore[union-attr]
        lock = sqlite3.connect(database, isolation_level=None, timeout=30)
        lock.execute("BEGIN IMMEDIATE")
        try:

            def held_post() -> None:
                httpx.post(f"http://127.0.0.1:{running.port}/api/v1/statuses",
                           json={"status": "held #refusals"}, timeout=60,
                           headers={"Authorization": f"Bearer {running.token}"})  # fmt: skip

            threading.Thread(target=held_post, daemon=True).start()
            time.sleep(1.0)  # its batch waits for the lock, past the age bound
            row = scenarios.write(running, out, conns=conns, seconds=seconds)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
    wall = row.get("loadgen_wall_s") or seconds
    refused = row["refused"]
    cpu_s = row["server_cpu_pct"] / 100 * wall
    return {"asgi": asgi, "refused": refused, "accepted": row["posts_ok"],
            "refusals_per_s": refused / wall, "p50_ms": row["refused_p50_ms"],
            "p99_ms": row["refused_p99_ms"], "server_cpu_pct": row["server_cpu_pct"],
            "cpu_us_per_refusal": 1e6 * cpu_s / refused if refused else float("nan")}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--conns", type=int, default=64)
    parser.add_argument(
        "--rounds", type=int, default=2, help="each server this many times, in turn"
    )
    args = parser.parse_args()
    out = ROOT / "build" / "bench" / "refusals"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in range(args.rounds):
        for asgi in SERVERS:
            rows.append(measure(asgi, args.seconds, args.conns, out / f"{asgi}-{n}"))
    print(f"\n{args.conns} clients posting back to back for {args.seconds:g} s, writer held:\n")
    print("| server | round | refusals/s | p50 | p99 | server CPU | CPU per refusal | accepted |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n, row in enumerate(rows):
        print(f"| {SERVERS[row['asgi']]} | {n // len(SERVERS) + 1} | {row['refusals_per_s']:,.0f} "
              f"| {row['p50_ms']:.1f} ms | {row['p99_ms']:.1f} ms | {row['server_cpu_pct']:.0f} % "
              f"| {row['cpu_us_per_refusal']:.0f} µs | {row['accepted']} |")  # fmt: skip


if __name__ == "__main__":
    main()
