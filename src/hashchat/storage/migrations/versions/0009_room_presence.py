"""room presence: each server process's count of open streams per hashtag

Revision ID: 0009_room_presence
Revises: 0008_host_consent
Create Date: 2026-12-06 03:00:00.000000

Every process renews its own rows every few seconds; a room's "watching now" is the sum of the
fresh ones (live/presence.py). Nothing to carry over.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0009_room_presence"
down_revision: str | None = "0008_host_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "room_presence",
        sa.Column("tag_key", sa.String(length=140), nullable=False),
        sa.Column("process", sa.String(length=40), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("seen_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tag_key", "process", name=op.f("pk_room_presence")),
    )


def downgrade() -> None:
    op.drop_table("room_presence")
