"""SQLite: posts, events, notifications and session_posts keyed by their rowid; event_streams
without a rowid

On SQLite only an INTEGER PRIMARY KEY is the table's rowid. The BIGINT keys of these tables were
a second b-tree beside the table: a lookup by id went through both, and every insert wrote both.
Rebuilding them with INTEGER keys (the same 64-bit integers on SQLite) makes the key the rowid;
event_streams, whose key is (stream, event_id), becomes a WITHOUT ROWID table, stored as that
key's b-tree alone. Nothing changes on PostgreSQL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = [("posts", "id"), ("events", "id"), ("notifications", "id"), ("session_posts", "post_id")]


def _rebuild(to: sa.types.TypeEngine[int], was: sa.types.TypeEngine[int], rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # Batch mode copies each table into a new one and drops the old: with foreign keys enforced,
    # dropping posts would cascade into favourites, mentions and post_tags. The migration's
    # connection never turns them on (env.py); this says so where it matters.
    assert op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    for table, column in KEYS:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.alter_column(column, type_=to, existing_type=was, existing_nullable=False)
    with op.batch_alter_table(
        "event_streams", recreate="always", table_kwargs={"sqlite_with_rowid": rowid}
    ):
        pass


def upgrade() -> None:
    _rebuild(sa.Integer(), sa.BigInteger(), rowid=False)


def downgrade() -> None:
    _rebuild(sa.BigInteger(), sa.Integer(), rowid=True)
