"""Sessions: one per occurrence of a chat, created ahead of time by the reconciler and moved
scheduled -> live -> ended by it; hosts can start early, extend and end.

The window a session's posts fall in runs from ``starts_at`` to ``ends_at`` plus
``grace_minutes`` (people finish their answers after the host says goodbye). Starting early
moves the session to now and keeps its length (a session days ahead does not run for days);
extending or ending moves ``ends_at``. Each of these tells the directory the times the
occurrence was held (directory/occurrences.py ``held``), so the chat's page, the agenda and
its next occurrence follow.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatOccurrence
from hashchat.errors import Invalid, NotFound
from hashchat.hosting import roles
from hashchat.hosting.models import ChatSession, SessionGuest
from hashchat.parsing import find_id
from hashchat.posts.service import insert_ignore
from hashchat.realtime.events import record, session_stream, tag_stream
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

AHEAD = timedelta(days=14)  # sessions exist this far ahead, so question boxes can open early
MAX_EXTEND_MINUTES = 240
MAX_TOPIC, MAX_NOTES = 200, 5000


def window_end(chat_session: ChatSession) -> datetime:
    return chat_session.ends_at + timedelta(minutes=chat_session.grace_minutes)


def length_minutes(chat_session: ChatSession) -> int:
    return int((chat_session.ends_at - chat_session.starts_at).total_seconds() // 60)


def held_on(chat_session: ChatSession, chat: Chat) -> date:
    """The day the session was (or will be) held, in the chat's zone: its scheduled date
    unless a host started it on another day."""
    start = chat_session.started_at or chat_session.starts_at
    return start.astimezone(ZoneInfo(chat.time_zone)).date()


async def _tell_directory(session: AsyncSession, chat_session: ChatSession, chat: Chat) -> None:
    from hashchat.directory import occurrences

    await occurrences.held(
        session, chat, local_date=chat_session.local_date, starts_at=chat_session.starts_at,
        ends_at=chat_session.ends_at, now=utcnow(),
    )  # fmt: skip


def session_entity(chat_session: ChatSession, chat: Chat) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {
        "id": str(chat_session.id),
        "chat": chat.hashtag,
        "title": chat.title,
        "local_date": chat_session.local_date.isoformat(),
        "state": chat_session.state,
        "starts_at": iso(chat_session.starts_at),
        "ends_at": iso(chat_session.ends_at),
        "grace_minutes": chat_session.grace_minutes,
        "topic": chat_session.topic,
        "notes": chat_session.notes,
        "slow_mode_seconds": chat_session.slow_mode_seconds,
        "locked": chat_session.locked,
        "box_opens_at": iso(chat_session.box_opens_at),
        "box_closes_at": iso(chat_session.box_closes_at),
    }


async def announce(session: AsyncSession, chat_session: ChatSession, chat: Chat) -> None:
    """A ``session`` event: its state, times or settings changed."""
    await session.flush()
    await record(
        session,
        kind="session",
        payload=orjson.dumps(session_entity(chat_session, chat)).decode(),
        streams=[tag_stream(chat.tag_key), session_stream(chat_session.id)],
    )


async def get_session(session: AsyncSession, session_id: object) -> tuple[ChatSession, Chat]:
    key = find_id(session_id, field="session_id", message="no such session")
    chat_session = await session.get(ChatSession, key)
    if chat_session is None:
        raise NotFound("no such session", field="session_id")
    chat = await session.get(Chat, chat_session.chat_id)
    assert chat is not None
    return chat_session, chat


async def visible_session(
    session: AsyncSession, session_id: object, viewer: Account | None
) -> tuple[ChatSession, Chat]:
    """The session as ``viewer`` may see it: a session of a chat still awaiting approval is
    only for its hosts, its submitter and admins (NotFound for anyone else, as the listing)."""
    from hashchat.directory.service import visible_chat

    chat_session, chat = await get_session(session, session_id)
    await visible_chat(session, chat.tag_key, viewer)
    return chat_session, chat


async def current_or_next(session: AsyncSession, chat: Chat, now: datetime) -> ChatSession | None:
    """The chat's live session, else the next one, else the last one that ended."""
    for query in (
        select(ChatSession).where(ChatSession.chat_id == chat.id, ChatSession.state == "live"),
        select(ChatSession)
        .where(ChatSession.chat_id == chat.id, ChatSession.state == "scheduled")
        .order_by(ChatSession.starts_at),
        select(ChatSession)
        .where(ChatSession.chat_id == chat.id, ChatSession.state == "ended")
        .order_by(ChatSession.starts_at.desc()),
    ):
        found = await session.scalar(query.limit(1))
        if found is not None:
            return found
    return None


async def sessions_of(session: AsyncSession, chat: Chat, *, limit: int = 50) -> list[ChatSession]:
    rows = await session.scalars(
        select(ChatSession)
        .where(ChatSession.chat_id == chat.id)
        .order_by(ChatSession.starts_at.desc())
        .limit(limit)
    )
    return list(rows)


# -- the reconciler's work ---------------------------------------------------------------------


async def create_ahead(*, db: Database, now: datetime) -> int:
    """Make a session for every occurrence from a day ago to ``AHEAD`` that has none."""
    async with db.write() as session:
        rows = await session.execute(
            select(ChatOccurrence)
            .outerjoin(
                ChatSession,
                and_(
                    ChatSession.chat_id == ChatOccurrence.chat_id,
                    ChatSession.local_date == ChatOccurrence.local_date,
                ),
            )
            .where(
                ChatSession.id.is_(None),
                ChatOccurrence.ends_at > now - timedelta(hours=1),
                ChatOccurrence.starts_at < now + AHEAD,
            )
        )
        values = [  # the other columns take their defaults
            {"chat_id": o.chat_id, "local_date": o.local_date, "starts_at": o.starts_at,
             "ends_at": o.ends_at, "state": "scheduled"}
            for (o,) in rows
        ]  # fmt: skip
        if not values:
            return 0
        # Another process's pass may make the same sessions at the same moment: one wins.
        done = await session.execute(insert_ignore(session, ChatSession), values)
    return max(int(getattr(done, "rowcount", 0) or 0), 0)


async def advance(*, db: Database, now: datetime) -> tuple[int, datetime | None]:
    """Move sessions whose time has come (scheduled -> live -> ended); answer how many moved
    and when the next one is due."""
    moved = 0
    async with db.write() as session:
        due = await session.execute(
            select(ChatSession, Chat)
            .join(Chat, Chat.id == ChatSession.chat_id)
            .where(
                (
                    (ChatSession.state == "scheduled") & (ChatSession.starts_at <= now)
                ) | ((ChatSession.state == "live") & (ChatSession.ends_at <= now))
            )
        )  # fmt: skip
        for chat_session, chat in due:
            if chat_session.state == "scheduled" and chat_session.ends_at > now:
                chat_session.state, chat_session.started_at = "live", now
            else:  # over (or its whole window passed while nobody was running the loop)
                chat_session.state = "ended"
                chat_session.started_at = chat_session.started_at or chat_session.starts_at
                chat_session.ended_at = chat_session.ended_at or chat_session.ends_at
            await announce(session, chat_session, chat)
            moved += 1
    async with db.read() as session:
        wake = await session.scalar(
            select(ChatSession.starts_at)
            .where(ChatSession.state == "scheduled", ChatSession.starts_at > now)
            .order_by(ChatSession.starts_at)
            .limit(1)
        )
        ending = await session.scalar(
            select(ChatSession.ends_at)
            .where(ChatSession.state == "live")
            .order_by(ChatSession.ends_at)
            .limit(1)
        )
    if ending is not None and (wake is None or ending < wake):
        wake = ending
    return moved, wake


# -- what hosts do -----------------------------------------------------------------------------


async def start_now(*, db: Database, actor: Account, session_id: object) -> ChatSession:
    """Start a scheduled session now (early). It keeps its length: a 60-minute session
    started now ends in 60 minutes, whenever it was scheduled (the console says so before);
    its script keeps each question's minute from the start."""
    now = utcnow()
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        if chat_session.state != "scheduled":
            raise Invalid(f"the session is {chat_session.state}, not scheduled", field="state")
        if chat_session.ends_at <= now:
            raise Invalid("the session's time is over; there is nothing to start", field="state")
        chat_session.state, chat_session.started_at = "live", now
        if now < chat_session.starts_at:
            length = chat_session.ends_at - chat_session.starts_at
            chat_session.starts_at, chat_session.ends_at = now, now + length
        await _shift_questions(session, chat_session)
        await _tell_directory(session, chat_session, chat)
        await announce(session, chat_session, chat)
    return chat_session


async def extend(
    *, db: Database, actor: Account, session_id: object, minutes: object
) -> ChatSession:
    """Give a scheduled or live session more time."""
    try:
        extra = int(str(minutes))
    except ValueError:
        raise Invalid("minutes must be a whole number", field="minutes") from None
    if not 1 <= extra <= MAX_EXTEND_MINUTES:
        raise Invalid(f"extend by 1 to {MAX_EXTEND_MINUTES} minutes", field="minutes")
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        if chat_session.state not in ("scheduled", "live"):
            raise Invalid(f"the session has {chat_session.state}", field="state")
        chat_session.ends_at += timedelta(minutes=extra)
        await _tell_directory(session, chat_session, chat)
        await announce(session, chat_session, chat)
    return chat_session


async def end_now(*, db: Database, actor: Account, session_id: object) -> ChatSession:
    now = utcnow()
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        if chat_session.state != "live":
            raise Invalid(f"the session is {chat_session.state}, not live", field="state")
        chat_session.state, chat_session.ended_at = "ended", now
        chat_session.ends_at = now
        await _tell_directory(session, chat_session, chat)
        await announce(session, chat_session, chat)
    return chat_session


async def update_details(
    *, db: Database, actor: Account, session_id: object, topic: object = None,
    notes: object = None, grace_minutes: object = None, guests: list[str] | None = None,
) -> ChatSession:  # fmt: skip
    """Change a session's topic, notes, grace period or guests (handles)."""
    from hashchat.accounts.service import get_by_handle

    values: dict[str, Any] = {}
    if topic is not None:
        if not isinstance(topic, str) or len(topic.strip()) > MAX_TOPIC:
            raise Invalid(f"a topic has at most {MAX_TOPIC} characters", field="topic")
        values["topic"] = topic.strip()
    if notes is not None:
        if not isinstance(notes, str) or len(notes) > MAX_NOTES:
            raise Invalid(f"notes have at most {MAX_NOTES} characters", field="notes")
        values["notes"] = notes.strip()
    if grace_minutes is not None:
        try:
            grace = int(str(grace_minutes))
        except ValueError:
            raise Invalid(
                "the grace period is a whole number of minutes", field="grace_minutes"
            ) from None
        if not 0 <= grace <= 120:
            raise Invalid("the grace period is 0 to 120 minutes", field="grace_minutes")
        values["grace_minutes"] = grace
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        people: list[Account] = []
        for handle in guests or []:
            account = await get_by_handle(session, handle.strip().lstrip("@"))
            if account is None:
                raise Invalid(
                    f"nobody here is called @{handle.strip().lstrip('@')}", field="guests"
                )
            people.append(account)
        for key, value in values.items():
            setattr(chat_session, key, value)
        if guests is not None:
            await session.execute(
                delete(SessionGuest).where(SessionGuest.session_id == chat_session.id)
            )
            session.add_all(
                SessionGuest(session_id=chat_session.id, account_id=a.id) for a in people
            )
        await announce(session, chat_session, chat)
    return chat_session


async def _shift_questions(session: AsyncSession, chat_session: ChatSession) -> None:
    """Scripted questions keep their offsets from the (new) start."""
    from hashchat.hosting.models import Question

    questions = await session.scalars(
        select(Question).where(
            Question.session_id == chat_session.id,
            Question.state == "scheduled",
            Question.offset_minutes.is_not(None),
        )
    )
    for question in questions:
        assert question.offset_minutes is not None
        question.due_at = chat_session.starts_at + timedelta(minutes=question.offset_minutes)
