"""One live hashchat server per client library (module scope: each story is one test), with
two people, maya and kai, made through the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import new_database
from tests.liveserver import LiveServer

PASSWORD = "story password"


@pytest.fixture(scope="module")
def story_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory: Path = tmp_path_factory.mktemp("clients")
    server = LiveServer(directory, new_database("sqlite", directory)).start()
    for handle in ("maya", "kai"):
        made = server.run_cli("users", "create", handle, "--password-stdin", input=f"{PASSWORD}\n")
        assert made.returncode == 0, made.stderr
    yield server
    server.stop()
