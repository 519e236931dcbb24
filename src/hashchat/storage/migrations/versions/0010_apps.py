"""Mastodon apps: notifications about posts, edits, pins, bookmarks, mutes, blocks, filters,
lists, push subscriptions and notifying follows

Revision ID: 0010_apps
Revises: 0009_room_presence
Create Date: 2026-12-06 01:27:58.273317
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hashchat.storage.base

revision: str = "0010_apps"
down_revision: str | None = "0009_room_presence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_blocks",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "target_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_blocks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["accounts.id"],
            name=op.f("fk_account_blocks_target_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "target_id", name=op.f("pk_account_blocks")),
    )
    with op.batch_alter_table("account_blocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_blocks_target_id"), ["target_id"], unique=False
        )

    op.create_table(
        "account_lists",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("replies_policy", sa.String(length=8), nullable=False),
        sa.Column("exclusive", sa.Boolean(), nullable=False),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_lists_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_lists")),
    )
    with op.batch_alter_table("account_lists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_lists_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "account_mutes",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "target_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("notifications", sa.Boolean(), nullable=False),
        sa.Column("expires_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_mutes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["accounts.id"],
            name=op.f("fk_account_mutes_target_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "target_id", name=op.f("pk_account_mutes")),
    )
    with op.batch_alter_table("account_mutes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_mutes_target_id"), ["target_id"], unique=False)

    op.create_table(
        "filters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("context", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("expires_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_filters_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filters")),
    )
    with op.batch_alter_table("filters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filters_account_id"), ["account_id"], unique=False)

    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("alerts", sa.Text(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_push_subscriptions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_push_subscriptions_token_hash")),
    )
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_subscriptions_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "bookmarks",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_bookmarks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_bookmarks_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "post_id", name=op.f("pk_bookmarks")),
    )
    with op.batch_alter_table("bookmarks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookmarks_post_id"), ["post_id"], unique=False)

    op.create_table(
        "filter_keywords",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "filter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("keyword", sa.String(length=100), nullable=False),
        sa.Column("whole_word", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["filter_id"],
            ["filters.id"],
            name=op.f("fk_filter_keywords_filter_id_filters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filter_keywords")),
    )
    with op.batch_alter_table("filter_keywords", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_filter_keywords_filter_id"), ["filter_id"], unique=False
        )

    op.create_table(
        "list_members",
        sa.Column("list_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_list_members_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["account_lists.id"],
            name=op.f("fk_list_members_list_id_account_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "account_id", name=op.f("pk_list_members")),
    )
    with op.batch_alter_table("list_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_list_members_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "pins",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_pins_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_pins_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "post_id", name=op.f("pk_pins")),
    )
    with op.batch_alter_table("pins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pins_post_id"), ["post_id"], unique=False)

    op.create_table(
        "post_edits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("created_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_edits_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_edits")),
    )
    with op.batch_alter_table("post_edits", schema=None) as batch_op:
        batch_op.create_index("ix_post_edits_post", ["post_id", "id"], unique=False)

    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_status_id"), ["status_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_status_id_posts"),
            "posts",
            ["status_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("edited_at", hashchat.storage.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("edited_at")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_status_id_posts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notifications_status_id"))
        batch_op.drop_column("status_id")

    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_column("notify")

    with op.batch_alter_table("post_edits", schema=None) as batch_op:
        batch_op.drop_index("ix_post_edits_post")

    op.drop_table("post_edits")
    with op.batch_alter_table("pins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pins_post_id"))

    op.drop_table("pins")
    with op.batch_alter_table("list_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_members_account_id"))

    op.drop_table("list_members")
    with op.batch_alter_table("filter_keywords", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filter_keywords_filter_id"))

    op.drop_table("filter_keywords")
    with op.batch_alter_table("bookmarks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookmarks_post_id"))

    op.drop_table("bookmarks")
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_subscriptions_account_id"))

    op.drop_table("push_subscriptions")
    with op.batch_alter_table("filters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filters_account_id"))

    op.drop_table("filters")
    with op.batch_alter_table("account_mutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_mutes_target_id"))

    op.drop_table("account_mutes")
    with op.batch_alter_table("account_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_lists_account_id"))

    op.drop_table("account_lists")
    with op.batch_alter_table("account_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_blocks_target_id"))

    op.drop_table("account_blocks")
