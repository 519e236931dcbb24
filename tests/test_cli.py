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
