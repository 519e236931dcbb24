"""catch-up: when a person last looked, and their catch-up feed's secret

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catchup_marks",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seen_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("feed_token_hash", sa.String(length=64), nullable=True),
        sa.Column("feed_made_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_catchup_marks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_catchup_marks")),
        sa.UniqueConstraint("feed_token_hash", name=op.f("uq_catchup_marks_feed_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("catchup_marks")
