"""What the Mastodon bridge keeps beside the common model: hashchat's app on each server, the
ids each server gives the posts it showed us, how far each (server, chat) was read, and posts
on their way out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.bridges.sender import Waker
from hashchat.storage.base import Base, BigId, UTCDateTime, utcnow

# This process's senders of MastodonOutgoing (mastodon/outbox.py), woken by what queues a row.
waker = Waker("mastodon")


class MastodonApp(Base):
    """hashchat's app on one server (``POST /api/v1/apps``), registered on first use and kept:
    a server is asked once, not on every sign-in. Its client secret is sealed (sealing.py)."""

    __tablename__ = "mastodon_apps"

    server: Mapped[str] = mapped_column(String(300), primary_key=True)  # https://host[:port]
    client_id: Mapped[str] = mapped_column(String(300))
    sealed: Mapped[str] = mapped_column(Text)  # {"client_secret": ...}
    redirect_uri: Mapped[str] = mapped_column(String(512))  # registered with it
    # From the server's own description (GET /api/v2/instance), refreshed now and then.
    streaming_url: Mapped[str] = mapped_column(String(512), default="")
    max_characters: Mapped[int] = mapped_column(Integer, default=500)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MastodonStatus(Base):
    """The id a server gave a post we stored (ids are each server's own; the post is one, by
    its ActivityPub ``uri``): a ``delete`` or ``status.update`` names only this id."""

    __tablename__ = "mastodon_statuses"

    server: Mapped[str] = mapped_column(String(300), primary_key=True)
    status_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )


class MastodonCursor(Base):
    """The newest status id stored from one (server, chat) source: after any reconnect the gap
    is filled from ``timelines/tag?min_id=`` this. Written with what it covers."""

    __tablename__ = "mastodon_cursors"

    source: Mapped[str] = mapped_column(String(300), primary_key=True)
    min_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# waiting -> sent | failed | cancelled (deleted here first); sent -> deleting -> deleted
STATES = ("waiting", "sent", "failed", "cancelled", "deleting", "deleted")


class MastodonOutgoing(Base):
    """A post on its way to its author's own server: queued in the transaction that writes it,
    sent after (with an Idempotency-Key, so a retry never posts twice)."""

    __tablename__ = "mastodon_outbox"
    __table_args__ = (Index("ix_mastodon_outbox_due", "state", "next_attempt_at"),)

    post_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    link_id: Mapped[int] = mapped_column(
        ForeignKey("linked_accounts.id", ondelete="CASCADE"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    status_id: Mapped[str | None] = mapped_column(String(64))  # its id on the author's server
    url: Mapped[str | None] = mapped_column(String(512))
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
