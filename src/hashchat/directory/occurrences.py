"""The occurrences table, derived from each chat's schedule.

``chat_occurrences`` holds every occurrence from the moment a chat is listed up to
``HORIZON`` ahead; searches by day and time, "live now", "starting soon" and the week's agenda
read it through its index on ``starts_at`` instead of expanding rules per request. Rows that
have started are history (they carry the chat's health) and are never rewritten; rows still
ahead are replaced whenever the schedule changes, and the reconciler extends the horizon as
time passes (directory/steps.py). An occurrence held at other times than its schedule's (a host
started it early, extended or ended it: ``held``) keeps the times it was held, and the chat's
next occurrence moves past it once it is over.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory.models import Chat, ChatException, ChatOccurrence
from hashchat.directory.schedule import Occurrence, Schedule

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
    await set_next(session, chat, schedule, now=now)


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


async def set_next(session: AsyncSession, chat: Chat, schedule: Schedule, *, now: datetime) -> None:
    """Point the chat at its ongoing or next occurrence (None when there is none): the
    schedule's, at the times it is held when a host started, extended or ended it, and the
    one after it when such an occurrence is over."""
    if not is_expanded(chat):
        chat.next_start = chat.next_end = None
        return
    upcoming = schedule.next_after(now)
    starts, ends = (upcoming.starts_at, upcoming.ends_at) if upcoming else (None, None)
    for _ in range(10):  # a few held occurrences in a row at most; the schedule goes on after
        if upcoming is None:
            break
        row = await session.get(ChatOccurrence, (chat.id, upcoming.local_date))
        if row is None or (row.starts_at, row.ends_at) == (upcoming.starts_at, upcoming.ends_at):
            break
        if row.ends_at > now:  # held at other times, and not over yet
            starts, ends = row.starts_at, row.ends_at
            break
        upcoming = schedule.next_after(max(upcoming.ends_at, now))  # over early: the next
        starts, ends = (upcoming.starts_at, upcoming.ends_at) if upcoming else (None, None)
    chat.next_start, chat.next_end = starts, ends


async def held(
    session: AsyncSession, chat: Chat, *, local_date: date, starts_at: datetime,
    ends_at: datetime, now: datetime,
) -> None:  # fmt: skip
    """The occurrence of ``local_date`` is held from ``starts_at`` to ``ends_at`` (a host
    started it early, extended or ended it): its row says so, for the agenda and "live now",
    and the chat's next occurrence is what follows when it is over."""
    row = await session.get(ChatOccurrence, (chat.id, local_date))
    if row is None:  # not (or no longer) in the table: nothing the agenda shows
        return
    row.starts_at, row.ends_at = starts_at, ends_at
    row.local_start = starts_at.astimezone(ZoneInfo(chat.time_zone)).replace(tzinfo=None)
    await session.flush()
    await set_next(session, chat, await load_schedule(session, chat), now=now)


async def as_held(
    session: AsyncSession, chat: Chat, found: list[Occurrence], *, now: datetime
) -> list[Occurrence]:
    """The schedule's occurrences as they are held: at the times a host started, extended or
    ended one (its row says), without those already over."""
    if not found:
        return found
    rows = {
        r.local_date: r
        for r in await session.scalars(
            select(ChatOccurrence).where(
                ChatOccurrence.chat_id == chat.id,
                ChatOccurrence.local_date.in_([o.local_date for o in found]),
            )
        )
    }
    shown: list[Occurrence] = []
    for o in found:
        row = rows.get(o.local_date)
        if row is not None and (row.starts_at, row.ends_at) != (o.starts_at, o.ends_at):
            if row.ends_at <= now:
                continue
            o = replace(o, local_start=row.local_start, starts_at=row.starts_at,
                        ends_at=row.ends_at, moved=True)  # fmt: skip
        shown.append(o)
    return shown
