"""The `hashchat` command: migrations, users and demo content."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.liveserver import LiveServer


def cli(tmp_path: Path) -> LiveServer:
    return LiveServer(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")


def test_db_upgrade_creates_the_schema_in_wal_mode(tmp_path: Path) -> None:
    result = cli(tmp_path).run_cli("db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert {"accounts", "posts", "events", "counters"} <= tables
    assert mode == "wal"


def test_users_create_admin_and_errors(tmp_path: Path) -> None:
    server = cli(tmp_path)
    made = server.run_cli(
        "users", "create", "root_admin", "--admin", "--password-stdin", input="a good password\n"
    )
    assert made.returncode == 0, made.stderr
    assert "created @root_admin" in made.stdout and "as admin" in made.stdout
    again = server.run_cli(
        "users", "create", "ROOT_ADMIN", "--password-stdin", input="another pw 1\n"
    )
    assert again.returncode == 2
    assert "username: this handle is taken" in again.stderr
    short = server.run_cli("users", "create", "shorty", "--password-stdin", input="short\n")
    assert short.returncode == 2 and "password" in short.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        rows = conn.execute("SELECT handle, role FROM accounts").fetchall()
    assert rows == [("root_admin", "admin")]


COUNTS = (
    "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM posts), "
    "(SELECT count(*) FROM chat_sessions), (SELECT count(*) FROM questions), "
    "(SELECT count(*) FROM board_items), (SELECT count(*) FROM poll_votes)"
)


def test_demo_is_idempotent(tmp_path: Path) -> None:
    server = cli(tmp_path)
    first = server.run_cli("demo")
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        counts = conn.execute(COUNTS).fetchone()
        hosted = conn.execute(
            "SELECT state, count(*) FROM chat_sessions WHERE id IN "
            "(SELECT session_id FROM questions) GROUP BY state ORDER BY state"
        ).fetchall()
        answers = conn.execute("SELECT count(*) FROM session_posts WHERE kind = 'answer'")
        board = conn.execute("SELECT count(*) FROM board_items").fetchone()[0]
        polls = conn.execute("SELECT count(*) FROM polls WHERE session_id IS NOT NULL")
    assert counts[0] >= 10 and counts[1] >= 20
    # Three past sessions with questions, answers and polls; the next with its script and board.
    assert hosted == [("ended", 3), ("scheduled", 1)]
    assert answers.fetchone()[0] >= 30 and polls.fetchone()[0] == 3 and board >= 5
    second = server.run_cli("demo")
    assert second.returncode == 0 and "0 people and 0 posts added" in second.stdout
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        again = conn.execute(COUNTS).fetchone()
    assert again == counts


def test_serve_hands_uvicorn_the_backlog_and_skips_access_lines_nobody_logs(
    tmp_path: Path, monkeypatch: object
) -> None:
    """A long listen queue (a room reconnecting at once), and no access line formatted per
    request when the log level drops it anyway."""
    import pytest
    import uvicorn
    from typer.testing import CliRunner

    from hashchat.cli import app
    from hashchat.config import get_settings

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("HASHCHAT_DATA_DIR", str(tmp_path))
    for level, backlog, logged in [("info", "16384", True), ("warning", "32768", False)]:
        monkeypatch.setenv("HASHCHAT_LOG_LEVEL", level)
        monkeypatch.setenv("HASHCHAT_BACKLOG", backlog)
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["serve", "--no-migrate"])
        assert result.exit_code == 0, result.output
        assert (calls[-1]["backlog"], calls[-1]["access_log"]) == (int(backlog), logged)
    monkeypatch.setenv("HASHCHAT_BACKLOG", "10")
    get_settings.cache_clear()
    refused = CliRunner().invoke(app, ["serve", "--no-migrate"])
    assert refused.exit_code != 0 and len(calls) == 2
    assert "backlog" in str(refused.exception)
    get_settings.cache_clear()


def test_serve_port_and_host_are_the_base_of_every_url(tmp_path: Path) -> None:
    """`hashchat serve --host H --port P` without HASHCHAT_BASE_URL: clients are sent to H:P
    (a Mastodon client opens the stream where streaming_api says, with its token)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from tests.services import free_port

    server = cli(tmp_path)
    env = {k: v for k, v in server.env().items() if k not in ("HASHCHAT_PORT", "HASHCHAT_BASE_URL")}
    made = server.run_cli("users", "create", "maya", "--password-stdin", input="a good password\n")
    assert made.returncode == 0, made.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hashchat", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                instance = httpx.get(f"{base}/api/v1/instance", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        assert instance.json()["urls"]["streaming_api"] == f"ws://127.0.0.1:{port}"
        assert instance.json()["uri"] == f"127.0.0.1:{port}"
        app = httpx.post(
            f"{base}/api/v1/apps",
            data={
                "client_name": "c",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "write",
            },
        ).json()
        token = httpx.post(
            f"{base}/oauth/token",
            data={"grant_type": "password", "username": "maya", "password": "a good password",
                  "client_id": app["client_id"], "client_secret": app["client_secret"],
                  "scope": "write"},
        ).json()["access_token"]  # fmt: skip
        status = httpx.post(
            f"{base}/api/v1/statuses",
            json={"status": "hello #portchat"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert status["url"].startswith(f"{base}/@maya/")
        assert status["account"]["avatar"].startswith(f"{base}/avatars/")
        assert status["tags"][0]["url"] == f"{base}/tags/portchat"
        embed = httpx.get(f"{base}/api/oembed", params={"url": status["url"]})
        assert embed.status_code == 200, embed.text
        assert f'src="{base}/embed/statuses/{status["id"]}"' in embed.json()["html"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
