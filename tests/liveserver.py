"""A real hashchat server in a subprocess (`hashchat serve`), for tests that need one: the
browser, Mastodon client libraries, and the crash test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.services import free_port


@dataclass
class LiveServer:
    data_dir: Path
    database_url: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HASHCHAT_")}
        env.update(
            HASHCHAT_DATA_DIR=str(self.data_dir),
            HASHCHAT_DATABASE_URL=self.database_url,
            HASHCHAT_PORT=str(self.port),
            HASHCHAT_BASE_URL=self.url,
            HASHCHAT_RATE_LIMITS="false",
            HASHCHAT_LOG_LEVEL="warning",
            # As in-process (tests/conftest.py): the overload bounds have their own tests.
            HASHCHAT_WRITE_QUEUE_AGE_MS="60000",
            HASHCHAT_WRITE_LOOP_LAG_MS="60000",
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hashchat", "serve", "--workers", str(self.workers)],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/instance", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"server did not start in {timeout}s:\n{self.log_path.read_text()[-3000:]}"
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no flush, nothing."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def run_cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hashchat", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            input=input,
            timeout=60,
        )
