"""Posts: the Idempotency-Key each was made with, so a retried post is answered, not repeated

Revision ID: 0013_post_keys
Revises: 0012_mastodon
Create Date: 2026-12-06 04:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0013_post_keys"
down_revision: str | None = "0012_mastodon"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "post_keys",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_post_keys_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_keys_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_post_keys")),
    )
    with op.batch_alter_table("post_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_keys_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_post_keys_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_keys_post_id"))
        batch_op.drop_index(batch_op.f("ix_post_keys_created_at"))
    op.drop_table("post_keys")
