"""insert_rows: the write path's multi-row INSERT, on SQLite straight to the driver with each
column's own bind processing, on PostgreSQL through Core. Rows read back the same either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.base import table_of
from hashchat.storage.bulk import insert_rows
from hashchat.storage.engine import Database


async def test_rows_read_back_as_written(db: Database) -> None:
    paris = timezone(timedelta(hours=1))
    at = datetime(2026, 3, 29, 1, 30, tzinfo=paris)  # stored as UTC, read back aware
    rows = [{"id": 10 + i, "kind": "update", "payload": f'{{"n": {i}, "s": "é\\u2028"}}',
             "streams": "public", "created_at": at} for i in range(3)]  # fmt: skip
    async with db.write() as session:
        await insert_rows(session, table_of(EventRow), rows)
        await insert_rows(session, table_of(EventStream), [{"event_id": 11, "stream": "tag:x"}])
        await insert_rows(session, table_of(EventStream), [])  # nothing to do, no error
    async with db.read() as session:
        found = list(await session.scalars(select(EventRow).order_by(EventRow.id)))
        streams = list(await session.execute(select(EventStream.stream, EventStream.event_id)))
    assert [(e.id, e.payload) for e in found] == [(r["id"], r["payload"]) for r in rows]
    assert all(e.created_at == at and e.created_at.tzinfo == UTC for e in found)
    assert [tuple(s) for s in streams] == [("tag:x", 11)]


async def test_a_naive_time_is_refused_and_nothing_is_written(db: Database) -> None:
    rows = [{"id": 1, "kind": "update", "payload": "{}", "streams": "public",
             "created_at": datetime(2026, 1, 1, tzinfo=UTC)},
            {"id": 2, "kind": "update", "payload": "{}", "streams": "public",
             "created_at": datetime(2026, 1, 1)}]  # fmt: skip
    with pytest.raises(Exception, match="naive datetime"):
        async with db.write() as session:
            await insert_rows(session, table_of(EventRow), rows)
    async with db.read() as session:
        assert list(await session.scalars(select(EventRow.id))) == []
