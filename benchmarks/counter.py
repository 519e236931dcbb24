"""Where the global event counter binds on PostgreSQL (docs/scaling.md).

Every write transaction takes its ids from one counter row (storage/sequence.py), locked until it
commits, so that committed ids are gap-free in commit order. Here N writer processes (1, 2, 4)
each write batches of posts back to back through the real write path (posts/batch.py
``write_posts`` in ``Database.write``), for a few seconds, on a fresh database:

- ``global``: every writer takes ids from the one counter (hashchat today);
- ``sharded``: each writer takes ids from a counter of its own (the design past it: per-shard
  counters, each stream resuming by its shard's ids), everything else the same.

The difference is what the one counter costs. Batches/s and posts/s, summed over the writers.

    python -m benchmarks.counter [--seconds 5] [--writers 1,2,4] [--batches 1,50]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import subprocess
import sys
import time
from typing import Any

from benchmarks.harness import ROOT


async def _writer(url: str, shard: str, batch: int, seconds: float, start_at: float) -> None:
    from sqlalchemy import select

    from hashchat.accounts.models import Account
    from hashchat.features import install
    from hashchat.posts import batch as batch_module
    from hashchat.posts.batch import Draft, TagCache, write_posts
    from hashchat.posts.service import check_text
    from hashchat.storage import sequence
    from hashchat.storage.engine import Database

    install()
    if shard:
        batch_module.take_ids = functools.partial(sequence.take_ids, name=shard)  # type: ignore[assignment]
    db = Database(url)
    async with db.read() as session:
        author = (await session.scalars(select(Account).limit(1))).one()
    text = "seq=1 Q3 from the host: what is the one tool you would keep #counter"
    entities = check_text(text).entities
    tags = TagCache()
    done = posts = 0
    await asyncio.sleep(max(0.0, start_at - time.time()))
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        drafts = [Draft(author.id, text, list(entities)) for _ in range(batch)]
        async with db.write() as session:
            await write_posts(session, drafts, tags)
            info = dict(session.info)
        tags.remember(info)
        done += 1
        posts += batch
    await db.dispose()
    print(json.dumps({"batches": done, "posts": posts, "seconds": seconds}))


def _prepare(url: str, shards: int) -> None:
    from sqlalchemy import text

    from hashchat.accounts import service as accounts
    from hashchat.storage.engine import Database
    from hashchat.storage.migrate import upgrade

    upgrade(url)

    async def go() -> None:
        db = Database(url)
        await accounts.create_account(db=db, handle="counter", password="correct horse battery")
        async with db.write() as session:
            for k in range(shards):  # far apart, so that shards' ids never meet here
                await session.execute(
                    text("INSERT INTO counters (name, value) VALUES (:n, :v)"),
                    {"n": f"shard{k}", "v": (k + 1) * 10**12},
                )
        await db.dispose()

    asyncio.run(go())


def measure(writers: int, batch: int, seconds: float, sharded: bool) -> dict[str, Any]:
    from benchmarks.run import postgres_database

    with postgres_database() as url:
        _prepare(url, writers)
        start_at = time.time() + 3  # every process started and connected first
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.counter",
                    "--worker",
                    url,
                    f"shard{k}" if sharded else "",
                    str(batch),
                    str(seconds),
                    str(start_at),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            for k in range(writers)
        ]
        outs = [json.loads(p.communicate(timeout=seconds + 120)[0].strip().splitlines()[-1])
                for p in procs]  # fmt: skip
    batches = sum(o["batches"] for o in outs)
    posts = sum(o["posts"] for o in outs)
    return {"writers": writers, "batch": batch, "counter": "sharded" if sharded else "global",
            "batches_per_s": batches / seconds, "posts_per_s": posts / seconds}  # fmt: skip


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, shard, batch, seconds, start_at = sys.argv[2:7]
        asyncio.run(_writer(url, shard, int(batch), float(seconds), float(start_at)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--writers", default="1,2,4")
    parser.add_argument("--batches", default="1,50")
    args = parser.parse_args()
    rows = []
    load = os.getloadavg()
    for batch in (int(b) for b in args.batches.split(",")):
        for writers in (int(w) for w in args.writers.split(",")):
            for sharded in (False, True):
                if sharded and writers == 1:
                    continue
                row = measure(writers, batch, args.seconds, sharded)
                rows.append(row)
                print(f"| {row['writers']} | {row['batch']} | {row['counter']} | "
                      f"{row['batches_per_s']:,.0f} | {row['posts_per_s']:,.0f} |", flush=True)  # fmt: skip
    print(json.dumps({"rows": rows, "load_start": load, "load": os.getloadavg()}))


if __name__ == "__main__":
    main()
