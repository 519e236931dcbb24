"""Shared pieces of the benchmarks: servers in subprocesses pinned to a core (hashchat, a peer,
a Redis for the peer that needs one), what the machine is, and process measurements (RSS,
CPU time) read from /proc."""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SERVER_CORE = "0"
LOADGEN_CORE = "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(cores: str) -> list[str]:
    """taskset prefix to pin a process to cores (none when taskset or the cores are missing);
    with HCBENCH_NICE=N (a shared machine) also ``nice -n -N`` to win back the pinned cores."""
    prefix: list[str] = []
    boost = os.environ.get("HCBENCH_NICE", "")
    if boost.isdigit() and int(boost) > 0:
        prefix = ["nice", "-n", f"-{int(boost)}"]
    if not shutil.which("taskset") or (os.cpu_count() or 1) <= max(
        int(c) for c in cores.split(",")
    ):
        return prefix
    return [*prefix, "taskset", "-c", cores]


def pin_self(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > core:
        os.sched_setaffinity(0, {core})


def raise_nofile() -> None:
    """Open-file limit up to the hard limit (10,000 viewers need more than the usual 1,024).
    Used in this process and, as preexec_fn, in every server it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


BACKLOG = 16384  # hashchat's default HASHCHAT_BACKLOG


def _sysctl(name: str) -> Path:
    return Path("/proc/sys") / name.replace(".", "/")


def raise_listen_backlog() -> None:
    """The kernel caps every listen queue at net.core.somaxconn (often 4,096). 5,000 viewers
    reconnecting at once overflow a shorter queue, and the ones dropped wait out TCP's 1 s, 3 s
    and 7 s retries. As root, raise it (and the SYN queue) to the servers' backlog for the run;
    as anyone else, leave it and let the machine's figures (machine_info) say what it was."""
    for name in ("net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog"):
        path = _sysctl(name)
        with contextlib.suppress(OSError, ValueError):
            if int(path.read_text()) < BACKLOG:
                path.write_text(str(BACKLOG))


def machine() -> str:
    """One line: cores, CPU, memory, Python."""
    m = machine_info()
    return f"{m['cores']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}"


def machine_info() -> dict[str, str]:
    mem_gib = 0.0
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / 1024 / 1024
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "memory": f"{mem_gib:.0f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "nofile": str(resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
        "somaxconn": _read(_sysctl("net.core.somaxconn")),
    }


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return "?"


def git_revision() -> str:
    """The commit measured, with '+ uncommitted changes' when src/ differs from it."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{rev} + uncommitted changes in src/" if dirty else rev


def wait_port(
    port: int, process: subprocess.Popen[bytes] | None, timeout: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise RuntimeError(f"the server on port {port} did not start:\n{tail}")


class Proc:
    """A pinned subprocess whose memory and CPU time can be read."""

    process: subprocess.Popen[bytes] | None = None
    workdir: Path

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def spawn(self, argv: list[str], env: dict[str, str], core: str, cwd: Path = ROOT) -> None:
        self.log_path = self.workdir / "server.log"
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [*pin(core), *argv], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=raise_nofile, start_new_session=True,
            )  # fmt: skip

    def rss_kib(self) -> int:
        """Resident memory of the process and its children (granian serves from a child)."""
        return sum(rss_kib(pid) for pid in process_tree(self.pid))

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in process_tree(self.pid))

    def waited_seconds(self) -> float:
        return sum(runqueue_seconds(pid) for pid in process_tree(self.pid))

    def log_tail(self, size: int = 2000) -> str:
        path = getattr(self, "log_path", None)
        return path.read_text(errors="replace")[-size:] if path and path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        if not os.environ.get("HCBENCH_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)


def process_tree(pid: int) -> list[int]:
    """The process and its descendants, from /proc (gone ones left out)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
    return found


def runqueue_seconds(pid: int) -> float:
    """Time the process's threads spent runnable but waiting for a CPU (schedstat), so a
    figure taken while something else held the server's core can be told apart."""
    total = 0
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
    return total / 1e9


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p99 and max of a list (nearest rank), NaN for an empty one."""
    if not values:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    n = len(ordered)
    return {"p50": ordered[(n - 1) // 2], "p99": ordered[min(n - 1, (n * 99) // 100)],
            "max": ordered[-1]}  # fmt: skip


def reset_peak_rss(pid: int) -> bool:
    """Reset the kernel's high-water mark of a process's RSS (VmHWM); needs Linux 4.0+."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def settings_backlog() -> int:
    """The listen backlog `hashchat serve` uses (HASHCHAT_BACKLOG's default)."""
    from hashchat.config import Settings

    return int(Settings.model_fields["backlog"].default)


@dataclass
class Server(Proc):
    """`hashchat serve` on SQLite (default) or the database given, rate limits off."""

    database_url: str = ""
    # uvicorn (`hashchat serve`), granian (to choose by measurement), or uvicorn-plain: uvicorn
    # with its own HTTP protocol, without the early answer of web/protocol.py (to measure it).
    asgi: str = "uvicorn"
    core: str = SERVER_CORE
    workers: int = 1  # `hashchat serve --workers N` (needs HASHCHAT_REDIS_URL in env)
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
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
            HASHCHAT_LOG_LEVEL="warning", HASHCHAT_STREAM_BUFFER="100000",
        )  # fmt: skip
        env.update(self.env)  # a scenario's own settings win
        self._env = env
        if self.asgi != "uvicorn":
            subprocess.run([sys.executable, "-m", "hashchat", "db", "upgrade"], env=env,
                           check=True, capture_output=True)  # fmt: skip
        if self.asgi == "uvicorn-plain":
            argv = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1",
                    "--port", str(self.port), "--http", "httptools", "--loop", "uvloop",
                    "--backlog", str(settings_backlog()), "--no-access-log",
                    "--log-level", "warning", "hashchat.app:create_app"]  # fmt: skip
        elif self.asgi == "granian":
            granian = Path(sys.executable).with_name("granian")
            argv = [str(granian), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                    "--port", str(self.port), "--loop", "uvloop", "--runtime-mode", "st",
                    "--backlog", "16384", "--backpressure", "20000",
                    "--no-access-log", "--log-level", "warning", "hashchat.app:create_app"]  # fmt: skip
        else:
            argv = [sys.executable, "-m", "hashchat", "serve", "--workers", str(self.workers)]
        self.spawn(argv, env, self.core)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/api/v1/instance", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"hashchat did not start:\n{self.log_tail()}")

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


@dataclass
class Redis(Proc):
    """A throwaway redis-server of the benchmark's own, pinned with the server it serves, so
    that a peer built on Redis gets the same one core as every other server."""

    core: str = SERVER_CORE
    port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hcbench-redis-")))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (make services installs it)")
        self.spawn([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--maxclients", "20000"], dict(os.environ), self.core)  # fmt: skip
        wait_port(self.port, self.process, 20, self.log_path)
        return self
