"""The scenarios, each one run of the load generator against a running system, returning one row
of figures: the load generator's analysis plus the server's CPU and memory.

1. hot tag      V viewers on one hashtag, posts at R per second
2. many chats   V viewers over T hashtags, R posts per second in all
3. write path   closed-loop HTTP posts, each acknowledged after its commit (hashchat only)
4. resume storm V viewers reconnect at once with their last id (hashchat only)
5. idle cost    memory per idle connected viewer
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from benchmarks import loadgen
from benchmarks.harness import reset_peak_rss, rss_kib
from benchmarks.systems import Running


class _Meter:
    """The server's CPU time and memory over the measured phase of a run."""

    def __init__(self, running: Running) -> None:
        self.running = running
        self.start()

    def start(self) -> None:
        self.cpu0 = self.running.cpu_seconds()
        self.wait0 = self.running.waited_seconds()
        self.t0 = time.perf_counter()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        cpu = self.running.cpu_seconds() - self.cpu0
        waited = self.running.waited_seconds() - self.wait0
        return {"server_cpu_pct": 100 * cpu / wall if wall else 0.0,
                "server_waited_pct": 100 * waited / wall if wall else 0.0,
                "server_rss_mib": self.running.rss_kib() / 1024}  # fmt: skip


def fanout(
    running: Running, out: Path, *, viewers: int, rate: float, seconds: float, tags: int = 1,
    window: int = 256, on_measure: Callable[[], None] | None = None, warm_timeout: float = 60,
) -> dict[str, Any]:  # fmt: skip
    """Scenarios 1 and 2: V viewers over ``tags`` rooms, posts at ``rate`` per second."""
    meter = _Meter(running)

    def on_phase(name: str, stdin: IO[str]) -> None:
        if name == "MEASURE":
            meter.start()
            if on_measure is not None:
                on_measure()

    result = loadgen.run(
        running.target(), "fanout", out, on_phase=on_phase, viewers=viewers, tags=tags,
        rate=rate, seconds=seconds, window=window, drain=12, idle_drain=3,
        pub_conns=64, warm_timeout=warm_timeout,
    )  # fmt: skip
    row = loadgen.analyse(result)
    row.update(meter.stop())
    row.update(viewers=viewers, rate=rate, tags=tags, ok=result.summary.get("ok", False),
               opened=result.summary.get("opened", 0), warmed=result.summary.get("warmed", 0))  # fmt: skip
    row["offered_per_s"] = rate * viewers / tags
    if not row["ok"] and not row["delivered"]:
        row["failed"] = f"not every viewer could join: {row.get('error', '')}".strip()
    return row


def idle(running: Running, out: Path, *, viewers: int) -> dict[str, Any]:
    """Scenario 5: the server's memory with V idle viewers connected, less its memory before."""
    time.sleep(0.5)
    before = running.rss_kib()
    seen: dict[str, float] = {}

    def on_phase(name: str, stdin: IO[str]) -> None:
        if name == "READY":
            time.sleep(1.0)  # let the server settle its buffers
            seen["rss"] = running.rss_kib()
            stdin.write("go\n")
            stdin.flush()

    result = loadgen.run(running.target(), "idle", out, on_phase=on_phase, viewers=viewers,
                         rate=100, warm_timeout=90, pub_conns=4)  # fmt: skip
    opened = int(result.summary.get("opened", 0))
    after = seen.get("rss", 0.0)
    if not after:  # never READY: not every viewer could connect
        raise RuntimeError(f"not every viewer connected: {result.summary.get('error', '')}")
    return {
        "viewers": viewers, "opened": opened, "rss_before_mib": before / 1024,
        "rss_after_mib": after / 1024,
        "kib_per_viewer": (after - before) / opened if opened else float("nan"),
        "error": result.summary.get("error", ""), "ok": result.summary.get("ok", False),
    }  # fmt: skip


def resume(running: Running, out: Path, *, viewers: int, away: int) -> dict[str, Any]:
    """Scenario 4: every viewer drops, ``away`` posts are made, then all reconnect at once with
    their last id; time until each has everything it missed, and the server's peak memory."""
    seen: dict[str, float] = {}
    pid = running.pid()

    def on_phase(name: str, stdin: IO[str]) -> None:
        if name == "AWAY":
            seen["rss_before"] = running.rss_kib()
            seen["reset"] = reset_peak_rss(pid)
            seen["cpu0"] = running.cpu_seconds()
            stdin.write("go\n")
            stdin.flush()

    result = loadgen.run(running.target(), "resume", out, on_phase=on_phase, viewers=viewers,
                         away=away, drain=30, warm_timeout=120, pub_conns=8)  # fmt: skip
    s = result.summary
    peak = rss_kib(pid, "VmHWM") if seen.get("reset") else 0
    row = loadgen.analyse(result)
    row.update(
        viewers=viewers, away=away, caught_up=s.get("caught_up", 0),
        not_caught_up=s.get("not_caught_up", viewers), live_after=s.get("live_after", 0),
        storm_s=s.get("storm_seconds", float("nan")), catchup_p50_ms=s.get("catchup_p50_ms"),
        catchup_p99_ms=s.get("catchup_p99_ms"), catchup_max_ms=s.get("catchup_max_ms"),
        rss_before_mib=seen.get("rss_before", 0) / 1024, peak_rss_mib=peak / 1024,
        ok=s.get("ok", False),
    )  # fmt: skip
    return row


def write(
    running: Running, out: Path, *, conns: int, seconds: float, viewers: int = 0, tags: int = 10
) -> dict[str, Any]:
    """Scenario 3: ``conns`` HTTP clients post back to back; posts acknowledged per second
    (with ``viewers`` over the ``tags`` reading meanwhile: the capacity of a loaded server)."""
    meter = _Meter(running)
    meter.start()
    result = loadgen.run(running.target(), "write", out, pub_conns=conns, seconds=seconds,
                         tags=tags, drain=10, viewers=viewers or None, warm_timeout=60)  # fmt: skip
    row = loadgen.analyse(result)
    row.update(meter.stop())
    wall = result.summary.get("measure_wall_seconds", 0.0)
    row.update(conns=conns, posts_per_s=row["posts_ok"] / wall if wall else 0.0,
               ok=result.summary.get("ok", False))  # fmt: skip
    return row


def overload(
    running: Running, out: Path, *, capacity: float, multiple: float, viewers: int, tags: int,
    seconds: float, pub_conns: int = 2048,
) -> dict[str, Any]:  # fmt: skip
    """Scenario 6: ``multiple`` times the write capacity offered (open loop, enough connections
    that the load generator never holds a post back), V viewers over ``tags`` rooms. Accepted
    posts' acknowledgement and delivery, and how fast refusals (503/429) came."""
    meter = _Meter(running)

    def on_phase(name: str, stdin: IO[str]) -> None:
        if name == "MEASURE":
            meter.start()

    rate = capacity * multiple
    result = loadgen.run(
        running.target(), "fanout", out, on_phase=on_phase, viewers=viewers, tags=tags,
        rate=rate, seconds=seconds, window=256, drain=12, idle_drain=3, pub_conns=pub_conns,
        warm_timeout=60,
    )  # fmt: skip
    row = loadgen.analyse(result)
    row.update(meter.stop())
    wall = row["loadgen_wall_s"]
    row.update(viewers=viewers, tags=tags, rate=rate, multiple=multiple, capacity=capacity,
               ok=result.summary.get("ok", False),
               accepted_per_s=row["posts_ok"] / seconds if seconds else 0.0,
               refused_share=row["refused"] / row["posts_sent"] if row["posts_sent"] else 0.0,
               measured_wall_s=wall)  # fmt: skip
    return row


def sustained(
    running_for: Callable[[], Any], out: Path, *, viewers: int, start_rate: float,
    seconds: float, p99_ms: float = 100.0, step: float = 0.6, tries: int = 4, refine: int = 2,
) -> dict[str, Any]:  # fmt: skip
    """The hot tag's deliveries/s sustained with p99 <= ``p99_ms`` and nothing lost: from
    ``start_rate`` posts/s down by ``step`` until a run holds, then ``refine`` halvings of the
    interval between that rate and the one above it that did not (each run on a fresh server,
    ``running_for()`` a context manager yielding one)."""
    tried: list[dict[str, Any]] = []

    def attempt(rate: float) -> dict[str, Any] | None:
        with running_for() as running:
            row = fanout(running, out.with_name(f"{out.name}-{len(tried)}"), viewers=viewers,
                         rate=rate, seconds=seconds)  # fmt: skip
        tried.append({"rate": rate, "p99_ms": row["p99_ms"], "lost": row["lost"],
                      "deliveries_per_s": row["deliveries_per_s"]})  # fmt: skip
        held = row["delivered"] and not row["lost"] and row["p99_ms"] <= p99_ms
        return row if held else None

    rate, best, failed_at = start_rate, None, None
    for _ in range(tries):
        best = attempt(rate)
        if best is not None:
            break
        failed_at, rate = rate, rate * step
    if best is None:
        return {"viewers": viewers, "rate": None, "sustained_per_s": 0.0, "tried": tried,
                "failed": f"no rate down to {rate / step:g} posts/s held p99 <= {p99_ms:g} ms"}  # fmt: skip
    low = rate
    for _ in range(refine if failed_at is not None else 0):
        assert failed_at is not None
        middle = (low + failed_at) / 2
        row = attempt(middle)
        if row is not None:
            best, low = row, middle
        else:
            failed_at = middle
    return {"viewers": viewers, "rate": low, "sustained_per_s": best["deliveries_per_s"],
            "p50_ms": best["p50_ms"], "p99_ms": best["p99_ms"],
            "server_cpu_pct": best["server_cpu_pct"],
            "server_waited_pct": best["server_waited_pct"],
            "loadgen_cpu_pct": best["loadgen_cpu_pct"], "tried": tried}  # fmt: skip
