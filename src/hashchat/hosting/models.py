"""Sessions and everything hosts do in them.

A session is one occurrence of a chat (scheduled -> live -> ended). Posts belong to it when they
carry the chat's hashtag inside its window (plus a grace period), or reply within its threads;
``session_posts`` records that as posts are written, and ``answers`` records which question each
answer answers, so the room, the transcript and the analytics all read the same grouping.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, BigId, UTCDateTime, utcnow

SESSION_STATES = ("scheduled", "live", "ended", "cancelled")
CHAT_ROLES = ("moderator", "guest")


class ChatSession(Base):
    __tablename__ = "chat_sessions"
    __table_args__ = (
        UniqueConstraint("chat_id", "local_date"),
        Index("ix_chat_sessions_state_start", "state", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)  # the occurrence, in the chat's zone
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # as scheduled, or started early
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # as scheduled, extended or ended
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=15)
    topic: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    box_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the Q&A box
    box_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionGuest(Base):
    __tablename__ = "session_guests"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )


class ChatRole(Base):
    """Moderators and standing guests of a chat (hosts and co-hosts are in chat_hosts)."""

    __tablename__ = "chat_roles"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(Base):
    """Qn of a session: scripted ahead (with a minute offset), picked from the Q&A board, or
    posted by a host by hand ("Q3: ..."). Posted at most once (``post_id``)."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_due", "state", "due_at"),
        # Qn is unique in a session among the questions not skipped (a skipped one frees it).
        Index(
            "uq_questions_number",
            "session_id",
            "number",
            unique=True,
            sqlite_where=sql_text("state != 'skipped'"),
            postgresql_where=sql_text("state != 'skipped'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    offset_minutes: Mapped[int | None] = mapped_column(Integer)  # None: post by hand
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    # scheduled -> posting (claimed, in the transaction that posts it) -> posted; or skipped
    source: Mapped[str] = mapped_column(String(16), default="script")  # script live board
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    board_item_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionPost(Base):
    """A post that belongs to a session, and what it is there: a question, an answer (to
    question ``number``; ``late`` when written after the session), or the rest of the chat."""

    __tablename__ = "session_posts"
    __table_args__ = (Index("ix_session_posts_session", "session_id", "post_id"),)

    post_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="chat")  # question answer chat
    number: Mapped[int | None] = mapped_column(Integer)  # the question it is or answers
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class BoardItem(Base):
    """A question submitted to a session's Q&A board."""

    __tablename__ = "board_items"
    __table_args__ = (Index("ix_board_items_session", "session_id", "state", "votes_count"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # pending approved rejected merged answered
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)
    votes_count: Mapped[int] = mapped_column(Integer, default=0)
    question_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BoardVote(Base):
    __tablename__ = "board_votes"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("board_items.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Poll(Base):
    """A poll attached to a host's post (Mastodon's Poll entity)."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="SET NULL"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    votes_count: Mapped[int] = mapped_column(Integer, default=0)
    voters_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PollOption(Base):
    __tablename__ = "poll_options"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    votes_count: Mapped[int] = mapped_column(Integer, default=0)


class PollVote(Base):
    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoomRestriction(Base):
    """A person muted (their posts hidden from the room) or banned (they cannot post with the
    chat's hashtag) in a chat, until ``until`` (None: until lifted)."""

    __tablename__ = "room_restrictions"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # mute ban
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    by_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HiddenPost(Base):
    __tablename__ = "hidden_posts"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    by_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationAction(Base):
    """The audit log: every moderation action, who took it and on whom."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_chat", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    target_account_id: Mapped[int | None] = mapped_column(BigInteger)
    target_post_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
