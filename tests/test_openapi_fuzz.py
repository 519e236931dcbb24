"""Schemathesis over /openapi.json: every operation but the streams, against a real server on
each database, with a chat, a live session, its script, board, poll and posts to find. No
answer may be a 5xx, and every status an operation answers is one it declares.

Kept short for the suite (about 30 s a database): deterministic generation (the same cases
every run), the coverage phase's boundary values and two fuzzed examples per operation. Run
more by hand:
HASHCHAT_FUZZ_EXAMPLES=100 pytest tests/test_openapi_fuzz.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS, new_database
from tests.liveserver import LiveServer

pytestmark = pytest.mark.slow

EXAMPLES = os.environ.get("HASHCHAT_FUZZ_EXAMPLES", "2")
PASSWORD = "fuzzing password"


def _seed(server: LiveServer) -> tuple[str, dict[str, list[str]]]:
    """An admin's token, and the ids of what there is to find (for the dictionaries)."""
    made = server.run_cli("users", "create", "fuzz", "--admin", "--password-stdin", input=PASSWORD)
    assert made.returncode == 0, made.stderr
    base = server.url
    with httpx.Client(base_url=base, timeout=30) as client:
        app = client.post(
            "/api/v1/apps",
            data={"client_name": "fuzz", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                  "scopes": "read write follow"},
        ).json()  # fmt: skip
        token = client.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "fuzz", "password": PASSWORD,
                  "client_id": app["client_id"], "client_secret": app["client_secret"],
                  "scope": "read write follow"},
        ).json()["access_token"]  # fmt: skip
        client.headers["Authorization"] = f"Bearer {token}"
        today = datetime.now(UTC) + timedelta(hours=1)
        chat = client.post(
            "/api/v1/chats",
            json={"hashtag": "#FuzzChat", "title": "Fuzzing", "starts_on": today.date().isoformat(),
                  "start_time": today.strftime("%H:00"), "time_zone": "UTC",
                  "duration_minutes": 60, "repeat": "weekly"},
        )  # fmt: skip
        assert chat.status_code == 201, chat.text
        deadline = time.monotonic() + 20
        while not (sessions := client.get("/api/v1/chats/FuzzChat/sessions").json()):
            assert time.monotonic() < deadline, "the reconciler made no session"
            time.sleep(0.1)
        session = sessions[0]["id"]
        assert client.post(f"/api/v1/chats/sessions/{session}/start").status_code == 200
        question = client.post(
            f"/api/v1/chats/sessions/{session}/questions", json={"text": "What brings you?"}
        ).json()
        client.post(f"/api/v1/chats/sessions/{session}/board/open")
        item = client.post(
            f"/api/v1/chats/sessions/{session}/board", json={"text": "Will it scale?"}
        ).json()
        poll = client.post(
            f"/api/v1/chats/sessions/{session}/polls",
            json={"question": "Tea or coffee?", "options": ["tea", "coffee"], "expires_in": 3600},
        ).json()
        post = client.post("/api/v1/statuses", json={"status": "Hello #FuzzChat"}).json()
        me = client.get("/api/v1/accounts/verify_credentials").json()
    ids = {
        "sessions": [str(session)],
        "questions": [str(question.get("id", ""))],
        "board": [str(item.get("id", ""))],
        "polls": [str(poll.get("poll", {}).get("id", ""))],
        "posts": [str(post["id"])],
        "accounts": [str(me["id"])],
        "tags": ["FuzzChat", "fuzzchat"],
    }
    return token, {k: [v for v in values if v] for k, values in ids.items()}


def _config(ids: dict[str, list[str]]) -> str:
    bindings = {
        "session_id": "sessions",
        "question_id": "questions",
        "item_id": "board",
        "poll_id": "polls",
        "post_id": "posts",
        "status_id": "posts",
        "account_id": "accounts",
        "tag": "tags",
        "hashtag": "tags",
        "name": "tags",
    }
    # The coverage phase also tries the methods a path does not have (PUT on the agenda must
    # be a 405): the three that change things, to keep the run short.
    lines = ['[phases.coverage]\nunexpected-methods = ["PUT", "PATCH", "DELETE"]\n']
    lines += [f"[dictionaries.{name}]\nvalues = {values!r}\n" for name, values in ids.items()]
    lines.append("[parameters]")
    lines += [
        f'"path.{param}" = {{ dictionary = "{name}", probability = 0.6 }}'
        for param, name in bindings.items()
        if ids.get(name)
    ]
    # oEmbed's own answer to a format it does not offer is 501 (https://oembed.com, 2.3.4),
    # declared as such: not a server error.
    lines.append(
        '\n[[operations]]\ninclude-path = "/api/oembed"\n'
        'checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "501"]\n'
    )
    return "\n".join(lines).replace("'", '"')


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_operation_answers_a_5xx_or_an_undeclared_status(tmp_path: Path, backend: str) -> None:
    server = LiveServer(
        tmp_path,
        new_database(backend, tmp_path),
        extra_env={"HASHCHAT_JOBS_INTERVAL": "0.2", "HASHCHAT_SQLITE_SYNCHRONOUS": "NORMAL"},
    ).start()
    try:
        token, ids = _seed(server)
        config = tmp_path / "schemathesis.toml"
        config.write_text(_config(ids))
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
            f"{server.url}/openapi.json",
            "--header", f"Authorization: Bearer {token}",
            "--exclude-path-regex", "^/api/v1/streaming",
            "--checks", "not_a_server_error,status_code_conformance",
            "--phases", "coverage,fuzzing",
            "--max-examples", EXAMPLES,
            "--generation-deterministic",
            "--workers", "2",
            "--request-timeout", "20",
            "--no-color",
        ]  # fmt: skip
        run: Any = subprocess.run(
            command, capture_output=True, text=True, timeout=600, cwd=tmp_path
        )
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:] + log[-4000:]
    assert "Traceback" not in log, log[-6000:]
