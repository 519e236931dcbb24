"""Migrations: the models and the migrations agree, and a database goes down and up again."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from hashchat.schema import include_name, metadata
from hashchat.storage.migrate import current, downgrade, upgrade


async def test_models_match_the_migrations(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_name}),
                    metadata,
                )
            )
    finally:
        await engine.dispose()
    assert diff == [], f"models differ from the migrations; add a migration: {diff}"


async def test_down_and_up_again(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/updown.db"
    await asyncio.to_thread(upgrade, url)
    head = await asyncio.to_thread(current, url)
    assert head is not None
    await asyncio.to_thread(downgrade, url, "base")
    assert await asyncio.to_thread(current, url) is None
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(current, url) == head


def test_sqlite_keys_become_rowids_and_keep_every_row(tmp_path: object) -> None:
    """0005 rebuilds posts, events, notifications and session_posts around INTEGER keys (their
    rowid) and event_streams without a rowid, on a database that already holds rows: every row
    survives, and nothing that hangs off a post (a like, a tag) is cascaded away by the copy."""
    import sqlite3

    path = f"{tmp_path}/rowid.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0004")
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            INSERT INTO accounts (id, handle, handle_key, password_hash, role, display_name,
                bio, time_zone, website, followers_count, following_count, statuses_count,
                created_at)
                VALUES (1, 'ann', 'ann', 'x', 'user', '', '', '', '', 0, 0, 1,
                '2026-01-01 00:00:00');
            INSERT INTO tags (id, name, key, created_at)
                VALUES (1, 'rust', 'rust', '2026-01-01 00:00:00');
            INSERT INTO posts (id, account_id, text, content_html, conversation_id, created_at,
                replies_count, reblogs_count, favourites_count)
                VALUES (7, 1, 'hi #rust', '<p>hi</p>', 7, '2026-01-01 00:00:00', 0, 0, 1);
            INSERT INTO favourites (post_id, account_id, created_at)
                VALUES (7, 1, '2026-01-01 00:00:00');
            INSERT INTO post_tags (tag_id, post_id, name, reblog) VALUES (1, 7, 'rust', 0);
            INSERT INTO events (id, kind, payload, streams, created_at)
                VALUES (7, 'update', '{}', 'tag:rust', '2026-01-01 00:00:00');
            INSERT INTO event_streams (stream, event_id) VALUES ('tag:rust', 7);
            """
        )
    upgrade(url)
    with sqlite3.connect(path) as conn:
        for table in ("posts", "favourites", "post_tags", "events", "event_streams"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,), table
        for table, column in [("posts", "id"), ("events", "id"), ("notifications", "id"),
                              ("session_posts", "post_id")]:  # fmt: skip
            types = {row[1]: row[2] for row in conn.execute(f"PRAGMA table_info({table})")}
            assert types[column] == "INTEGER", (table, types[column])
        # An INTEGER PRIMARY KEY needs no index of its own: SQLite made none.
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "sqlite_autoindex_posts_1" not in indexes
        plan = conn.execute("EXPLAIN QUERY PLAN SELECT text FROM posts WHERE id = 7").fetchall()
        assert "INTEGER PRIMARY KEY" in str(plan), plan
        (sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'event_streams'"
        ).fetchone()
        assert "WITHOUT ROWID" in sql
    downgrade(url, "0004")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM favourites").fetchone() == (1,)
        types = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(posts)")}
        assert types["id"] == "BIGINT"
