"""The event log: every change a viewer can see, in commit order, kept for resuming streams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, BigId, UTCDateTime, utcnow


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_created", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # the JSON sent to viewers, encoded once
    streams: Mapped[str] = mapped_column(Text)  # space-separated stream keys, for the record
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventStream(Base):
    """Which streams an event goes to (``tag:<key>``, ``account:<id>``, ``public``): the index a
    resuming viewer reads its missed events through."""

    __tablename__ = "event_streams"
    # On SQLite the table is its primary key's b-tree (no separate rowid table): one b-tree
    # written per row on the write path instead of two.
    __table_args__ = ({"sqlite_with_rowid": False},)

    stream: Mapped[str] = mapped_column(String(160), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
