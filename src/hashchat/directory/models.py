"""The chat directory's tables: listings, their hosts, topics and schedule changes, the
occurrences expanded from each schedule, follows with reminders, and personal calendar tokens.

A schedule is stored as the host wrote it (wall-clock start, IANA zone, duration, RRULE); the
``chat_occurrences`` rows are derived from it (directory/occurrences.py) so that searches by day
and time, "live now" and the week's agenda read an index instead of expanding 10,000 rules.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, BigId, UTCDateTime, utcnow

STATUSES = ("active", "paused", "retired")
REVIEWS = ("approved", "pending")
HOST_ROLES = ("host", "cohost")

# A naive datetime column: a wall-clock time in the chat's own zone (never an instant).
LocalDateTime = DateTime(timezone=False)


class Chat(Base):
    """One listing per hashtag (``tag_key`` is the NFKC-casefolded form, as posts match it)."""

    __tablename__ = "chats"
    __table_args__ = (
        # The directory's default order walks this index: no sort of 10,000 rows per page.
        Index("ix_chats_listing", "review", "standing", "next_start", "id"),
        Index("ix_chats_next_end", "next_end"),
        Index("ix_chats_language", "language"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tag_key: Mapped[str] = mapped_column(String(140), unique=True)
    hashtag: Mapped[str] = mapped_column(String(140))  # as the host typed it
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown source
    description_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised
    topics: Mapped[str] = mapped_column(Text, default="")  # display names, ", "-joined
    language: Mapped[str | None] = mapped_column(String(16))
    link: Mapped[str] = mapped_column(String(200), default="")
    # The schedule, as written: the first occurrence's local date, the local start time, the
    # zone, how long, and an RFC 5545 RRULE ("" for a one-off).
    starts_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    time_zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    rrule: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review: Mapped[str] = mapped_column(String(16), default="approved")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was approved
    # Derived, refreshed when the schedule changes and by the reconciler: the occurrence that
    # has not ended yet (ongoing or next), and how far ahead occurrences are expanded.
    next_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expanded_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Health: flagged "may be inactive" after quiet occurrences; a host's confirmation resets
    # the count (only occurrences after ``health_reset_at`` count).
    inactive_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    health_reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followers_count: Mapped[int] = mapped_column(Integer, default=0)
    # Since when its hosts and moderators may moderate its room (hide, mute, ban): an admin
    # listed or approved it, or its host had used the hashtag before listing it. None: not yet
    # (anyone may list a chat for a hashtag; that alone gives no say over others' posts).
    vouched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where it ranks in the directory, kept by ``standing_of`` on every write (below).
    standing: Mapped[int] = mapped_column(Integer, default=0)
    # Bridges (bridges/): the networks whose posts with the hashtag come into the room
    # (space-separated, "" for none: "bluesky", "mastodon:https://server" for each server
    # watched), when ("sessions": from 30 minutes before each session to its end plus grace;
    # "always"), and whether exports include them.
    bridges: Mapped[str] = mapped_column(String(2000), default="")
    bridge_when: Mapped[str] = mapped_column(String(16), default="sessions")
    bridged_in_exports: Mapped[bool] = mapped_column(Boolean, default=True)
    # Mastodon servers may also be read with a follower's linked account, if they agreed.
    bridge_lenders: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def is_listed(self) -> bool:
        return self.review == "approved"

    @property
    def bridge_networks(self) -> list[str]:
        return self.bridges.split()

    @property
    def mastodon_servers(self) -> list[str]:
        """The Mastodon servers whose view of the hashtag comes into the room."""
        names = self.bridges.split()
        return [b.removeprefix("mastodon:") for b in names if b.startswith("mastodon:")]


def standing_of(chat: Chat) -> int:
    """0: active with an occurrence ahead; 1: the same but "may be inactive"; 2: nothing
    ahead; 3: paused; 4: retired. The directory lists lower first."""
    if chat.status == "retired":
        return 4
    if chat.status == "paused":
        return 3
    if chat.next_start is None:
        return 2
    return 1 if chat.inactive_since is not None else 0


@event.listens_for(Chat, "before_insert")
@event.listens_for(Chat, "before_update")
def _keep_standing(_mapper: object, _connection: object, chat: Chat) -> None:
    chat.standing = standing_of(chat)


class ChatHost(Base):
    """A host or co-host who took the role: the lister themselves, someone an admin named, or
    someone who accepted an invitation (``HostInvitation``)."""

    __tablename__ = "chat_hosts"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="host")
    position: Mapped[int] = mapped_column(Integer, default=0)


class HostInvitation(Base):
    """Someone named as a host of a listing by someone else: nothing until they accept (the
    role then takes effect) or decline (the invitation goes)."""

    __tablename__ = "host_invitations"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="cohost")
    position: Mapped[int] = mapped_column(Integer, default=0)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatTopic(Base):
    """A chat's topics, folded (``key``) for filtering; the display spelling is on the chat."""

    __tablename__ = "chat_topics"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ChatException(Base):
    """A change to one occurrence, named by its original local date: skipped (``moved_to``
    None) or moved to another local wall-clock start (RFC 5545's EXDATE / RECURRENCE-ID)."""

    __tablename__ = "chat_exceptions"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    moved_to: Mapped[datetime | None] = mapped_column(LocalDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatOccurrence(Base):
    """An occurrence expanded from the schedule (past ones stay: they carry the chat's health).
    ``local_date`` is the original date (its RECURRENCE-ID), ``local_start`` where it actually
    starts in the chat's zone, ``starts_at``/``ends_at`` the instants."""

    __tablename__ = "chat_occurrences"
    __table_args__ = (Index("ix_chat_occurrences_starts_at", "starts_at", "chat_id"),)

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    local_start: Mapped[datetime] = mapped_column(LocalDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    moved: Mapped[bool] = mapped_column(Boolean, default=False)
    # Activity, measured once the occurrence's window has passed.
    posts_count: Mapped[int | None] = mapped_column(Integer)
    participants_count: Mapped[int | None] = mapped_column(Integer)
    measured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChatFollow(Base):
    __tablename__ = "chat_follows"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    remind_minutes: Mapped[int | None] = mapped_column(Integer)  # None: no reminder
    remind_by_email: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(Base):
    """A reminder due for one occurrence: a row the reconciler moves from due to sent (or
    skipped), exactly once, whatever restarts in between."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("account_id", "chat_id", "starts_at", name="uq_reminders_occurrence"),
        Index("ix_reminders_due", "sent_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="")  # "sent" or "missed"


class CalendarToken(Base):
    """The secret of a person's calendar feed URL; only its SHA-256 is stored."""

    __tablename__ = "calendar_tokens"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteSetting(Base):
    """Settings admins change while the server runs (a key and its JSON value). Today it holds
    whether new chat listings wait for an admin's approval."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
