"""When a person last looked at their catch-up, and the secret of their catch-up feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, UTCDateTime, utcnow


class CatchupMark(Base):
    """One row per person who has marked their catch-up read or made a feed URL. Only the
    feed token's SHA-256 is stored (as for the calendar feed)."""

    __tablename__ = "catchup_marks"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    feed_made_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
