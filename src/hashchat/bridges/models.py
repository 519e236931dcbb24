"""What the bridges keep: each source's cursor, the lease that lets one process consume a
source, and the remote people who asked to be left out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, UTCDateTime, utcnow


class BridgeCursor(Base):
    """How far a source has been stored: written in the transaction that stores the posts it
    covers, so a restart resumes exactly where the database is."""

    __tablename__ = "bridge_cursors"

    source: Mapped[str] = mapped_column(String(300), primary_key=True)  # e.g. "jetstream:<url>"
    cursor: Mapped[int] = mapped_column(BigInteger)  # microseconds, or the source's sequence
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BridgeLease(Base):
    """Which process consumes a source, until when. Renewed by its holder; another process
    takes it over once it has expired."""

    __tablename__ = "bridge_leases"

    source: Mapped[str] = mapped_column(String(300), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32), default="connecting")  # what the room shows


class BridgeOptOut(Base):
    """A remote person who asked to be left out: nothing of theirs is ingested or shown."""

    __tablename__ = "bridge_opt_outs"

    network: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(320), primary_key=True)  # DID, actor URI
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
