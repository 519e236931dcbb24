"""linked accounts: a person's own account on another network (Bluesky), its session sealed;
posts on their way out to Bluesky

Revision ID: 0007_linked_accounts
Revises: 0006_bridges
Create Date: 2026-12-06 01:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0007_linked_accounts"
down_revision: str | None = "0006_bridges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "linked_accounts",
        sa.Column("id", BIG, nullable=False),
        sa.Column("account_id", BIG, nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("remote_id", sa.String(length=320), nullable=False),
        sa.Column("handle", sa.String(length=320), nullable=False),
        sa.Column("service_url", sa.String(length=512), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column(
            "access_expires_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "refreshing_until", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_linked_accounts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_accounts")),
        sa.UniqueConstraint("account_id", "network", name=op.f("uq_linked_accounts_account_id")),
    )
    op.create_index(
        op.f("ix_linked_accounts_account_id"), "linked_accounts", ["account_id"], unique=False
    )
    op.create_table(
        "bluesky_outbox",
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("link_id", BIG, nullable=False),
        sa.Column("rkey", sa.String(length=16), nullable=False),
        sa.Column("uri", sa.String(length=512), nullable=False),
        sa.Column("cid", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column(
            "next_attempt_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("claimed_until", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["linked_accounts.id"],
            name=op.f("fk_bluesky_outbox_link_id_linked_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_bluesky_outbox_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_bluesky_outbox")),
        sa.UniqueConstraint("uri", name=op.f("uq_bluesky_outbox_uri")),
    )
    op.create_index("ix_bluesky_outbox_due", "bluesky_outbox", ["state", "next_attempt_at"])
    op.create_index(op.f("ix_bluesky_outbox_link_id"), "bluesky_outbox", ["link_id"])


def downgrade() -> None:
    op.drop_table("bluesky_outbox")
    op.drop_index(op.f("ix_linked_accounts_account_id"), table_name="linked_accounts")
    op.drop_table("linked_accounts")
