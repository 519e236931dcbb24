"""mastodon: hashchat's app on each server, each server's ids of stored posts, the (server,
chat) cursors, posts on their way out; linked accounts can be broken and lent for reading;
chats' bridges list Mastodon servers (wider) and may read with lent accounts

Revision ID: 0012_mastodon
Revises: 0011_push_deliveries
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0012_mastodon"
down_revision: str | None = "0011_push_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = hashchat.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mastodon_apps",
        sa.Column("server", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=512), nullable=False),
        sa.Column("streaming_url", sa.String(length=512), nullable=False),
        sa.Column("max_characters", sa.Integer(), nullable=False),
        sa.Column("checked_at", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("server", name=op.f("pk_mastodon_apps")),
    )
    op.create_table(
        "mastodon_statuses",
        sa.Column("server", sa.String(length=300), nullable=False),
        sa.Column("status_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", BIG, nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_mastodon_statuses_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("server", "status_id", name=op.f("pk_mastodon_statuses")),
    )
    op.create_index(
        op.f("ix_mastodon_statuses_post_id"), "mastodon_statuses", ["post_id"], unique=False
    )
    op.create_table(
        "mastodon_cursors",
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("min_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_mastodon_cursors")),
    )
    op.create_table(
        "mastodon_outbox",
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("link_id", BIG, nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status_id", sa.String(length=64), nullable=True),
        sa.Column("url", sa.String(length=512), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["linked_accounts.id"],
            name=op.f("fk_mastodon_outbox_link_id_linked_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_mastodon_outbox_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_mastodon_outbox")),
    )
    op.create_index(
        "ix_mastodon_outbox_due", "mastodon_outbox", ["state", "next_attempt_at"], unique=False
    )
    op.create_index(
        op.f("ix_mastodon_outbox_link_id"), "mastodon_outbox", ["link_id"], unique=False
    )
    # Plain ADD COLUMN: no rebuild of chats for these.
    op.add_column(
        "linked_accounts",
        sa.Column("broken", sa.String(length=300), nullable=False, server_default=""),
    )
    op.add_column(
        "linked_accounts",
        sa.Column("lends_reading", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "chats",
        sa.Column("bridge_lenders", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    _bridges_width(2000, 64)


# The chats' full-text triggers (0002), which a rebuild of chats on SQLite drops: made again.
FTS_TRIGGERS = (
    """CREATE TRIGGER chats_fts_insert AFTER INSERT ON chats BEGIN
      INSERT INTO chats_fts(rowid, hashtag, title, topics, description)
      VALUES (new.id, new.hashtag, new.title, new.topics, new.description);
    END""",
    """CREATE TRIGGER chats_fts_delete AFTER DELETE ON chats BEGIN
      INSERT INTO chats_fts(chats_fts, rowid, hashtag, title, topics, description)
      VALUES ('delete', old.id, old.hashtag, old.title, old.topics, old.description);
    END""",
    """CREATE TRIGGER chats_fts_update AFTER UPDATE OF hashtag, title, topics, description
    ON chats BEGIN
      INSERT INTO chats_fts(chats_fts, rowid, hashtag, title, topics, description)
      VALUES ('delete', old.id, old.hashtag, old.title, old.topics, old.description);
      INSERT INTO chats_fts(rowid, hashtag, title, topics, description)
      VALUES (new.id, new.hashtag, new.title, new.topics, new.description);
    END""",
)


def _bridges_width(to: int, was: int) -> None:
    """chats.bridges holds Mastodon servers' addresses now. SQLite changes a column's type
    only by copying the table (batch mode): rowids (chats.id) are kept, so the external-content
    full-text index stays right, and its triggers are made again. Foreign keys are off on the
    migration's connection (env.py), so the copy cascades into nothing."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        assert op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    with op.batch_alter_table("chats") as batch:
        batch.alter_column(
            "bridges",
            existing_type=sa.String(length=was),
            type_=sa.String(length=to),
            existing_nullable=False,
        )
    if sqlite:
        for name in ("chats_fts_insert", "chats_fts_delete", "chats_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in FTS_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    op.execute("UPDATE chats SET bridges = '' WHERE length(bridges) > 64")
    for table, column in (
        ("chats", "bridge_lenders"),
        ("linked_accounts", "lends_reading"),
        ("linked_accounts", "broken"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    _bridges_width(64, 2000)
    op.drop_index(op.f("ix_mastodon_outbox_link_id"), table_name="mastodon_outbox")
    op.drop_index("ix_mastodon_outbox_due", table_name="mastodon_outbox")
    op.drop_table("mastodon_outbox")
    op.drop_table("mastodon_cursors")
    op.drop_index(op.f("ix_mastodon_statuses_post_id"), table_name="mastodon_statuses")
    op.drop_table("mastodon_statuses")
    op.drop_table("mastodon_apps")
