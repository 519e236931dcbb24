"""One live hashchat server per client library (module scope: each story is one test), with
two people, maya and kai, signed up through the API (a CLI process per person costs seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import new_database
from tests.liveserver import LiveServer

PASSWORD = "story password"


def sign_up(server: LiveServer, handle: str, email: str | None = None) -> None:
    """Sign ``handle`` up the way an app does: an app, its client token, the account."""
    app = httpx.post(
        f"{server.url}/api/v1/apps",
        json={"client_name": "sign-up", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
              "scopes": "read write"},
    ).json()  # fmt: skip
    token = httpx.post(
        f"{server.url}/oauth/token",
        json={"grant_type": "client_credentials", "client_id": app["client_id"],
              "client_secret": app["client_secret"], "scope": "read write"},
    ).json()["access_token"]  # fmt: skip
    made = httpx.post(
        f"{server.url}/api/v1/accounts",
        json={"username": handle, "email": email or f"{handle}@example.org",
              "password": PASSWORD, "agreement": True, "locale": "en"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )  # fmt: skip
    assert made.status_code == 200, made.text


@pytest.fixture(scope="module")
def story_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory: Path = tmp_path_factory.mktemp("clients")
    # A heartbeat every second: a library closing its stream waits for the next read.
    server = LiveServer(
        directory, new_database("sqlite", directory), extra_env={"HASHCHAT_STREAM_HEARTBEAT": "1"}
    ).start()
    for handle in ("maya", "kai"):
        sign_up(server, handle)
    yield server
    server.stop()
