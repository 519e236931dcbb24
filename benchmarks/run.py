"""``make bench``: every scenario against hashchat and each peer in one run, a table on the
terminal, and docs/benchmarks.md rewritten with the figures, the machine and the commands.

    python -m benchmarks.run                      # everything (about 20 minutes)
    python -m benchmarks.run --systems hashchat --scenarios hot,write
    python -m benchmarks.run --smoke              # tiny sizes, hashchat only, no docs
    python -m benchmarks.run --docs-only          # rewrite the docs from the last results
    python -m benchmarks.run --workers 1,2 --scenarios hot,write --viewers 1000 --no-docs \
        --results build/bench/workers.json       # hashchat on PostgreSQL + Redis, N workers

The server runs pinned to core 0, the load generator (benchmarks/loadgen, in C) to core 1.
Results go to build/bench/results.json (each run merges into it), the docs are made from there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import loadgen, profile, report, scenarios
from benchmarks.harness import (
    ROOT,
    git_revision,
    machine_info,
    pin_self,
    raise_listen_backlog,
    raise_nofile,
)
from benchmarks.systems import HASHCHAT, PEERS, SERVERS, SYSTEMS, System

RESULTS = ROOT / "build" / "bench" / "results.json"
SCENARIOS = ("hot", "sustained", "many", "write", "overload", "resume", "idle", "profile",
             "server", "directory")  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    hot: tuple[tuple[int, float], ...]  # (viewers, posts/s)
    many: tuple[int, int, float]  # viewers, tags, posts/s in all
    seconds: float
    write_conns: int
    write_seconds: float
    resume: tuple[int, int]  # viewers, posts missed
    idle: int
    directory_chats: int
    overload: tuple[int, int, tuple[float, ...]]  # viewers, tags, multiples of the capacity
    sustained: tuple[int, ...]  # hot-tag viewers: the rate that holds p99 <= 100 ms


FULL = Sizes(hot=((1000, 250), (5000, 50), (10000, 25)), many=(10000, 100, 2500), seconds=5,
             write_conns=64, write_seconds=5, resume=(5000, 50), idle=10000,
             directory_chats=10_000, overload=(2000, 20, (1, 2, 3)),
             sustained=(1000,))  # fmt: skip
SMOKE = Sizes(hot=((40, 20),), many=(60, 6, 30), seconds=1, write_conns=8, write_seconds=1,
              resume=(40, 10), idle=40, directory_chats=0, overload=(20, 2, (3,)),
              sustained=())  # fmt: skip


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the write path, dropped afterwards."""
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(os.environ.get("HASHCHAT_BENCH_POSTGRES_URL", os.environ.get(
        "HASHCHAT_TEST_POSTGRES_URL",
        "postgresql+asyncpg://hashchat:hashchat@127.0.0.1:5432/hashchat")))  # fmt: skip
    name = f"hashchat_bench_{os.getpid()}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(Exception):
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Bench:
    def __init__(self, sizes: Sizes, out: Path, *, timeout: float | None = None) -> None:
        self.sizes = sizes
        self.out = out
        self.rows: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.started = time.monotonic()

    def record(self, system: System, scenario: str, row: dict[str, Any]) -> None:
        row = {"system": system.name, "kind": system.kind, "scenario": scenario, **row}
        if system.redis:
            row.update(workers=system.workers, broker="Redis")
        self.rows.append(row)
        say("  " + report.one_line(row))

    def attempt(self, system: System, scenario: str, what: str,
                fn: Callable[[], dict[str, Any]]) -> None:  # fmt: skip
        say(f"{system.name}: {what} ...")
        try:
            self.record(system, scenario, fn())
        except Exception as exc:  # a peer failing is a result, not the end of the run
            traceback.print_exc()
            self.record(system, scenario, {"failed": f"{type(exc).__name__}: {exc}"[:300],
                                           "what": what})  # fmt: skip

    def path(self, *parts: str) -> Path:
        return self.out.joinpath(*parts)

    # -- the scenarios -------------------------------------------------------------------------

    def hot(self, system: System, only: tuple[int, float] | None = None) -> None:
        s = self.sizes
        for viewers, rate in [only] if only else s.hot:

            def go(viewers: int = viewers, rate: float = rate) -> dict[str, Any]:
                with contextlib.ExitStack() as stack:
                    # Several workers share their events through Redis, on PostgreSQL.
                    url = stack.enter_context(postgres_database()) if system.redis else ""
                    running = stack.enter_context(system.serve(database_url=url))
                    row = scenarios.fanout(running, self.path(system.kind, f"hot-{viewers}"),
                                           viewers=viewers, rate=rate, seconds=s.seconds)  # fmt: skip
                    if url:
                        row["database"] = "PostgreSQL"
                    return row

            self.attempt(system, "hot", f"hot tag, {viewers:,} viewers, {rate:g} posts/s", go)

    def many(self, system: System) -> None:
        viewers, tags, rate = self.sizes.many

        def go() -> dict[str, Any]:
            with system.serve() as running:
                return scenarios.fanout(running, self.path(system.kind, "many"), viewers=viewers,
                                        rate=rate, seconds=self.sizes.seconds, tags=tags)  # fmt: skip

        self.attempt(system, "many", f"many chats, {viewers:,} viewers over {tags} tags", go)

    def idle(self, system: System) -> None:
        def go() -> dict[str, Any]:
            with system.serve() as running:
                return scenarios.idle(running, self.path(system.kind, "idle"),
                                      viewers=self.sizes.idle)  # fmt: skip

        self.attempt(system, "idle", f"idle cost, {self.sizes.idle:,} viewers", go)

    def write(self, system: System, *, postgres: bool) -> None:
        def go() -> dict[str, Any]:
            with contextlib.ExitStack() as stack:
                url = stack.enter_context(postgres_database()) if postgres else ""
                running = stack.enter_context(system.serve(database_url=url))
                row = scenarios.write(running, self.path(system.kind, f"write-{postgres}"),
                                      conns=self.sizes.write_conns,
                                      seconds=self.sizes.write_seconds)  # fmt: skip
                row["database"] = "PostgreSQL" if postgres else "SQLite"
                return row

        database = "PostgreSQL" if postgres else "SQLite"
        self.attempt(system, "write", f"write path on {database}", go)

    def overload(self, system: System) -> None:
        """The write capacity (closed loop, with the viewers reading), then 1x, 2x, 3x it
        offered, open loop: accepted posts fast, the rest refused at once."""
        viewers, tags, multiples = self.sizes.overload
        found: dict[str, float] = {}

        def capacity() -> dict[str, Any]:
            with system.serve() as running:
                row = scenarios.write(running, self.path(system.kind, "capacity"),
                                      conns=self.sizes.write_conns,
                                      seconds=self.sizes.write_seconds, viewers=viewers,
                                      tags=tags)  # fmt: skip
            found["capacity"] = row["posts_per_s"]
            return {**row, "what": "capacity", "database": "SQLite", "viewers": viewers}

        self.attempt(system, "overload",
                     f"write capacity with {viewers:,} viewers (closed loop, SQLite)", capacity)  # fmt: skip
        if not found.get("capacity"):
            return
        for multiple in multiples:

            def go(multiple: float = multiple) -> dict[str, Any]:
                with system.serve() as running:
                    row = scenarios.overload(
                        running, self.path(system.kind, f"overload-{multiple:g}"),
                        capacity=found["capacity"], multiple=multiple, viewers=viewers,
                        tags=tags, seconds=self.sizes.seconds,
                    )  # fmt: skip
                return {**row, "what": f"{multiple:g}x"}

            self.attempt(system, "overload",
                         f"{multiple:g}x the write capacity, {viewers:,} viewers", go)  # fmt: skip

    def sustained(self, system: System) -> None:
        """The hot tag's deliveries/s that hold p99 <= 100 ms, beside the saturated figures."""
        for viewers in self.sizes.sustained:
            sizes = dict(self.sizes.hot)
            saturated = next((r for r in self.rows if r["system"] == system.name
                              and r["scenario"] == "hot" and r.get("viewers") == viewers
                              and not r.get("failed")), None)  # fmt: skip
            start = sizes.get(viewers, 25.0)
            if saturated is None and any(r["system"] == system.name and r["scenario"] == "hot"
                                         for r in self.rows):  # fmt: skip
                self.record(system, "sustained", {"viewers": viewers, "tried": [],
                            "failed": "its saturated run failed (above)"})  # fmt: skip
                continue
            if saturated is not None:
                if not saturated.get("deliveries_per_s"):
                    self.record(system, "sustained", {"viewers": viewers, "tried": [],
                                "failed": "its saturated run delivered nothing"})  # fmt: skip
                    continue
                start = min(start, saturated["deliveries_per_s"] / viewers)

            def go(viewers: int = viewers, start: float = start) -> dict[str, Any]:
                return scenarios.sustained(system.serve, self.path(system.kind, f"sus-{viewers}"),
                                           viewers=viewers, start_rate=start,
                                           seconds=self.sizes.seconds)  # fmt: skip

            self.attempt(system, "sustained", f"sustained p99 <= 100 ms, {viewers:,} viewers", go)

    def resume(self, system: System) -> None:
        viewers, away = self.sizes.resume

        def go() -> dict[str, Any]:
            with system.serve() as running:
                return scenarios.resume(running, self.path(system.kind, "resume"),
                                        viewers=viewers, away=away)  # fmt: skip

        self.attempt(system, "resume", f"resume storm, {viewers:,} viewers", go)

    def profile(self, system: System) -> None:
        viewers, rate = self.sizes.hot[-1]

        def go() -> dict[str, Any]:
            with system.serve() as running:
                raw = self.path(system.kind, "profile.txt")
                raw.parent.mkdir(parents=True, exist_ok=True)
                spy: list[Any] = []

                def fanout() -> dict[str, Any]:
                    return scenarios.fanout(running, self.path(system.kind, "profile"),
                                            viewers=viewers, rate=rate, seconds=self.sizes.seconds,
                                            on_measure=lambda: spy.append(profile.start(
                                                running.pid(), self.sizes.seconds, raw)))  # fmt: skip

                row = fanout()
                for p in spy:
                    if p is not None:
                        p.wait(30)
                if not spy or spy[0] is None:
                    return {"failed": "py-spy is not installed (pip install -e '.[bench]')"}
                return {**row, "profile": profile.summarise(raw)}

        self.attempt(system, "profile", f"profile (py-spy), hot tag {viewers:,} viewers", go)

    def server(self) -> None:
        """The ASGI server, chosen by measurement: the write path and a hot tag under each."""
        viewers, rate = self.sizes.hot[0]
        for asgi, system in SERVERS.items():
            if asgi == "uvicorn":  # its figures are the hot-tag and write-path rows above
                continue
            if system.available():
                self.rows.append({"system": system.name, "kind": "hashchat", "asgi": asgi,
                                  "scenario": "server", "failed": system.available()})  # fmt: skip
                continue

            def write(system: System = system, asgi: str = asgi) -> dict[str, Any]:
                with system.serve() as running:
                    row = scenarios.write(running, self.path(asgi, "write"),
                                          conns=self.sizes.write_conns,
                                          seconds=self.sizes.write_seconds)  # fmt: skip
                return {**row, "asgi": asgi, "what": "write"}

            def hot(system: System = system, asgi: str = asgi) -> dict[str, Any]:
                with system.serve() as running:
                    row = scenarios.fanout(running, self.path(asgi, "hot"), viewers=viewers,
                                           rate=rate, seconds=self.sizes.seconds,
                                           warm_timeout=40)  # fmt: skip
                return {**row, "asgi": asgi, "what": "hot"}

            self.attempt(system, "server", f"{asgi}: write path on SQLite", write)
            self.attempt(system, "server", f"{asgi}: hot tag {viewers:,} viewers", hot)

    def directory(self) -> None:
        chats = self.sizes.directory_chats
        say(f"directory: search and agenda over {chats:,} chats ...")
        started = time.monotonic()
        argv = [sys.executable, "-m", "benchmarks.directory", "--chats", str(chats)]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=1200,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
        lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
        self.rows.append({"system": "hashchat", "kind": "hashchat", "scenario": "directory",
                          "table": lines, "chats": chats,
                          "seconds": time.monotonic() - started,
                          "failed": "" if done.returncode == 0 else done.stderr[-500:]})  # fmt: skip
        say("\n".join(lines) if lines else done.stderr[-1000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help="comma-separated: " + ", ".join(SYSTEMS))  # fmt: skip
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated: " + ", ".join(SCENARIOS))  # fmt: skip
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no docs")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--docs-only", action="store_true", help="rewrite docs from results")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--shared", default="", help="a note on what else used the machine")
    parser.add_argument("--viewers", default="",
                        help="only these hot-tag sizes, comma-separated (e.g. 1000)")  # fmt: skip
    parser.add_argument("--workers", default="",
                        help="hashchat alone, on PostgreSQL + a Redis of its own, once per "
                        "worker count (e.g. 1,2): the hot tag and the write path, the server "
                        "on both cores")  # fmt: skip
    parser.add_argument("--server-env", default="",
                        help="settings for hashchat's servers, K=V,K=V (e.g. "
                        "HASHCHAT_WRITE_LOOP_LAG_MS=60000 to take a bound away)")  # fmt: skip
    args = parser.parse_args()

    if args.docs_only:
        data = json.loads(args.results.read_text())
        report.write_docs(data)
        say(f"rewrote {report.DOCS.relative_to(ROOT)}")
        return

    raise_nofile()
    raise_listen_backlog()
    pin_self(1)
    load_start = os.getloadavg()
    sizes = SMOKE if args.smoke else FULL
    if args.viewers:
        only = {int(v) for v in args.viewers.split(",")}
        sizes = dataclasses.replace(sizes, hot=tuple(h for h in sizes.hot if h[0] in only),
                                    sustained=tuple(v for v in sizes.sustained if v in only))  # fmt: skip
    wanted = [SYSTEMS[k] for k in args.systems.split(",") if k]
    if args.workers:
        wanted = [dataclasses.replace(HASHCHAT, name=f"hashchat, {n} worker{'s' * (n > 1)}, "
                                      "PostgreSQL + Redis", workers=n, redis=True, core="0,1")
                  for n in (int(w) for w in args.workers.split(","))]  # fmt: skip
    if args.server_env:
        extra = tuple(tuple(kv.split("=", 1)) for kv in args.server_env.split(","))
        wanted = [dataclasses.replace(w, env=(*w.env, *extra)) if w.kind == "hashchat" else w
                  for w in wanted]  # fmt: skip
    chosen = set(args.scenarios.split(","))
    out = Path(tempfile.mkdtemp(prefix="hcbench-run-"))
    bench = Bench(sizes, out)
    loadgen.build()
    started = time.monotonic()
    skipped: dict[str, str] = {}
    ready = []
    for system in wanted:
        why = system.available()
        if why:
            skipped[system.name] = why
            say(f"{system.name}: skipped, {why}")
        else:
            ready.append(system)
    # Shared scenarios go system by system within each scenario, so that whatever else the
    # machine is doing meanwhile falls on every system alike.
    if "hot" in chosen:
        for size in sizes.hot:
            for system in ready:
                bench.hot(system, size)
    if "sustained" in chosen:
        for system in ready:
            bench.sustained(system)
    if "many" in chosen:
        for system in ready:
            bench.many(system)
    if "idle" in chosen:
        for system in ready:
            bench.idle(system)
    for system in ready:
        if system.redis and "write" in chosen:
            bench.write(system, postgres=True)
        if system.kind == "hashchat" and not system.redis:  # one worker (--server-env kept)
            if "write" in chosen:
                bench.write(system, postgres=False)
                bench.write(system, postgres=True)
            if "overload" in chosen:
                bench.overload(system)
            if "resume" in chosen:
                bench.resume(system)
            if "profile" in chosen and not args.smoke:
                bench.profile(system)
            if "server" in chosen and not args.smoke:
                bench.server()
    if "directory" in chosen and sizes.directory_chats and HASHCHAT in wanted:
        bench.directory()
    elapsed = time.monotonic() - started

    run = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(), "revision": git_revision(),
        "command": "python -m benchmarks.run " + " ".join(sys.argv[1:]),
        "seconds": elapsed, "sizes": sizes.__dict__, "skipped": skipped,
        "peers": [p.name for p in PEERS], "shared": args.shared, "load": os.getloadavg(),
        "load_start": load_start, "nice": os.environ.get("HCBENCH_NICE", ""),
        "workers": args.workers, "server_env": args.server_env,
    }  # fmt: skip
    print(report.table(bench.rows))
    say(f"done in {elapsed / 60:.1f} min")
    if args.smoke:
        json.dump({"run": run, "rows": bench.rows}, sys.stdout, default=_json)
        return
    data = {"run": run, "rows": bench.rows}
    if args.results.exists() and not args.fresh:
        old = json.loads(args.results.read_text())
        done = {_key(r) for r in bench.rows}
        kept = [r for r in old.get("rows", []) if _key(r) not in done]
        if kept:
            data["rows"] = kept + bench.rows
            run["partial"] = True
            run["runs"] = [*old.get("run", {}).get("runs", [old.get("run", {})]), dict(run)]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(data, indent=1, default=_json))
    if not args.no_docs:
        report.write_docs(data)
        say(f"rewrote {report.DOCS.relative_to(ROOT)}")


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("system", "scenario", "viewers", "database", "asgi", "what", "workers")
    return tuple(row.get(k) for k in keys)


def _json(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


if __name__ == "__main__":
    main()
