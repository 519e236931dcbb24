"""Multi-row INSERTs on the write path, with as little work per row as the driver allows.

SQLAlchemy's executemany builds each row's parameters through its compiled statement: on
SQLite, where the database itself takes a few microseconds a row, that per-row work cost more than
the inserts did (docs/benchmarks.md, "Write path"). Here the INSERT is compiled once per table and
set of columns, each column's bind processor (the same one SQLAlchemy would apply: our
``UTCDateTime``, SQLite's DATETIME format) is looked up once, and the rows go to the driver's
``executemany`` as plain tuples. On PostgreSQL asyncpg's own executemany is already lean, so the
rows take the usual Core path there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

Processor = Callable[[Any], Any] | None
_compiled: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...], list[Processor]]] = {}


def _statement(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], list[Processor]]:
    """The INSERT's SQL (SQLAlchemy's own compilation), its parameters' order, and each one's
    bind processor."""
    key = (dialect.name, table.name, columns)
    found = _compiled.get(key)
    if found is None:
        compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
        order = tuple(compiled.positiontup or ())
        assert sorted(order) == sorted(columns), (order, columns)
        processors: list[Processor] = [
            table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in order
        ]
        found = (compiled.string, order, processors)
        _compiled[key] = found
    return found


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in ``session``'s transaction."""
    if not rows:
        return
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the ORM holds goes first, as session.execute would do
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        await connection.execute(table.insert(), list(rows))
        return
    sql, order, processors = _statement(table, tuple(rows[0]), dialect)
    if any(processors):
        pairs = list(zip(order, processors, strict=True))
        params = [tuple(p(row[c]) if p else row[c] for c, p in pairs) for row in rows]
    else:
        params = [tuple(row[c] for c in order) for row in rows]
    await connection.exec_driver_sql(sql, params)
