"""Turning result rows into the terminal table and docs/benchmarks.md.

The figures are written by the run; what they mean (the profile, why a target is missed) is in
benchmarks/findings.md, written by hand and copied into the docs below the tables.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT

DOCS = ROOT / "docs" / "benchmarks.md"
FINDINGS = Path(__file__).with_name("findings.md")
PURE_PYTHON = ("websockets", "socketio", "channels")
ORDER = ("hashchat", "websockets", "socketio", "channels", "socketify")


def _n(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _ms(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _cpu(row: dict[str, Any]) -> str:
    """The server's CPU use, and how long it waited for its core (another process had it)."""
    used = f"{_n(row.get('server_cpu_pct'))} %"
    waited = row.get("server_waited_pct")
    return used if waited is None else f"{used} (waited {_n(waited)} %)"


def one_line(row: dict[str, Any]) -> str:
    if row.get("failed"):
        return f"FAILED: {row['failed']}"
    sc = row["scenario"]
    if sc in ("hot", "many", "profile"):
        return (f"{_n(row['deliveries_per_s'])} deliveries/s, p50 {_ms(row['p50_ms'])}, "
                f"{_n(row.get('refused', 0))} posts refused, "
                f"p99 {_ms(row['p99_ms'])}, max {_ms(row['max_ms'])}, "
                f"{_n(row['delivered'])} of {_n(row['expected'])}, lost {_n(row['lost'])}, "
                f"dups {row['duplicates']}, server CPU {_cpu(row)}, "
                f"loadgen CPU {_n(row['loadgen_cpu_pct'])} % {row.get('error', '')}")  # fmt: skip
    if sc == "write":
        return (f"{row['database']}: {_n(row['posts_per_s'])} posts/s acknowledged, "
                f"ack p50 {_ms(row['ack_p50_ms'])} p99 {_ms(row['ack_p99_ms'])}, "
                f"errors {row['post_errors']} {row.get('error', '')}")  # fmt: skip
    if sc == "overload" and row.get("what") == "capacity":
        return f"capacity {_n(row['posts_per_s'])} posts/s (closed loop)"
    if sc == "overload":
        return (f"{row['what']} ({_n(row['rate'])} posts/s offered): "
                f"{_n(row['accepted_per_s'])}/s accepted, ack p99 {_ms(row['ack_p99_ms'])}, "
                f"delivery p99 {_ms(row['p99_ms'])}, {_n(row['refused'])} refused in p99 "
                f"{_ms(row['refused_p99_ms'])}, lost {_n(row['lost'])}, late sends "
                f"{row['late_sends']}, server CPU {_cpu(row)} {row.get('error', '')}")  # fmt: skip
    if sc == "sustained":
        tried = ", ".join(f"{t['rate']:.1f}/s: p99 {_ms(t['p99_ms'])}" for t in row["tried"])
        return f"{_n(row.get('sustained_per_s'))} deliveries/s with p99 <= 100 ms (tried {tried})"
    if sc == "resume":
        return (f"{row['caught_up']} of {row['viewers']} caught up in {row['storm_s']:.2f} s "
                f"(p50 {_ms(row['catchup_p50_ms'])}, p99 {_ms(row['catchup_p99_ms'])}), "
                f"live after {row['live_after']}, peak RSS {_n(row['peak_rss_mib'])} MiB "
                f"{row.get('error', '')}")  # fmt: skip
    if sc == "idle":
        return (f"{_n(row['kib_per_viewer'], 1)} KiB per viewer ({row['opened']} open, "
                f"{_n(row['rss_before_mib'])} -> {_n(row['rss_after_mib'])} MiB) "
                f"{row.get('error', '')}")  # fmt: skip
    return str(row)


def table(rows: list[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        if row["scenario"] == "directory":
            continue
        what = row["scenario"] + (f" {row['viewers']:,}" if row.get("viewers") else "")
        lines.append(f"{row['system']:<16} {what:<14} {one_line(row)}")
    return "\n".join(lines)


# -- docs -------------------------------------------------------------------------------------


def _find(
    rows: list[dict[str, Any]], kind: str, scenario: str, **match: Any
) -> dict[str, Any] | None:
    for row in rows:
        if (
            row["kind"] == kind
            and row["scenario"] == scenario
            and not row.get("failed")
            and all(row.get(k) == v for k, v in match.items())
        ):
            return row
    return None


def _failed(rows: list[dict[str, Any]], kind: str, scenario: str, **match: Any) -> str | None:
    for row in rows:
        if row["kind"] == kind and row["scenario"] == scenario and row.get("failed"):
            return str(row["failed"])
    return None


def _systems(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    seen = {r["kind"]: r["system"] for r in rows if r["scenario"] != "server"}
    return [(k, seen[k]) for k in ORDER if k in seen]


def _ratio(ours: float | None, theirs: float | None, *, lower_is_better: bool = False) -> str:
    """How far hashchat is ahead (above 1×) or behind (below 1×)."""
    if ours is None or theirs is None or math.isnan(ours) or math.isnan(theirs):
        return "–"
    if not lower_is_better and ours > 0 and theirs <= 0:
        return "∞ (peer: none)"
    if not ours or not theirs:
        return "–"
    r = theirs / ours if lower_is_better else ours / theirs
    return f"{r:.2f}×" if r < 0.1 else f"{r:.1f}×"


def _fanout_table(rows: list[dict[str, Any]], scenario: str, **match: Any) -> list[str]:
    out = ["| system | delivered | not received | deliveries/s | p50 | p99 | max | server CPU (waited for it, summed over threads) | server RSS | load generator CPU | hashchat ahead (deliveries/s · p99) |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    ours = _find(rows, "hashchat", scenario, **match)
    for kind, name in _systems(rows):
        row = _find(rows, kind, scenario, **match)
        if row is None:
            why = _failed(rows, kind, scenario, **match)
            if why is not None or any(r["kind"] == kind for r in rows):
                out.append(f"| {name} | failed: {(why or 'not run')[:160]} | | | | | | | | | |")
            continue
        ahead = ""
        if ours is not None and kind != "hashchat":
            ahead = (f"{_ratio(ours['deliveries_per_s'], row['deliveries_per_s'])} · "
                     f"{_ratio(ours['p99_ms'], row['p99_ms'], lower_is_better=True)}")  # fmt: skip
        out.append(
            f"| {name} | {_n(row['delivered'])} of {_n(row['expected'])}{_refused(row)} "
            f"| {_n(row['lost'])} "
            f"| {_n(row['deliveries_per_s'])} | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} "
            f"| {_ms(row['max_ms'])} | {_cpu(row)} | {_n(row['server_rss_mib'])} MiB "
            f"| {_n(row['loadgen_cpu_pct'])} % | {ahead} |"
        )  # fmt: skip
    return out


def _refused(row: dict[str, Any]) -> str:
    """Posts refused under overload (503): their deliveries are not expected."""
    n = row.get("refused") or 0
    return f" ({n:,} of {row.get('posts_sent', 0):,} posts refused, 503)" if n else ""


def _targets(rows: list[dict[str, Any]], sizes: dict[str, Any]) -> list[str]:
    out = ["| target | measured | met |", "| --- | --- | --- |"]

    def line(what: str, measured: str, met: bool | None) -> None:
        out.append(f"| {what} | {measured} | {'yes' if met else ('–' if met is None else 'no')} |")

    hot = _find(rows, "hashchat", "hot", viewers=10000)
    if hot:
        ok = hot["deliveries_per_s"] >= 250_000 and hot["p99_ms"] <= 100 and not hot["lost"]
        line("hot tag, 10,000 viewers: 250,000 deliveries/s, p99 ≤ 100 ms (stretch 500,000/s)",
             f"{_n(hot['deliveries_per_s'])}/s, p99 {_ms(hot['p99_ms'])}", ok)  # fmt: skip
    many = _find(rows, "hashchat", "many")
    if many:
        rate = many["posts_ok"] / max(many["loadgen_wall_s"], 1e-9)
        ok = many["p99_ms"] <= 50 and not many["lost"] and many["posts_ok"] == many["posts_sent"]
        line("many chats: 2,500 posts/s in, p99 ≤ 50 ms, nothing dropped",
             f"{_n(many['rate'])} posts/s offered, {_n(many['posts_ok'])} accepted "
             f"(~{_n(rate)}/s over the run), p99 {_ms(many['p99_ms'])}, lost {_n(many['lost'])}",
             ok)  # fmt: skip
    for db, goal, stretch in (("SQLite", 3000, " (stretch 5,700/s)"), ("PostgreSQL", 2000, "")):
        w = _find(rows, "hashchat", "write", database=db)
        if w:
            line(f"write path, {db}: {goal:,} durable posts/s{stretch}",
                 f"{_n(w['posts_per_s'])}/s", w["posts_per_s"] >= goal)  # fmt: skip
    r = _find(rows, "hashchat", "resume")
    if r:
        ok = r["not_caught_up"] == 0 and r["storm_s"] <= 2.0
        line("resume storm: 5,000 viewers all caught up within 2 s",
             f"{r['caught_up']:,} of {r['viewers']:,} in {r['storm_s']:.2f} s, "
             f"peak RSS {_n(r['peak_rss_mib'])} MiB", ok)  # fmt: skip
    o = _find(rows, "hashchat", "overload", what="3x")
    if o:
        ok = o["ack_p99_ms"] <= 500 and o["p99_ms"] <= 1000 and o["refused_p99_ms"] <= 50
        line("overload, 3× the write capacity offered: accepted posts' ack p99 ≤ 500 ms, "
             "delivery p99 ≤ 1 s, refusals answered in milliseconds",
             f"ack p99 {_ms(o['ack_p99_ms'])}, delivery p99 {_ms(o['p99_ms'])}, refusals p99 "
             f"{_ms(o['refused_p99_ms'])} ({_n(o['accepted_per_s'])} accepted/s, "
             f"{_n(o['refused'])} refused, lost {_n(o['lost'])})", ok)  # fmt: skip
    i = _find(rows, "hashchat", "idle")
    if i:
        line("idle viewer ≤ 20 KB", f"{_n(i['kib_per_viewer'], 1)} KiB",
             i["kib_per_viewer"] * 1.024 <= 20)  # fmt: skip
    return out


def _ahead(rows: list[dict[str, Any]], sizes: dict[str, Any]) -> list[str]:
    """hashchat against each pure-Python peer on each shared scenario."""
    out = ["| scenario | " + " | ".join(n for k, n in _systems(rows) if k in PURE_PYTHON) + " |",
           "| --- |" + " --- |" * sum(1 for k, _ in _systems(rows) if k in PURE_PYTHON)]  # fmt: skip
    cases: list[tuple[str, str, dict[str, Any]]] = [
        (f"hot tag {v:,}", "hot", {"viewers": v}) for v, _ in sizes.get("hot", [])
    ]
    cases += [("many chats", "many", {}), ("idle memory", "idle", {})]
    for label, scenario, match in cases:
        ours = _find(rows, "hashchat", scenario, **match)
        cells = []
        for kind, _ in _systems(rows):
            if kind not in PURE_PYTHON:
                continue
            theirs = _find(rows, kind, scenario, **match)
            if ours is not None and theirs is None and _failed(rows, kind, scenario, **match):
                cells.append("peer failed (below)")
            elif ours is None or theirs is None:
                cells.append("–")
            elif scenario == "idle":
                cells.append(_ratio(ours["kib_per_viewer"], theirs["kib_per_viewer"],
                                    lower_is_better=True))  # fmt: skip
            else:
                cells.append(
                    f"{_ratio(ours['deliveries_per_s'], theirs['deliveries_per_s'])} · "
                    f"{_ratio(ours['p99_ms'], theirs['p99_ms'], lower_is_better=True)}"
                )
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


def _server_choice(rows: list[dict[str, Any]]) -> list[str]:
    """uvicorn (`hashchat serve`) against granian on the same write path and hot tag."""
    gran = {
        r.get("what"): r for r in rows if r["scenario"] == "server" and r.get("asgi") == "granian"
    }
    if not gran:
        return []
    out = ["## ASGI server: uvicorn or granian", "",
           "The same app under each server, same run: the write path on SQLite and the smallest "
           "hot tag. (`hashchat serve` is uvicorn; granian: `granian --interface asgi --factory "
           "--loop uvloop --runtime-mode st hashchat.app:create_app`.)", "",
           "| server | write path posts/s | ack p50 | hot tag deliveries/s | p50 | p99 | server CPU (hot) |",
           "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    hot_sizes = [r["viewers"] for r in rows if r["scenario"] == "hot" and r["kind"] == "hashchat"]
    first_hot = min(hot_sizes) if hot_sizes else None
    uv = {"write": _find(rows, "hashchat", "write", database="SQLite"),
          "hot": _find(rows, "hashchat", "hot", viewers=first_hot)}  # fmt: skip
    for name, got in (("uvicorn", uv), ("granian", gran)):
        w, h = got.get("write"), got.get("hot")
        cells = [
            _n(w["posts_per_s"]) if w and not w.get("failed") else "–",
            _ms(w["ack_p50_ms"]) if w and not w.get("failed") else "–",
        ]
        if h and not h.get("failed") and h.get("delivered"):
            cells += [_n(h["deliveries_per_s"]), _ms(h["p50_ms"]), _ms(h["p99_ms"]),
                      _cpu(h)]  # fmt: skip
        else:
            cells += [
                f"failed: {(h or {}).get('failed') or (h or {}).get('error', '')}",
                "",
                "",
                "",
            ]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _sustained(rows: list[dict[str, Any]]) -> list[str]:
    """Scenario 1b: the hot tag's deliveries/s that hold p99 <= 100 ms, beside the saturated."""
    found = [r for r in rows if r["scenario"] == "sustained"]
    if not found:
        return []
    out = ["## 1b. Hot tag: what holds p99 ≤ 100 ms", "",
           "The saturated figures above offer more than is served, so their latency is the "
           "queue's. Here each system is offered less, from its saturated rate down by 0.6 a "
           "step, each step on a fresh server, until a run delivers everything with p99 ≤ "
           "100 ms, then twice halfway back towards the rate above that did not: what a room of "
           "that size feels.", "",
           "| system | viewers | deliveries/s sustained with p99 ≤ 100 ms | posts/s | p50 | p99 "
           "| saturated deliveries/s (above) | server CPU | rates tried (p99) |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for kind, name in _systems(rows):
        for row in found:
            if row["kind"] != kind:
                continue
            tried = ", ".join(f"{t['rate']:.3g}/s ({_ms(t['p99_ms'])})"
                              for t in row.get("tried", []))  # fmt: skip
            hot = _find(rows, kind, "hot", viewers=row.get("viewers"))
            saturated = _n(hot["deliveries_per_s"]) if hot else "–"
            if row.get("failed") or not row.get("rate"):
                out.append(f"| {name} | {_n(row.get('viewers'))} | none held "
                           f"({(row.get('failed') or '')[:80]}) | | | | {saturated} | | {tried} |")  # fmt: skip
                continue
            out.append(f"| {name} | {row['viewers']:,} | {_n(row['sustained_per_s'])} | "
                       f"{row['rate']:.3g} | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} | "
                       f"{saturated} | {_cpu(row)} | {tried} |")  # fmt: skip
    return [*out, ""]


def _overload(rows: list[dict[str, Any]]) -> list[str]:
    """Scenario 6: 1x, 2x, 3x the write capacity offered; accepted fast, the rest refused."""
    found = [r for r in rows if r["scenario"] == "overload" and r["kind"] == "hashchat"]
    if not found:
        return []
    cap = next((r for r in found if r.get("what") == "capacity" and not r.get("failed")), None)
    out = ["## 3b. Overload (hashchat)", ""]
    if cap:
        out += [f"Write capacity: {_n(cap['posts_per_s'])} posts/s, measured first in the same "
                f"run ({cap.get('conns', 64)} HTTP clients posting back to back for 5 s, "
                f"SQLite, with {_n(cap.get('viewers'))} viewers reading). Then 1×, 2× and 3× "
                "that is offered open loop (posts sent on schedule, 512 connections, so the "
                "load generator holds nothing back), each on a fresh server with the same "
                "viewers. A post is either accepted (200, after its commit) or refused "
                "(503 with Retry-After, nothing written): the bounds of posts/writer.py "
                "(HASHCHAT_WRITE_QUEUE_DEPTH, HASHCHAT_WRITE_QUEUE_AGE_MS, "
                "HASHCHAT_WRITE_LOOP_LAG_MS) at their defaults.", ""]  # fmt: skip
    out += ["| offered | posts/s offered | accepted/s | refused | accepted: ack p50 / p99 | "
            "delivery p50 / p99 | refusals answered p50 / p99 | lost | sends held back | "
            "server CPU (waited) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for row in found:
        if row.get("what") == "capacity":
            continue
        if row.get("failed"):
            out.append(f"| {row.get('what', '')} | failed: {row['failed'][:160]} "
                       "| | | | | | | | |")  # fmt: skip
            continue
        out.append(
            f"| {row['what']} | {_n(row['rate'])} | {_n(row['accepted_per_s'])} | "
            f"{_n(row['refused'])} of {_n(row['posts_sent'])} | {_ms(row['ack_p50_ms'])} / "
            f"{_ms(row['ack_p99_ms'])} | {_ms(row['p50_ms'])} / {_ms(row['p99_ms'])} | "
            f"{_ms(row['refused_p50_ms'])} / {_ms(row['refused_p99_ms'])} | {_n(row['lost'])} "
            f"| {_n(row['late_sends'])} | {_cpu(row)} |"
        )  # fmt: skip
    return [*out, "", "Sends held back: posts the load generator sent more than 5 ms after "
            "their time because all its connections were waiting for answers; their latency "
            "counts from when they were due.", ""]  # fmt: skip


# Headings this module writes (some carry figures that change from run to run).
OURS = ("How it was measured", "Peers", "Targets", "hashchat against", "1. Hot tag",
        "1b. Hot tag", "2. Many chats", "3. Write path", "3b. Overload", "4. Resume storm",
        "5. Idle cost", "ASGI server", "Profile", "What the figures say", "Findings",
        "Directory (issue 5)")  # fmt: skip


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, text) of each ``## `` section of a Markdown file."""
    out: list[tuple[str, str]] = []
    for part in ("\n" + text).split("\n## ")[1:]:
        heading = part.split("\n", 1)[0].strip()
        out.append((heading, "## " + part.rstrip() + "\n"))
    return out


def foreign_sections(text: str) -> list[str]:
    """Sections others wrote into docs/benchmarks.md (other issues' figures): kept as they are."""
    return [body for heading, body in _sections(text) if not heading.startswith(OURS)]


def write_docs(data: dict[str, Any]) -> None:
    """Rewrite our sections; keep every section another benchmark wrote, after ours."""
    kept = foreign_sections(DOCS.read_text()) if DOCS.exists() else []
    text = render(data)
    if kept:
        text = text.rstrip() + "\n\n" + "\n".join(kept)
    DOCS.write_text(text)


def render(data: dict[str, Any]) -> str:
    run, rows = data["run"], data["rows"]
    m, sizes = run["machine"], run["sizes"]
    command = run["command"].strip()
    if run.get("shared"):
        command = command.replace(run["shared"], "<the note below>")
    hot_sizes = ", ".join(f"{v:,} viewers at {r:g} posts/s" for v, r in sizes["hot"])
    v, t, r = sizes["many"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit the figures by hand: what",
        "they mean is in `benchmarks/findings.md`, copied in below. Benchmarks are not part of",
        "`make test`; a smoke run of the harness at tiny sizes is (`tests/test_bench_smoke.py`,",
        "`make bench-smoke`). Sections that other benchmarks write into this file (after ours) "
        "are kept as they are when it is rewritten.",
        "",
        "## How it was measured",
        "",
        f"- When: {run['when']}, commit {run['revision']}; the whole run took "
        f"{run['seconds'] / 60:.1f} minutes.",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, "
        f"Linux {m['kernel']}, `net.core.somaxconn` {m.get('somaxconn', '?')} (the listen "
        "queue's cap; the run raises it to 16,384 when it runs as root). Load average at the "
        f"start: {', '.join(f'{x:.1f}' for x in run.get('load_start', []))}; at the end: "
        f"{', '.join(f'{x:.1f}' for x in run.get('load', []))}"
        + (
            f"; the servers and the load generator ran at nice -{run['nice']} (HCBENCH_NICE) to "
            "win back their cores from the other work on the machine"
            if run.get("nice")
            else ""
        )
        + '. The "waited" figure beside each server\'s CPU is the time its threads were '
        "runnable but another process held the core (schedstat).",
        "- The server runs pinned to core 0 (`taskset -c 0`, with its Redis for Channels), the "
        "load generator to core 1. The load generator is `benchmarks/loadgen/loadgen.c` "
        "(one thread, epoll), compiled with `gcc -O2` at run time: a Python client saturated "
        "first. Its CPU use while measuring is in every table.",
        "- Compression off (the client offers no WebSocket extension), posts of 100 to 200 bytes "
        "of text (`seq=<n>` and a fixed question), only 127.0.0.1.",
        "- hashchat takes posts over its HTTP API (`POST /api/v1/statuses`, bearer token, each "
        "answered only after its commit, SQLite `synchronous=FULL` unless said) and sends SSE "
        "viewers Mastodon's Status entity (about 1.4 KB a delivery, see the bytes column "
        "below); the peers take posts over a WebSocket and pass them on as they came (about "
        "150 bytes a delivery), storing nothing. Latency is from the moment a post is sent "
        "(or was due, when the sender was late) to its receipt by each viewer.",
        f"- Sizes: hot tag {hot_sizes}; many chats {v:,} viewers over {t} hashtags, {r:g} "
        f"posts/s in all; each for {sizes['seconds']:g} s after every viewer is known to be "
        f"live (warm-up). Write path: {sizes['write_conns']} HTTP connections posting back to "
        f"back for {sizes['write_seconds']:g} s. Resume storm: {sizes['resume'][0]:,} viewers, "
        f"{sizes['resume'][1]} posts missed. Idle: {sizes['idle']:,} viewers.",
        f"- Command: `make bench`, i.e. `{command}`; one part again: "
        "`python -m benchmarks.run --systems hashchat,websockets --scenarios hot`.",
    ]
    if run.get("shared"):
        lines.append(f"- Shared machine: {run['shared']}")
    if run.get("partial"):
        lines.append("- Some rows come from earlier runs merged into build/bench/results.json.")
    lines.append("")
    lines += ["## Peers", ""]
    peer_lines = {
        "websockets": "`benchmarks/peers/ws_broadcast.py`: the websockets library, "
        "`broadcast()` to a room's set of connections (its broadcasting guide), asyncio loop",
        "socketio": "`benchmarks/peers/sio_rooms.py`: python-socketio `AsyncServer` rooms, "
        "`emit(..., room=)`, on uvicorn (uvloop, httptools)",
        "channels": "`benchmarks/peers/channels_app/`: the Channels tutorial's chat consumer, "
        "channels-redis group sends (default capacity), on uvicorn; its Redis pinned with it",
        "socketify": "`benchmarks/peers/socketify_pubsub.py`: socketify (uWebSockets) native "
        "publish/subscribe, the ceiling",
    }
    for kind, text in peer_lines.items():
        name = {"websockets": "websockets", "socketio": "python-socketio",
                "channels": "Channels", "socketify": "socketify"}[kind]  # fmt: skip
        skipped = run.get("skipped", {}).get(name)
        lines.append(f"- {text}" + (f". **Not run: {skipped}**" if skipped else "."))
    lines.append("")
    lines += ["## Targets", "", *_targets(rows, sizes), ""]
    lines += ["## hashchat against the pure-Python peers (same run)", "",
              "Each cell: hashchat's deliveries/s over the peer's · the peer's p99 over "
              "hashchat's (for idle memory: the peer's memory per viewer over hashchat's). Above "
              "1× hashchat is ahead, below 1× behind; ∞ where the peer delivered nothing within "
              "the window.", "",
              *_ahead(rows, sizes), ""]  # fmt: skip
    lines += ["## 1. Hot tag", ""]
    for viewers, rate in sizes["hot"]:
        lines += [f"### {viewers:,} viewers, {rate:g} posts/s "
                  f"({viewers * rate:,.0f} deliveries/s offered)", "",
                  *_fanout_table(rows, "hot", viewers=viewers), ""]  # fmt: skip
    lines += _sustained(rows)
    lines += [f"## 2. Many chats: {v:,} viewers over {t} hashtags, {r:g} posts/s", "",
              *_fanout_table(rows, "many"), ""]  # fmt: skip
    lines += ["## 3. Write path (hashchat)", "",
              "Posts acknowledged per second over HTTP, closed loop; each answer only after "
              "its commit (group commit: posts arriving together share one transaction).", "",
              "| database | posts/s acknowledged | ack p50 | ack p99 | refused (503) | errors | server CPU |",
              "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for db in ("SQLite", "PostgreSQL"):
        w = _find(rows, "hashchat", "write", database=db)
        if w:
            lines.append(f"| {db} | {_n(w['posts_per_s'])} | {_ms(w['ack_p50_ms'])} | "
                         f"{_ms(w['ack_p99_ms'])} | {_n(w.get('refused', 0))} of "
                         f"{_n(w['posts_sent'])} | {w['post_errors']} | "
                         f"{_cpu(w)} |")  # fmt: skip
        elif (why := _failed(rows, "hashchat", "write")) is not None:
            lines.append(f"| {db} | failed: {why} | | | | | |")
    lines += ["", "PostgreSQL is the machine's shared server, not pinned to core 0: it takes CPU "
              "from either core.", ""]  # fmt: skip
    lines += _overload(rows)
    lines += ["## 4. Resume storm (hashchat)", ""]
    res = _find(rows, "hashchat", "resume")
    if res:
        lines += [
            "| viewers | posts missed | caught up | all caught up after | p50 | p99 | live "
            "again | RSS before | peak RSS |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            f"| {res['viewers']:,} | {res['away']} | {res['caught_up']:,} | {res['storm_s']:.2f} s "
            f"| {_ms(res['catchup_p50_ms'])} | {_ms(res['catchup_p99_ms'])} | "
            f"{res['live_after']:,} | {_n(res['rss_before_mib'])} MiB | "
            f"{_n(res['peak_rss_mib'])} MiB |", "",
            "Each viewer drops, the posts are made, then all reconnect at once with "
            "`Last-Event-ID`; a viewer is caught up when it has every post it missed; then one "
            "more post checks that each is live again.", "",
        ]  # fmt: skip
    lines += ["## 5. Idle cost", "",
              "| system | viewers open | RSS before | RSS with them | per viewer | hashchat ahead |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    ours = _find(rows, "hashchat", "idle")
    for kind, name in _systems(rows):
        i = _find(rows, kind, "idle")
        if i is None:
            why = _failed(rows, kind, "idle")
            if why:
                lines.append(f"| {name} | failed: {why} | | | | |")
            continue
        ahead = "" if kind == "hashchat" or not ours else _ratio(
            ours["kib_per_viewer"], i["kib_per_viewer"], lower_is_better=True)  # fmt: skip
        lines.append(f"| {name} | {i['opened']:,} | {_n(i['rss_before_mib'])} MiB | "
                     f"{_n(i['rss_after_mib'])} MiB | {_n(i['kib_per_viewer'], 1)} KiB | {ahead} |")  # fmt: skip
    lines += ["", "Channels' figure includes its Redis's memory.", ""]
    lines += _server_choice(rows)
    prof = _find(rows, "hashchat", "profile")
    if prof and prof.get("profile", {}).get("samples"):
        p = prof["profile"]
        lines += ["## Profile (py-spy, hashchat, hot tag "
                  f"{prof['viewers']:,} viewers)", "",
                  f"{p['samples']:,} samples at 200 Hz of the server's busy time while "
                  f"measuring ({_n(prof['deliveries_per_s'])} deliveries/s during the "
                  "profiled run, p99 " + _ms(prof['p99_ms']) + ").", "",
                  "| self (top of stack) | share | hashchat's functions, inclusive | share |", "| --- | --- | --- | --- |"]  # fmt: skip
        # Inclusive shares of hashchat's own functions (the frames above them are the server's).
        ours = [(n, x) for n, x in p["inclusive"]
                if "hashchat/" in n and "cli.py" not in n and "__main__" not in n]  # fmt: skip
        for (a, x), (b, y) in zip(p["self"], ours, strict=False):
            lines.append(f"| `{a}` | {x:.1f} % | `{b}` | {y:.1f} % |")
        lines.append("")
    if FINDINGS.exists():
        lines += [FINDINGS.read_text().rstrip(), ""]
    d = _find(rows, "hashchat", "directory")
    if d and d.get("table"):
        lines += ["## Directory (issue 5)", "",
                  f"`python -m benchmarks.directory`: {d['chats']:,} listed chats on SQLite, "
                  "a filtered search and the week's agenda in a viewer's time zone, each timed "
                  "as a query and as the API's whole answer (50 runs each).", "",
                  *d["table"], ""]  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"
