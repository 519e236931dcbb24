"""Engines and sessions for SQLite (default) and PostgreSQL.

On SQLite there is one writer connection whose transactions start with ``BEGIN IMMEDIATE``: a
write transaction takes the database's write lock at its start, so two writers never deadlock on
a lock upgrade, and writes within one process queue on that connection instead of spinning on
``SQLITE_BUSY``. Reads use a pool of their own connections (WAL lets them run beside the writer).
On PostgreSQL one pooled engine serves both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from hashchat.storage import onehop


def _sqlite_engine(
    url: str, *, begin: str, pool_size: int, synchronous: str, autocheckpoint: bool = True
) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        from pathlib import Path

        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    path = parsed.database or ":memory:"

    async def one_hop() -> Any:  # each statement one round trip to SQLite's thread
        return await onehop.connect(path, timeout=30, check_same_thread=False)

    engine = create_async_engine(
        url,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        async_creator=one_hop,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (below) decide when a transaction begins, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not autocheckpoint:  # storage/checkpoint.py does it, off the write path
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


AfterCommit = Callable[[list[Any]], Awaitable[None]]


class Database:
    """The application's handle on storage: a read session and a write session factory.

    A write session collects the events its changes produce (``session.info["events"]``, filled
    by :func:`hashchat.realtime.log.record`); they are handed to ``after_commit`` (the broker)
    only once the transaction has committed, never before and never for a rolled-back one.
    """

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "FULL",
        pool_size: int = 20,
        background_checkpoints: bool = False,
    ) -> None:
        """``background_checkpoints``: on SQLite, the write connection leaves checkpoints to a
        :class:`~hashchat.storage.checkpoint.Checkpointer` that the caller runs (the server
        does, runtime.py)."""
        self.url = url
        self.after_commit: AfterCommit | None = None
        # Per-database state that features keep (the post writer, caches), by name.
        self.extensions: dict[str, Any] = {}
        self.dialect = make_url(url).get_backend_name()
        # The SQLite database's file (":memory:" for none); "" on PostgreSQL.
        self.path = (make_url(url).database or ":memory:") if self.dialect == "sqlite" else ""
        if self.dialect == "sqlite":
            self.read_engine = _sqlite_engine(
                url, begin="BEGIN", pool_size=pool_size, synchronous=sqlite_synchronous
            )
            self.write_engine = _sqlite_engine(
                url, begin="BEGIN IMMEDIATE", pool_size=1, synchronous=sqlite_synchronous,
                autocheckpoint=not background_checkpoints,
            )  # fmt: skip
        else:
            self.read_engine = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            self.write_engine = self.read_engine
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; it never commits."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one write transaction: committed when the block ends without error,
        rolled back (nothing half-written) when it raises."""
        async with self._writer() as session:
            async with session.begin():
                yield session
            events = session.info.pop("events", None)
        if events and self.after_commit is not None:
            await self.after_commit(events)

    async def dispose(self) -> None:
        await self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            await self.write_engine.dispose()
