"""The occurrences table, derived from each chat's schedule.

``chat_occurrences`` holds every occurrence from the moment a chat is listed up to
``HORIZON`` ahead; searches by day and time, "live now", "starting soon" and the week's agenda
read it through its index on ``starts_at`` instead of expanding rules per request. Rows that
have started are history (they carry the chat's health) and are never rewritten; rows still
ahead are replaced whenever the schedule changes, and the reconciler extends the horizon as
time passes (directory/steps.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory.models import Chat, ChatException, ChatOccurrence
from hashchat.directory.schedule import Schedule

HORIZON = timedelta(days=63)  # nine weeks: the agenda can look eight weeks ahead


def schedule_of(chat: Chat, exceptions: list[ChatException]) -> Schedule:
    return Schedule(
        starts_on=chat.starts_on,
        start_time=chat.start_time,
        time_zone=chat.time_zone,
        duration_minutes=chat.duration_minutes,
        rrule=chat.rrule,
        skipped=frozenset(e.local_date for e in exceptions if e.moved_to is None),
        moved={e.local_date: e.moved_to for e in exceptions if e.moved_to is not None},
    )


async def schedules_of(session: AsyncSession, chats: list[Chat]) -> dict[int, Schedule]:
    """Each chat's schedule with its skipped and moved occurrences, in one query."""
    found: dict[int, list[ChatException]] = {c.id: [] for c in chats}
    if chats:
        rows = await session.scalars(
            select(ChatException).where(ChatException.chat_id.in_(list(found)))
        )
        for row in rows:
            found[row.chat_id].append(row)
    return {c.id: schedule_of(c, found[c.id]) for c in chats}


async def load_schedule(session: AsyncSession, chat: Chat) -> Schedule:
    rows = await session.scalars(select(ChatException).where(ChatException.chat_id == chat.id))
    return schedule_of(chat, list(rows))


def is_expanded(chat: Chat) -> bool:
    """Whether the chat's occurrences are in the table: listed, and not paused or retired."""
    return chat.status == "active" and chat.review == "approved"


async def refresh(session: AsyncSession, chat: Chat, schedule: Schedule, *, now: datetime) -> None:
    """Rewrite the chat's occurrences that have not started, up to the horizon, add the one
    under way if it is missing, and point the chat at its next occurrence. Call it in the
    transaction that changes the schedule or the status."""
    await session.execute(
        delete(ChatOccurrence).where(
            ChatOccurrence.chat_id == chat.id, ChatOccurrence.starts_at > now
        )
    )
    if not is_expanded(chat):
        chat.next_start = chat.next_end = chat.expanded_until = None
        return
    # From the occurrence under way, if one is: a chat listed (or reactivated, or rescheduled)
    # at 20:30 for 20:00 to 21:00 is live now, and on today's agenda.
    await _insert(
        session, chat, schedule, now - schedule.duration + timedelta(seconds=1), now + HORIZON
    )
    chat.expanded_until = now + HORIZON
    set_next(chat, schedule, now=now)


async def extend(session: AsyncSession, chat: Chat, schedule: Schedule, *, now: datetime) -> int:
    """Add the occurrences between the end of what is expanded and the horizon."""
    if not is_expanded(chat):
        return 0
    start = max(chat.expanded_until or now, now)
    end = now + HORIZON
    added = await _insert(session, chat, schedule, start, end) if end > start else 0
    chat.expanded_until = end
    return added


async def backfill(
    session: AsyncSession, chat: Chat, schedule: Schedule, *, since: datetime, now: datetime
) -> int:
    """Add occurrences that started between ``since`` and ``now`` (a listing imported or made
    with its history, as the demo does); existing rows are left alone."""
    return await _insert(session, chat, schedule, since, now)


async def _insert(
    session: AsyncSession, chat: Chat, schedule: Schedule, start: datetime, end: datetime
) -> int:
    wanted = schedule.occurrences(start, end)
    if not wanted:
        return 0
    first_day = min(o.local_date for o in wanted)
    # A row for a date may exist already: one that started (history), or a moved one.
    existing: set[date] = set(
        await session.scalars(
            select(ChatOccurrence.local_date).where(
                ChatOccurrence.chat_id == chat.id, ChatOccurrence.local_date >= first_day
            )
        )
    )
    fresh = [o for o in wanted if o.local_date not in existing]
    session.add_all(
        ChatOccurrence(
            chat_id=chat.id,
            local_date=o.local_date,
            local_start=o.local_start,
            starts_at=o.starts_at,
            ends_at=o.ends_at,
            moved=o.moved,
        )
        for o in fresh
    )
    return len(fresh)


def set_next(chat: Chat, schedule: Schedule, *, now: datetime) -> None:
    """Point the chat at its ongoing or next occurrence (None when there is none)."""
    if not is_expanded(chat):
        chat.next_start = chat.next_end = None
        return
    upcoming = schedule.next_after(now)
    chat.next_start = upcoming.starts_at if upcoming else None
    chat.next_end = upcoming.ends_at if upcoming else None
