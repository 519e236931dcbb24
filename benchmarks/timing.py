"""What the one-process SQLite benchmarks (analytics.py, transcript.py) share: their command
line, the database they build once and reuse, the timing of a call, and the table they print."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Results = list[tuple[str, dict[str, float]]]


async def timed(
    runs: int, call: Callable[[], Awaitable[Any]], *, warmups: int = 1
) -> dict[str, float]:
    """Wall-clock times, and the CPU time the process spent (all its threads: SQLite runs in
    aiosqlite's), which a machine shared with other work inflates far less."""
    for _ in range(warmups):
        await call()
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        await call()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    return {
        "p50": statistics.median(walls),
        "p95": walls[max(0, int(len(walls) * 0.95) - 1)],
        "max": walls[-1],
        "cpu": statistics.median(cpus),
    }


def run(
    name: str,
    doc: str | None,
    *,
    runs: int,
    build: Callable[[str, int], Awaitable[None]],
    measure: Callable[[str, int], Awaitable[Results]],
    columns: list[tuple[str, str]],
) -> None:
    """Parse ``--posts``, ``--runs`` and ``--database``; build the database once (kept under
    the temporary directory, named by ``name`` and size, and reused); measure; print a
    Markdown table of ``columns`` (heading, key of :func:`timed`'s figures)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--database", type=Path, default=None)
    args = parser.parse_args()
    from hashchat.storage.migrate import upgrade

    path = args.database or Path(tempfile.gettempdir()) / f"hashchat-{name}-{args.posts}.db"
    url = f"sqlite+aiosqlite:///{path}"
    if not path.exists():
        print(f"making a session of {args.posts:,} posts in {path} ...")
        upgrade(url)
        started = time.perf_counter()
        asyncio.run(build(url, args.posts))
        print(f"  made in {time.perf_counter() - started:.0f} s")
    from benchmarks.harness import machine

    results = asyncio.run(measure(url, args.runs))
    print(f"\nSQLite, {args.runs} runs each; {machine()}\n")
    print("| what | " + " | ".join(heading for heading, _ in columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for what, figures in results:
        cells = " | ".join(f"{figures[key]:.0f} ms" for _, key in columns)
        print(f"| {what} | {cells} |")
