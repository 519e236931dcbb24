"""Who is watching a room now: each server process's count of open streams per hashtag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, UTCDateTime, utcnow


class RoomPresence(Base):
    """One process's open streams of one hashtag, as it last reported them (``seen_at``).

    Every process writes its own rows every few seconds (live/presence.py); a row not renewed
    within ``presence.FRESH`` is a process that stopped or died, and is not counted."""

    __tablename__ = "room_presence"

    tag_key: Mapped[str] = mapped_column(String(140), primary_key=True)
    process: Mapped[str] = mapped_column(String(40), primary_key=True)
    viewers: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
