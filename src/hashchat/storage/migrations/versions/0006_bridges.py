"""bridges: remote accounts and posts (origin columns), chats' bridge settings, each source's
cursor and lease, and the remote people who opted out

A remote account is an ``accounts`` row with ``origin`` set (its handle can be a domain name,
its key a DID: both columns widen to 320 characters, which on SQLite rebuilds the table); a
remote post is a ``posts`` row with ``origin``, ``origin_uri`` (stored once: unique) and
``origin_url``.

Revision ID: 0006_bridges
Revises: 0005
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0006_bridges"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _handles(to: int, was: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode copies accounts into a new table and drops the old one: with foreign keys
        # enforced that would cascade into every table that points at accounts. The migration's
        # connection never turns them on (env.py).
        assert op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    with op.batch_alter_table("accounts") as batch:
        for column in ("handle", "handle_key"):
            batch.alter_column(
                column,
                type_=sa.String(length=to),
                existing_type=sa.String(length=was),
                existing_nullable=False,
            )


def upgrade() -> None:
    _handles(320, 30)
    # Plain ADD COLUMN (no batch): rebuilding chats on SQLite would drop its full-text triggers.
    op.add_column("accounts", sa.Column("origin", sa.String(length=16), nullable=True))
    op.add_column("accounts", sa.Column("origin_url", sa.String(length=512), nullable=True))
    op.add_column("posts", sa.Column("origin", sa.String(length=16), nullable=True))
    op.add_column("posts", sa.Column("origin_uri", sa.String(length=512), nullable=True))
    op.add_column("posts", sa.Column("origin_url", sa.String(length=512), nullable=True))
    op.create_index("uq_posts_origin_uri", "posts", ["origin_uri"], unique=True)
    op.add_column(
        "chats", sa.Column("bridges", sa.String(length=64), nullable=False, server_default="")
    )
    op.add_column(
        "chats",
        sa.Column("bridge_when", sa.String(length=16), nullable=False, server_default="sessions"),
    )
    op.add_column(
        "chats",
        sa.Column("bridged_in_exports", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "bridge_cursors",
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_bridge_cursors")),
    )
    op.create_table(
        "bridge_leases",
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_bridge_leases")),
    )
    op.create_table(
        "bridge_opt_outs",
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("network", "key", name=op.f("pk_bridge_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("bridge_opt_outs")
    op.drop_table("bridge_leases")
    op.drop_table("bridge_cursors")
    for table, column in [
        ("chats", "bridged_in_exports"), ("chats", "bridge_when"), ("chats", "bridges"),
        ("posts", "origin_url"), ("posts", "origin_uri"), ("posts", "origin"),
        ("accounts", "origin_url"), ("accounts", "origin"),
    ]:  # fmt: skip
        if column == "origin_uri":
            op.drop_index("uq_posts_origin_uri", table_name="posts")
        # SQLite (3.35+) drops a column in place: no rebuild, chats keeps its triggers.
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    # Remote accounts' handles and keys do not fit 30 characters: they go with their columns.
    op.execute("DELETE FROM accounts WHERE length(handle_key) > 30 OR length(handle) > 30")
    _handles(30, 320)
