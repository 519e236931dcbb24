"""Finding the real services the tests use, and what to do when one is missing: skip on a
developer's machine, fail in CI (HASHCHAT_TEST_REQUIRE_SERVICES=1, set by .ci/run)."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get(
    "HASHCHAT_TEST_POSTGRES_URL", "postgresql+asyncpg://hashchat:hashchat@127.0.0.1:5432/hashchat"
)
REDIS_URL = os.environ.get("HASHCHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("HASHCHAT_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("HASHCHAT_TEST_REQUIRE_SERVICES") == "1"


def missing(what: str) -> None:
    """A needed service is not there: fail in CI, skip elsewhere (run `make services`)."""
    message = f"{what} is not available (run `make services`)"
    if REQUIRED:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_chromium() -> str:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        missing("Chromium")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
