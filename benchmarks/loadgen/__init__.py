"""The compiled load generator (loadgen.c beside this file): built with gcc at run time into
build/loadgen/, run pinned to the load generator's core, and its records joined here.

A pure-Python client cannot take in a quarter of a million messages a second on one core, so the
sockets, the parsing (SSE, WebSocket frames, socket.io's engine.io packets) and the clock are in C;
Python only describes what to send, and computes the figures from the two files it writes:
``<out>.sends`` (per post: scheduled, sent and acknowledged time, HTTP status, room) and
``<out>.recvs`` (per delivery: viewer, seq, receive time), all CLOCK_MONOTONIC nanoseconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from benchmarks.harness import LOADGEN_CORE, ROOT, percentiles, pin

SOURCE = Path(__file__).with_name("loadgen.c")
BUILD = ROOT / "build" / "loadgen"
SEND = struct.Struct("<qqqii")  # sched, sent, acked, status, tag
RECV = struct.Struct("<IIq")  # viewer, seq, time
LATE_NS = 5_000_000  # a post sent this late waited for a free connection: count from its schedule

# Post text: a marker the load generator finds, then filler, 100 to 200 bytes in all.
FILLER = (
    "Q3 from the host: what is the one tool you would keep if you could keep only one, "
    "and why does it matter to your team"
)


@dataclass(frozen=True)
class Target:
    """How to reach one server: viewers (protocol, path, what to send to join a room) and the
    publisher (HTTP POST or a WebSocket/socket.io connection, and the message template).
    Templates take ``{tag}``, ``{seq}`` and ``{since}`` (the last event id, for resuming)."""

    port: int
    proto: str  # sse | ws | sio
    path: str
    pub: str  # http | ws | sio
    pub_path: str
    pub_body: str
    join: str = ""
    rejoin: str = ""
    headers: tuple[str, ...] = ()
    pub_headers: tuple[str, ...] = ()
    pub_join: str = ""

    def argv(self) -> list[str]:
        args = ["--port", str(self.port), "--proto", self.proto, "--path", self.path,
                "--pub", self.pub, "--pub-path", self.pub_path, "--pub-body", self.pub_body]  # fmt: skip
        for flag, value in (("--join", self.join), ("--rejoin", self.rejoin),
                            ("--pub-join", self.pub_join), ("--header", "|".join(self.headers)),
                            ("--pub-header", "|".join(self.pub_headers))):  # fmt: skip
            if value:
                args += [flag, value]
        return args


def build() -> Path:
    """Compile loadgen.c (once per version of the source) and return the binary."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:12]
    binary = BUILD / f"loadgen-{digest}"
    if binary.exists():
        return binary
    BUILD.mkdir(parents=True, exist_ok=True)
    tmp = binary.with_suffix(".tmp")
    cc = os.environ.get("CC", "gcc")
    result = subprocess.run([cc, "-O2", "-Wall", "-o", str(tmp), str(SOURCE)],
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"compiling {SOURCE.name} failed:\n{result.stderr}")
    os.replace(tmp, binary)
    return binary


def command(target: Target, mode: str, out: Path, **options: Any) -> list[str]:
    argv = [str(build()), "--mode", mode, "--out", str(out), *target.argv()]
    for key, value in options.items():
        if value is not None:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    return argv


@dataclass
class Run:
    """One run of the load generator: its summary line, and where its records are."""

    summary: dict[str, Any]
    out: Path
    argv: list[str] = field(default_factory=list)


def run(
    target: Target,
    mode: str,
    out: Path,
    *,
    on_phase: Callable[[str, IO[str]], None] | None = None,
    timeout: float = 600,
    **options: Any,
) -> Run:
    """Run the load generator to the end. ``on_phase(name, stdin)`` is called at READY (idle),
    MEASURE (fanout) and AWAY (resume); for READY and AWAY it must write a line to stdin for the
    run to go on."""
    argv = command(target, mode, out, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] | None = None
    with (
        open(out.with_suffix(".stderr"), "w") as err,
        subprocess.Popen([*pin(LOADGEN_CORE), *argv], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=err, text=True) as process,
    ):  # fmt: skip
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            assert process.stdout is not None and process.stdin is not None
            for line in process.stdout:
                if line.startswith("{"):
                    summary = json.loads(line)
                elif line.strip() and on_phase is not None:
                    on_phase(line.split()[0], process.stdin)
                elif line.split()[:1] in (["READY"], ["AWAY"]):
                    process.stdin.write("go\n")
                    process.stdin.flush()
            process.wait()
        finally:
            timer.cancel()
    if summary is None:
        stderr = out.with_suffix(".stderr").read_text(errors="replace")[-2000:]
        raise RuntimeError(
            f"the load generator gave no summary (exit {process.returncode}):\n{stderr}"
        )
    return Run(summary, out, argv)


def _read(path: Path, record: struct.Struct) -> list[tuple[int, ...]]:
    data = path.read_bytes() if path.exists() else b""
    return list(record.iter_unpack(data[: len(data) - len(data) % record.size]))


def analyse(result: Run) -> dict[str, Any]:
    """Join sends and receipts: deliveries, losses, duplicates, latency from post to receipt,
    deliveries per second, and the load generator's own CPU use while measuring."""
    s = result.summary
    sends = _read(result.out.with_suffix(".sends"), SEND)
    base: dict[int, int] = {}
    ack_ms: list[float] = []
    refused_ms: list[float] = []  # 429/503 under overload: how fast the refusal came
    sent = ok = 0
    for seq, (sched, sent_t, acked, status, _tag) in enumerate(sends):
        if not sent_t:
            continue
        sent += 1
        base[seq] = sched if sent_t - sched > LATE_NS else sent_t
        if 200 <= status < 300:
            ok += 1
            if acked:
                ack_ms.append((acked - sent_t) / 1e6)
        elif status in (429, 503) and acked:
            refused_ms.append((acked - sent_t) / 1e6)
    lat, delivered, dups = _latencies(result.out.with_suffix(".recvs"), base)
    expected = int(s.get("expected", 0))
    first, last = s.get("t_first_send", 0), s.get("t_last_recv", 0)
    span = (last - first) / 1e9 if last > first else 0.0
    wall, cpu = s.get("measure_wall_seconds", 0.0), s.get("measure_cpu_seconds", 0.0)
    ack = percentiles(ack_ms)
    no = percentiles(refused_ms)
    return {
        "posts_sent": sent, "posts_ok": ok, "post_errors": s.get("post_errors", 0),
        "expected": expected, "delivered": delivered, "lost": max(0, expected - delivered),
        "duplicates": dups, "disconnects": s.get("disconnects", 0),
        "deliveries_per_s": delivered / span if span else 0.0,
        "p50_ms": lat["p50"], "p99_ms": lat["p99"], "max_ms": lat["max"],
        "ack_p50_ms": ack["p50"], "ack_p99_ms": ack["p99"], "ack_max_ms": ack["max"],
        "refused": len(refused_ms), "refused_p50_ms": no["p50"], "refused_p99_ms": no["p99"],
        "mib_in_per_s": s.get("bytes_in", 0) / wall / 2**20 if wall else 0.0,
        "bytes_per_delivery": s.get("bytes_in", 0) / delivered if delivered else 0.0,
        "loadgen_cpu_s": cpu, "loadgen_wall_s": wall,
        "loadgen_cpu_pct": 100 * cpu / wall if wall else 0.0,
        "late_sends": s.get("late_sends", 0), "connect_s": s.get("connect_seconds", 0.0),
        "error": s.get("error", ""),
    }  # fmt: skip


def _latencies(path: Path, base: dict[int, int]) -> tuple[dict[str, float], int, int]:
    """p50/p99/max latency in ms of first deliveries, their count, and how many arrived twice."""
    try:
        import numpy as np
    except ImportError:  # the smoke test runs with the dev dependencies only
        return _latencies_python(path, base)
    recs = np.fromfile(path, dtype=np.dtype([("conn", "<u4"), ("seq", "<u4"), ("t", "<i8")]))
    if not len(recs) or not base:
        return percentiles([]), 0, 0
    keys = recs["conn"].astype(np.uint64) << np.uint64(32) | recs["seq"].astype(np.uint64)
    _, first = np.unique(keys, return_index=True)
    dups = len(recs) - len(first)
    recs = recs[np.sort(first)]
    table = np.zeros(max(base) + 1, dtype=np.int64)
    table[list(base)] = list(base.values())
    known = recs["seq"] < len(table)
    recs = recs[known]
    starts = table[recs["seq"]]
    recs = recs[starts > 0]
    lat = (recs["t"] - table[recs["seq"]]) / 1e6
    if not len(lat):
        return percentiles([]), 0, int(dups)
    lat.sort()
    n = len(lat)
    stats = {"p50": float(lat[(n - 1) // 2]), "p99": float(lat[min(n - 1, n * 99 // 100)]),
             "max": float(lat[-1])}  # fmt: skip
    return stats, n, int(dups)


def _latencies_python(path: Path, base: dict[int, int]) -> tuple[dict[str, float], int, int]:
    seen: set[tuple[int, int]] = set()
    latencies: list[float] = []
    dups = 0
    for conn, seq, t in _read(path, RECV):
        if (conn, seq) in seen:
            dups += 1
            continue
        seen.add((conn, seq))
        start = base.get(seq)
        if start:
            latencies.append((t - start) / 1e6)
    return percentiles(latencies), len(latencies), dups
