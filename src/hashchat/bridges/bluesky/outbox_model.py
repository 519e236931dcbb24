"""Posts on their way out to Bluesky: one row per post, queued in the transaction that writes
the post (so a post that rolls back sends nothing, and a crash loses nothing), sent after it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.bridges.sender import Waker
from hashchat.storage.base import Base, BigId, UTCDateTime, utcnow

# This process's senders of the table below (bluesky/outbox.py), woken by what queues a row.
waker = Waker("bluesky")

# waiting -> sent | failed | cancelled (deleted here first); sent -> deleting -> deleted
STATES = ("waiting", "sent", "failed", "cancelled", "deleting", "deleted")


class OutgoingPost(Base):
    __tablename__ = "bluesky_outbox"
    __table_args__ = (Index("ix_bluesky_outbox_due", "state", "next_attempt_at"),)

    post_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    link_id: Mapped[int] = mapped_column(
        ForeignKey("linked_accounts.id", ondelete="CASCADE"), index=True
    )
    # Chosen here (a TID), so the record's at:// URI is known before it exists: the post
    # carries it as its origin_uri from the start, and the ingest never stores it twice.
    rkey: Mapped[str] = mapped_column(String(16))
    uri: Mapped[str] = mapped_column(String(512), unique=True)
    cid: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
