"""co-hosts accept before the role takes effect; room moderation once a listing is vouched for

Revision ID: 0008_host_consent
Revises: 0007_linked_accounts
Create Date: 2026-12-06 01:10:00.000000

Existing chats keep what they had: their hosts stay hosts, and those listed (approved) may
moderate their rooms from the start (``vouched_at`` = when they were listed).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0008_host_consent"
down_revision: str | None = "0007_linked_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "host_invitations",
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "invited_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_host_invitations_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_host_invitations_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["accounts.id"],
            name=op.f("fk_host_invitations_invited_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("chat_id", "account_id", name=op.f("pk_host_invitations")),
    )
    with op.batch_alter_table("host_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_host_invitations_account_id"), ["account_id"], unique=False
        )
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vouched_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE chats SET vouched_at = listed_at WHERE review = 'approved'")


def downgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("vouched_at")
    with op.batch_alter_table("host_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_invitations_account_id"))
    op.drop_table("host_invitations")
