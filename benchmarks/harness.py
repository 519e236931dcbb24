"""Shared pieces of the benchmarks: a hashchat server in a subprocess (pinned to a core), an
account with a token, and a light SSE client that timestamps every event it receives."""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(cores: str) -> list[str]:
    """taskset prefix to pin a process to cores (none when taskset is missing)."""
    return ["taskset", "-c", cores] if shutil.which("taskset") else []


def pin_self(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > core:
        os.sched_setaffinity(0, {core})


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}"


@dataclass
class Server:
    database_url: str = ""
    core: str = "0"
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hcbench-")))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        url = self.database_url or f"sqlite+aiosqlite:///{self.workdir / 'bench.db'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HASHCHAT_")}
        env.update(
            HASHCHAT_DATA_DIR=str(self.workdir), HASHCHAT_DATABASE_URL=url,
            HASHCHAT_PORT=str(self.port), HASHCHAT_RATE_LIMITS="false",
            HASHCHAT_LOG_LEVEL="warning", HASHCHAT_STREAM_BUFFER="100000", **self.env,
        )  # fmt: skip
        self.log = open(self.workdir / "server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*pin(self.core), sys.executable, "-m", "hashchat", "serve"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/instance", timeout=1).status_code == 200:
                    self._env = env
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError((self.workdir / "server.log").read_text()[-2000:])

    def token(self, handle: str = "bench") -> str:
        subprocess.run(
            [sys.executable, "-m", "hashchat", "users", "create", handle, "--password-stdin"],
            input="benchmark password\n", text=True, env=self._env, capture_output=True,
            check=True,
        )  # fmt: skip
        app = httpx.post(f"{self.url}/api/v1/apps", data={
            "client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write"}).json()  # fmt: skip
        grant = httpx.post(f"{self.url}/oauth/token", data={
            "grant_type": "password", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "username": handle,
            "password": "benchmark password", "scope": "read write"})  # fmt: skip
        return str(grant.json()["access_token"])

    def rss_kib(self) -> int:
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


class SSEViewer:
    """A bare-bones SSE client: one socket, records (event id, arrival time) of every event."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port, self.path = host, port, path
        self.received: list[tuple[int, float]] = []
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        buffer = b""
        clock = time.perf_counter
        received = self.received
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                now = clock()
                if not self.ready.is_set() and b"\r\n\r\n" in chunk:
                    self.ready.set()
                buffer += chunk
                start = 0
                while True:
                    index = buffer.find(b"id: ", start)
                    if index < 0:
                        break
                    end = buffer.find(b"\n", index)
                    if end < 0:
                        break
                    received.append((int(buffer[index + 4 : end]), now))
                    start = end
                buffer = buffer[start:]
        finally:
            writer.close()

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else [ordered[0]] * 99
    return {"p50": q[49], "p99": q[98], "max": ordered[-1]}
