"""Linked accounts: a person's own account on another network (Bluesky; Mastodon, on any
server), which hashchat may post from on their behalf, and read a chat's hashtag with (Mastodon).
Its secrets are sealed (sealing.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, BigId, UTCDateTime, utcnow

NETWORKS = ("bluesky", "mastodon")
METHODS = ("app_password", "oauth")


class LinkedAccount(Base):
    __tablename__ = "linked_accounts"
    # One account per network per person: posting from the room needs no choice of account.
    __table_args__ = (UniqueConstraint("account_id", "network"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    network: Mapped[str] = mapped_column(String(16))
    remote_id: Mapped[str] = mapped_column(String(320))  # Bluesky: the DID; Mastodon: actor URI
    handle: Mapped[str] = mapped_column(String(320))  # as last seen, shown to the person
    service_url: Mapped[str] = mapped_column(String(512))  # Bluesky: the PDS; Mastodon: server
    method: Mapped[str] = mapped_column(String(16))  # "app_password" or "oauth"
    # The session (tokens, an app password, a DPoP key), sealed: see sealing.py.
    sealed: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A refresh under way elsewhere holds this until then (refresh tokens are single-use).
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the link no longer works (its token was revoked at the other end), shown to its owner
    # until they link again; "" while it works.
    broken: Mapped[str] = mapped_column(String(300), default="")
    # Its owner agreed that chats they follow may read their hashtag with it (Mastodon: a
    # hashtag stream needs a user's token), when the chat's host opts in.
    lends_reading: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def owner(self) -> str:
        """What its sealed secrets are bound to."""
        return f"{self.network}:{self.account_id}:{self.remote_id}"
