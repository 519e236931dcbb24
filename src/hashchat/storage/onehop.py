"""SQLite statements in one hop to the database's thread instead of three or four.

aiosqlite runs every call on the connection's own thread, and SQLAlchemy's adapter makes one
call each to open a cursor, execute, fetch the rows and close the cursor: four round trips
between the event loop and that thread for a SELECT, three for an INSERT. Each round trip waits
for a turn of the event loop, so when the loop is busy (a room of viewers, many requests) a
batch of posts (28 round trips) took 28 of its turns. Here a cursor is only a holder of results:
``execute`` does cursor, execute, fetch and close in one call on the thread, and the rest is
answered from what it kept (measured in docs/benchmarks.md, "Overload").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite


class OneHopCursor:
    """What SQLAlchemy's adapter uses of an aiosqlite cursor, each statement one hop."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def _run(self, sql: str, parameters: Any, many: bool) -> None:
        cursor = self._connection._conn.cursor()
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            self.description = cursor.description
            self.rowcount = cursor.rowcount
            self.lastrowid = cursor.lastrowid
            self._rows = cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> OneHopCursor:
        await self._connection._execute(self._run, sql, parameters, False)  # type: ignore[no-untyped-call]
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneHopCursor:
        await self._connection._execute(self._run, sql, parameters, True)  # type: ignore[no-untyped-call]
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        n = size or self.arraysize
        rows, self._rows = self._rows[:n], self._rows[n:]
        return rows

    async def close(self) -> None:
        self._rows = []


class _Opening:
    """``connection.cursor()``: SQLAlchemy enters it (``__aenter__``); no hop needed."""

    def __init__(self, connection: OneHopConnection) -> None:
        self.connection = connection

    async def __aenter__(self) -> OneHopCursor:
        return OneHopCursor(self.connection)

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __await__(self) -> Any:
        return self.__aenter__().__await__()


class OneHopConnection(aiosqlite.Connection):
    def cursor(self) -> Any:
        return _Opening(self)


def connect(database: str, **kwargs: Any) -> OneHopConnection:
    """As ``aiosqlite.connect``, with one-hop cursors (SQLAlchemy's ``async_creator``)."""

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return opened

    connection = OneHopConnection(connector, 64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
    return connection
