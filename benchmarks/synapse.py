"""A durable peer: Synapse, the Matrix homeserver (matrix-synapse from PyPI, Python, SQLite or
PostgreSQL), beside hashchat in one run (``make bench`` runs it; ``python -m benchmarks.synapse``).

Synapse stores what it delivers, as hashchat does, so the write path and delivery compare fairly:
- durable writes/s: 64 clients send messages back to back for 5 s (``PUT .../send``, each
  answered once the event is persisted), SQLite and PostgreSQL; hashchat's write path likewise;
- delivery p50/p99 to 1,000 and 5,000 viewers in one room: each viewer is its own user with its
  own device, long-polling ``/sync`` (timeline only, lazy-loaded members); messages at a fixed
  rate, latency from send to each viewer's receipt; hashchat: SSE viewers of one hashtag;
- memory per idle viewer: the server's RSS with every viewer's ``/sync`` pending, less before.

Synapse runs pinned to the server's core (its main process: the usual single-process setup),
its clients on the load generator's core. Its clients are Python (asyncio, raw HTTP/1.1 with
keep-alive): at Synapse's rates they are far from their limit. hashchat's are the C load
generator, as in the other scenarios. Rate limits are off on both; Synapse's password hashing
is cheap (bcrypt_rounds 4) so that registering thousands of viewers takes seconds, and
presence is off (it is not part of delivering a room's messages).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from benchmarks.harness import (
    LOADGEN_CORE,
    SERVER_CORE,
    Proc,
    free_port,
    percentiles,
    pin_self,
    raise_nofile,
)

SECRET = "hcbench-registration-secret"
FILTER = quote(
    json.dumps(
        {
            "presence": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
            "room": {
                "timeline": {"limit": 100, "types": ["m.room.message"]},
                "state": {"lazy_load_members": True, "types": []},
                "ephemeral": {"not_types": ["*"]},
                "account_data": {"not_types": ["*"]},
            },
        },
        separators=(",", ":"),
    )
)
TEXT = "seq={seq} Q3 from the host: what is the one tool you would keep if you could keep only one"


def available() -> str | None:
    import importlib.util

    if importlib.util.find_spec("synapse") is None:
        return "matrix-synapse is not installed (pip install -e '.[bench]')"
    return None


@dataclass
class Synapse(Proc):
    """A homeserver in a subprocess on SQLite (default) or a PostgreSQL database."""

    postgres: dict[str, Any] | None = None
    port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hcbench-syn-")))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> dict[str, Any]:
        database: dict[str, Any] = {
            "name": "sqlite3",
            "args": {"database": str(self.workdir / "homeserver.db")},
        }
        if self.postgres is not None:
            database = {"name": "psycopg2", "args": {**self.postgres, "cp_min": 5, "cp_max": 10}}
        unlimited = {"per_second": 1_000_000, "burst_count": 1_000_000}
        return {
            "server_name": "bench.local",
            "pid_file": str(self.workdir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": database,
            "log_config": str(self.workdir / "log.yaml"),
            "media_store_path": str(self.workdir / "media"),
            "registration_shared_secret": SECRET,
            "report_stats": False,
            "macaroon_secret_key": "hcbench-macaroon",
            "form_secret": "hcbench-form",
            "signing_key_path": str(self.workdir / "signing.key"),
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "enable_metrics": False,
            "presence": {"enabled": False},
            "bcrypt_rounds": 4,
            "rc_message": unlimited,
            "rc_registration": unlimited,
            "rc_login": {"address": unlimited, "account": unlimited, "failed_attempts": unlimited},
            "rc_joins": {"local": unlimited, "remote": unlimited},
            "rc_joins_per_room": unlimited,
            "rc_invites": {"per_room": unlimited, "per_user": unlimited, "per_issuer": unlimited},
            "rc_admin_redaction": unlimited,
            "federation_domain_whitelist": [],
            "url_preview_enabled": False,
            "limit_remote_rooms": {"enabled": False},
        }

    def start(self) -> Synapse:
        log = {"version": 1, "formatters": {"f": {"format": "%(levelname)s %(name)s %(message)s"}},
               "handlers": {"file": {"class": "logging.FileHandler", "formatter": "f",
                                     "filename": str(self.workdir / "synapse.log")}},
               "root": {"level": "WARNING", "handlers": ["file"]},
               "disable_existing_loggers": False}  # fmt: skip
        (self.workdir / "log.yaml").write_text(json.dumps(log))
        path = self.workdir / "homeserver.yaml"
        path.write_text(json.dumps(self.config()))  # YAML takes JSON
        py = sys.executable
        subprocess.run([py, "-m", "synapse.app.homeserver", "-c", str(path), "--generate-keys"],
                       check=True, capture_output=True, cwd=self.workdir)  # fmt: skip
        self.spawn([py, "-m", "synapse.app.homeserver", "-c", str(path)], dict(os.environ),
                   SERVER_CORE, cwd=self.workdir)  # fmt: skip
        deadline = time.monotonic() + 120
        import httpx

        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/_matrix/client/versions", timeout=1).is_success:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"synapse did not start:\n{self.log_tail()}")


# -- a small HTTP/1.1 client (keep-alive, one request at a time per connection) -------------------


class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str = "", body: Any = None,
                      ) -> tuple[int, Any]:  # fmt: skip
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = orjson.dumps(body) if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: bench.local\r\nContent-Length: {len(data)}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if data:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if not size:
                    break
                chunks.append(chunk[:-2])
            payload = b"".join(chunks)
        else:
            payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, orjson.loads(payload) if payload else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def register(port: int, names: list[str], concurrency: int = 16) -> list[str]:
    """Users made with the shared-secret admin API; their access tokens, in order."""
    tokens: list[str] = [""] * len(names)
    todo = iter(range(len(names)))

    async def worker() -> None:
        conn = Conn(port)
        for i in todo:
            _, got = await conn.request("GET", "/_synapse/admin/v1/register")
            name, password = names[i], "bench password"
            mac = hmac.new(SECRET.encode(), digestmod=hashlib.sha1)
            mac.update(f"{got['nonce']}\0{name}\0{password}\0notadmin".encode())
            status, made = await conn.request("POST", "/_synapse/admin/v1/register", body={
                "nonce": got["nonce"], "username": name, "password": password,
                "admin": False, "mac": mac.hexdigest()})  # fmt: skip
            if status != 200:
                raise RuntimeError(f"registering {name}: {status} {made}")
            tokens[i] = made["access_token"]
        conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tokens


async def make_room(port: int, owner: str, members: list[str], concurrency: int = 16) -> str:
    conn = Conn(port)
    status, made = await conn.request("POST", "/_matrix/client/v3/createRoom", owner,
                                      {"preset": "public_chat", "name": "hot"})  # fmt: skip
    conn.close()
    if status != 200:
        raise RuntimeError(f"createRoom: {status} {made}")
    room = made["room_id"]
    todo = iter(members)

    async def worker() -> None:
        c = Conn(port)
        for token in todo:
            st, got = await c.request("POST", f"/_matrix/client/v3/join/{quote(room)}", token, {})
            if st != 200:
                raise RuntimeError(f"join: {st} {got}")
        c.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return room


# -- the scenarios --------------------------------------------------------------------------------


async def writes(port: int, tokens: list[str], room: str, *, conns: int, seconds: float,
                 ) -> dict[str, Any]:  # fmt: skip
    """Closed loop: ``conns`` clients send back to back; messages acknowledged per second."""
    acks: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        conn, token, k = Conn(port), tokens[n % len(tokens)], 0
        while time.monotonic() < stop:
            t0 = time.monotonic()
            path = f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/w{n}-{k}"
            status, _ = await conn.request("PUT", path, token, {"msgtype": "m.text",
                                                                "body": TEXT.format(seq=k)})  # fmt: skip
            k += 1
            if status == 200:
                acks.append(time.monotonic() - t0)
            else:
                errors += 1
        conn.close()

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(conns)))
    wall = time.monotonic() - started
    ack = percentiles([a * 1000 for a in acks])
    return {"writes_per_s": len(acks) / wall, "ack_p50_ms": ack["p50"], "ack_p99_ms": ack["p99"],
            "errors": errors, "conns": conns}  # fmt: skip


@dataclass
class Viewer:
    token: str
    conn: Conn
    since: str = ""
    got: dict[int, float] = field(default_factory=dict)
    pending: bool = False


async def viewers_sync(port: int, tokens: list[str], room: str) -> list[Viewer]:
    """Each viewer's first sync (for its ``next_batch``), a few at a time."""
    out = [Viewer(t, Conn(port)) for t in tokens]
    todo = iter(out)

    async def worker() -> None:
        for v in todo:
            status, got = await v.conn.request(
                "GET", f"/_matrix/client/v3/sync?filter={FILTER}&timeout=0", v.token)  # fmt: skip
            if status != 200:
                raise RuntimeError(f"initial sync: {status} {got}")
            v.since = got["next_batch"]

    await asyncio.gather(*(worker() for _ in range(16)))
    return out


def _seqs(room: str, body: Any) -> list[int]:
    events = body.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {})
    out = []
    for event in events.get("events", []):
        text = event.get("content", {}).get("body", "")
        if text.startswith("seq="):
            out.append(int(text[4:].split()[0]))
    return out


async def long_poll(v: Viewer, room: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        v.pending = True
        status, got = await v.conn.request(
            "GET", f"/_matrix/client/v3/sync?filter={FILTER}&timeout=30000&since={v.since}",
            v.token)  # fmt: skip
        v.pending = False
        now = time.monotonic()
        if status != 200:
            await asyncio.sleep(0.5)
            continue
        v.since = got["next_batch"]
        for seq in _seqs(room, got):
            v.got.setdefault(seq, now)


async def delivery(port: int, sender: str, room: str, viewers: list[Viewer], *, rate: float,
                   seconds: float, warm: int = 1_000_000) -> dict[str, Any]:  # fmt: skip
    """Messages at ``rate`` for ``seconds`` to the room, each viewer long-polling."""
    stop = asyncio.Event()
    polls = [asyncio.create_task(long_poll(v, room, stop)) for v in viewers]
    conn = Conn(port)

    async def send(seq: int) -> tuple[float, float, int]:
        t0 = time.monotonic()
        path = f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/d{seq}"
        status, _ = await conn.request("PUT", path, sender, {"msgtype": "m.text",
                                                            "body": TEXT.format(seq=seq)})  # fmt: skip
        return t0, time.monotonic(), status

    # Warm-up: one message every 0.5 s until every viewer has seen one.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        await send(warm)
        await asyncio.sleep(0.5)
        if all(any(s >= 1_000_000 for s in v.got) for v in viewers):
            break  # every viewer has had one (not the newest one: a slow server lags behind)
        warm += 1
        await asyncio.sleep(1.5)  # not a flood of warm-up messages while the server catches up
    warmed = sum(1 for v in viewers if any(s >= 1_000_000 for s in v.got))
    sent: dict[int, float] = {}
    acks: list[float] = []
    t_start = time.monotonic()
    n = int(rate * seconds)
    for seq in range(n):
        due = t_start + seq / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        t0, t1, status = await send(seq)
        if status == 200:
            sent[seq] = max(t0, due) if t0 - due < 0.005 else due
            acks.append((t1 - t0) * 1000)
    drain_until = time.monotonic() + 15
    while time.monotonic() < drain_until:
        if all(all(s in v.got for s in sent) for v in viewers):
            break
        await asyncio.sleep(0.1)
    stop.set()
    for task in polls:
        task.cancel()
    for v in viewers:
        v.conn.close()
    lat = [(v.got[s] - t) * 1000 for v in viewers for s, t in sent.items() if s in v.got]
    expected = len(sent) * len(viewers)
    last = max((v.got[s] for v in viewers for s in sent if s in v.got), default=t_start)
    p = percentiles(lat)
    return {"viewers": len(viewers), "rate": rate, "sent": len(sent), "warmed": warmed,
            "delivered": len(lat), "expected": expected, "lost": expected - len(lat),
            "p50_ms": p["p50"], "p99_ms": p["p99"], "max_ms": p["max"],
            "deliveries_per_s": len(lat) / max(last - t_start, 1e-9),
            "send_ack_p99_ms": percentiles(acks)["p99"]}  # fmt: skip


async def idle(synapse: Synapse, viewers: list[Viewer], room: str) -> dict[str, Any]:
    """RSS with every viewer's /sync pending, less before they connected."""
    await asyncio.sleep(1.0)
    before = synapse.rss_kib()
    stop = asyncio.Event()
    polls = [asyncio.create_task(long_poll(v, room, stop)) for v in viewers]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(v.pending for v in viewers):
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.0)  # their requests reach the server and wait there
    after = synapse.rss_kib()
    stop.set()
    for task in polls:
        task.cancel()
    for v in viewers:
        v.conn.close()
    return {"viewers": len(viewers), "rss_before_mib": before / 1024,
            "rss_after_mib": after / 1024, "kib_per_viewer": (after - before) / len(viewers)}  # fmt: skip


@contextlib.contextmanager
def postgres_for_synapse() -> Iterator[dict[str, Any]]:
    """A database with the C collation Synapse requires, dropped afterwards."""
    from benchmarks.run import postgres_database

    with postgres_database() as url:
        from sqlalchemy.engine import make_url

        u = make_url(url)
        yield {"user": u.username, "password": u.password, "database": u.database,
               "host": u.host or "127.0.0.1", "port": u.port or 5432}  # fmt: skip


def run_synapse(sizes: Sizes, rows: list[dict[str, Any]]) -> None:
    def row(what: str, **figures: Any) -> None:
        rows.append({"system": "Synapse", "what": what, **figures})
        print(f"Synapse {what}: {figures}", file=sys.stderr, flush=True)

    for db in ("SQLite", "PostgreSQL"):
        with contextlib.ExitStack() as stack:
            pg = stack.enter_context(postgres_for_synapse()) if db == "PostgreSQL" else None
            if pg is not None:
                _recreate_c_collation(pg)
            server = Synapse(postgres=pg).start()
            stack.callback(server.stop)
            tokens = asyncio.run(register(server.port, [f"w{i}" for i in range(8)]))
            room = asyncio.run(make_room(server.port, tokens[0], tokens[1:]))
            got = asyncio.run(writes(server.port, tokens, room, conns=sizes.write_conns,
                                     seconds=sizes.write_seconds))  # fmt: skip
            row("write", database=db, **got)
    for viewers, rate in sizes.delivery:
        server = Synapse().start()
        try:
            tokens = asyncio.run(register(server.port, [f"v{i}" for i in range(viewers + 1)]))
            joined_at = time.monotonic()
            room = asyncio.run(make_room(server.port, tokens[0], tokens[1:]))
            join_s = time.monotonic() - joined_at

            idle_row, got = asyncio.run(_idle_then_delivery(server, tokens, room, rate, sizes))
            row("idle", **idle_row)
            row("delivery", joins_s=join_s, server_cpu_s=server.cpu_seconds(), **got)
        finally:
            server.stop()


async def _idle_then_delivery(
    server: Synapse, tokens: list[str], room: str, rate: float, sizes: Sizes
) -> tuple[dict[str, Any], dict[str, Any]]:
    idle_viewers = await viewers_sync(server.port, tokens[1:], room)
    idle_row = await idle(server, idle_viewers, room)
    live = await viewers_sync(server.port, tokens[1:], room)
    got = await delivery(server.port, tokens[0], room, live, rate=rate, seconds=sizes.seconds)
    return idle_row, got


def _recreate_c_collation(pg: dict[str, Any]) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(user=pg["user"], password=pg["password"], host=pg["host"],
                                     port=pg["port"], database="postgres")  # fmt: skip
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg["database"]}"')
            await conn.execute(f"CREATE DATABASE \"{pg['database']}\" ENCODING 'UTF8' "
                               "LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")  # fmt: skip
        finally:
            await conn.close()

    asyncio.run(go())


def run_hashchat(sizes: Sizes, rows: list[dict[str, Any]], out: Path) -> None:
    """The same figures for hashchat, with the usual load generator."""
    from benchmarks import scenarios
    from benchmarks.run import postgres_database
    from benchmarks.systems import HASHCHAT

    def row(what: str, **figures: Any) -> None:
        rows.append({"system": "hashchat", "what": what, **figures})
        print(f"hashchat {what}: {figures}", file=sys.stderr, flush=True)

    for db in ("SQLite", "PostgreSQL"):
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(postgres_database()) if db == "PostgreSQL" else ""
            running = stack.enter_context(HASHCHAT.serve(database_url=url))
            got = scenarios.write(running, out / f"write-{db}", conns=sizes.write_conns,
                                  seconds=sizes.write_seconds)  # fmt: skip
            row("write", database=db, writes_per_s=got["posts_per_s"],
                ack_p50_ms=got["ack_p50_ms"], ack_p99_ms=got["ack_p99_ms"],
                errors=got["post_errors"], conns=sizes.write_conns)  # fmt: skip
    for viewers, rate in sizes.delivery:
        with HASHCHAT.serve() as running:
            idle_row = scenarios.idle(running, out / f"idle-{viewers}", viewers=viewers)
        row("idle", viewers=viewers, rss_before_mib=idle_row["rss_before_mib"],
            rss_after_mib=idle_row["rss_after_mib"], kib_per_viewer=idle_row["kib_per_viewer"])  # fmt: skip
        with HASHCHAT.serve() as running:
            got = scenarios.fanout(running, out / f"hot-{viewers}", viewers=viewers, rate=rate,
                                   seconds=sizes.seconds)  # fmt: skip
        row("delivery", viewers=viewers, rate=rate, sent=got["posts_ok"],
            delivered=got["delivered"], expected=got["expected"], lost=got["lost"],
            p50_ms=got["p50_ms"], p99_ms=got["p99_ms"], max_ms=got["max_ms"],
            deliveries_per_s=got["deliveries_per_s"], send_ack_p99_ms=got["ack_p99_ms"])  # fmt: skip


HEADING = "A durable peer: Synapse (issue 17)"


def _get(rows: list[dict[str, Any]], system: str, what: str, **match: Any) -> dict[str, Any]:
    for row in rows:
        same = row["system"] == system and row["what"] == what
        if same and all(row.get(k) == v for k, v in match.items()):
            return row
    return {}


def render(data: dict[str, Any]) -> str:
    from benchmarks.report import _ms, _n

    rows = data["rows"]

    def ahead(ours: Any, theirs: Any, lower: bool = False) -> str:
        if not ours or not theirs:
            return "–"
        r = theirs / ours if lower else ours / theirs
        return f"{r:.1f}×"

    lines = [f"## {HEADING}", "",
             f"`python -m benchmarks.synapse` (run by `make bench`), {data['when']}: "
             f"matrix-synapse {_version()} beside hashchat, in one run, on the shared 2-core "
             f"machine (load average {', '.join(f'{x:.1f}' for x in data['load_start'])} at "
             f"the start, {', '.join(f'{x:.1f}' for x in data['load'])} at the end). "
             "Synapse stores every message before it answers (as hashchat does), so this is "
             "the fair comparison for the write path. How each is driven: the module's "
             "docstring.", "",
             "| figure | hashchat | Synapse | hashchat ahead |",
             "| --- | --- | --- | --- |"]  # fmt: skip
    for db in ("SQLite", "PostgreSQL"):
        h, y = _get(rows, "hashchat", "write", database=db), _get(rows, "Synapse", "write",
                                                                    database=db)  # fmt: skip
        lines.append(
            f"| durable writes/s, {db} ({h.get('conns', 64)} clients back to back; ack p99) "
            f"| {_n(h.get('writes_per_s'))} ({_ms(h.get('ack_p99_ms'))}) "
            f"| {_n(y.get('writes_per_s'))} ({_ms(y.get('ack_p99_ms'))}) "
            f"| {ahead(h.get('writes_per_s'), y.get('writes_per_s'))} |"
        )
    for viewers, rate in data["sizes"]["delivery"]:
        h = _get(rows, "hashchat", "delivery", viewers=viewers)
        y = _get(rows, "Synapse", "delivery", viewers=viewers)

        def cell(r: dict[str, Any]) -> str:
            if not r:
                return "–"
            return (f"{_ms(r['p50_ms'])} / {_ms(r['p99_ms'])} ({_n(r['delivered'])} of "
                    f"{_n(r['expected'])})")  # fmt: skip

        lines.append(f"| delivery p50 / p99, {viewers:,} viewers, {rate:g} messages/s "
                     f"| {cell(h)} | {cell(y)} | {ahead(h.get('p99_ms'), y.get('p99_ms'), True)} |")  # fmt: skip
    for viewers, _ in data["sizes"]["delivery"]:
        h = _get(rows, "hashchat", "idle", viewers=viewers)
        y = _get(rows, "Synapse", "idle", viewers=viewers)
        lines.append(f"| memory per idle viewer, {viewers:,} viewers "
                     f"| {_n(h.get('kib_per_viewer'), 1)} KiB | {_n(y.get('kib_per_viewer'), 1)} KiB "
                     f"| {ahead(h.get('kib_per_viewer'), y.get('kib_per_viewer'), True)} |")  # fmt: skip
    joins = [r for r in rows if r["system"] == "Synapse" and r["what"] == "delivery"]
    if joins:
        lines += ["", "Setting Synapse's rooms up (not timed above): "
                  + "; ".join(f"{r['viewers']:,} users joined the room in {r['joins_s']:.0f} s"
                              for r in joins) + "."]  # fmt: skip
    lines += ["", "Why the figures differ: `benchmarks/findings.md` (in \"What the figures say\" "
              "above)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _version() -> str:
    try:
        import synapse

        return str(synapse.__version__).split()[0]
    except ImportError:
        return "?"


def write_docs(data: dict[str, Any]) -> None:
    """Replace (or add, at the end) this section of docs/benchmarks.md; the rest stays."""
    from benchmarks.report import DOCS, _sections

    text = DOCS.read_text()
    section = render(data)
    parts = _sections(text)
    head = text.split("\n## ", 1)[0].rstrip() + "\n"
    bodies = [section if h == HEADING else b for h, b in parts]
    if all(h != HEADING for h, _ in parts):
        bodies.append(section)
    DOCS.write_text(head + "\n" + "\n".join(b.rstrip() + "\n" for b in bodies))


@dataclass(frozen=True)
class Sizes:
    write_conns: int = 64
    write_seconds: float = 5
    delivery: tuple[tuple[int, float], ...] = ((1000, 5), (5000, 1))
    seconds: float = 10


SMOKE = Sizes(write_conns=4, write_seconds=1, delivery=((5, 2),), seconds=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("build/bench/synapse.json"))
    parser.add_argument("--viewers", default="", help="only these sizes (e.g. 1000)")
    parser.add_argument("--docs-only", action="store_true", help="rewrite the docs from --out")
    args = parser.parse_args()
    if args.docs_only:
        write_docs(json.loads(args.out.read_text()))
        return
    why = available()
    if why:
        print(f"Synapse: skipped, {why}", file=sys.stderr)
        return
    raise_nofile()
    pin_self(int(LOADGEN_CORE))
    sizes = SMOKE if args.smoke else Sizes()
    if args.viewers:
        only = {int(v) for v in args.viewers.split(",")}
        sizes = Sizes(delivery=tuple(d for d in sizes.delivery if d[0] in only))
    rows: list[dict[str, Any]] = []
    load_start = os.getloadavg()
    out = Path(tempfile.mkdtemp(prefix="hcbench-syn-run-"))
    run_hashchat(sizes, rows, out)
    run_synapse(sizes, rows)
    shutil.rmtree(out, ignore_errors=True)
    data = {"rows": rows, "load_start": load_start, "load": os.getloadavg(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sizes": sizes.__dict__}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1))
    if args.smoke:
        print(render(data))
    else:
        write_docs(data)
        print(render(data))


if __name__ == "__main__":
    main()
