"""The Mastodon bridge's tests: a second hashchat started once per test run as the remote
Mastodon server (its people made per test under fresh names)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bridges.mastodon.remote import Remote
from tests.conftest import new_database
from tests.liveserver import LiveServer

_names = itertools.count(1)


@pytest.fixture(scope="session")
def remote_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    directory: Path = tmp_path_factory.mktemp("mastodon-remote")
    server = LiveServer(directory, new_database("sqlite", directory)).start()
    yield Remote(server)
    server.stop()


@pytest.fixture
def remote(remote_server: Remote) -> Iterator[Remote]:
    yield remote_server
    for person in remote_server.people.values():
        person.web.close()
    remote_server.people.clear()


@pytest.fixture
def fresh() -> str:
    """A name nobody on the remote has yet."""
    return f"m{next(_names)}"
