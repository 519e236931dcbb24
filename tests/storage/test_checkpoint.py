"""SQLite's checkpoints run beside the write path (storage/checkpoint.py): the serving process's
write connection never checkpoints inside a commit, and the runtime's checkpointer copies the
log into the database file on its own connection, while commits go on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from hashchat.posts import service
from hashchat.storage.checkpoint import Checkpointer
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("checkpoints are SQLite's write-ahead log")
    return db


async def test_the_write_connection_leaves_checkpoints_to_the_checkpointer(
    app: Any, sqlite_db: Database
) -> None:
    async with sqlite_db.write() as session:
        assert (await session.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
    async with sqlite_db.read() as session:  # readers never write: SQLite's default stays
        assert (await session.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 1000
    checkpointer = app.state.runtime.checkpointer
    assert isinstance(checkpointer, Checkpointer)
    assert checkpointer.path == sqlite_db.path


async def test_the_log_grows_past_sqlites_threshold_until_the_checkpointer_copies_it(
    app: Any, sqlite_db: Database, make_account: MakeAccount
) -> None:
    runtime = app.state.runtime
    await runtime.checkpointer.stop()  # its next round is the test's to call
    author = await make_account("scribe")
    checkpointer = Checkpointer(sqlite_db.path)
    frames, copied = await asyncio.to_thread(checkpointer.checkpoint)
    assert frames == copied  # a clean start: all of the log is in the database file
    body = "an answer to fill the log pages " * 7
    for n in range(1500):
        await service.create_post(db=sqlite_db, author=author, text=f"{n} {body} #ckpt")
    # With SQLite's own checkpoints, the commit that took the log past 1,000 pages would have
    # copied it, and the next would have started it again: never 2,000 frames in it.
    frames, copied = await asyncio.to_thread(checkpointer.checkpoint)
    assert frames > 2000 and copied == frames
    await checkpointer.stop()


async def test_the_checkpointer_runs_every_interval_and_commits_go_on_meanwhile(
    sqlite_db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("steady")
    checkpointer = Checkpointer(sqlite_db.path, interval=0.05)
    await checkpointer.start()
    try:
        for n in range(60):
            await service.create_post(db=sqlite_db, author=author, text=f"post {n} #steady")
        while checkpointer.rounds < 3:
            await asyncio.sleep(0.02)
    finally:
        await checkpointer.stop()
    frames, copied = checkpointer.last
    assert frames > 0 and copied == frames
