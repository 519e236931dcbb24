"""Finding chats: full-text search, filters by topic and language, by day and time of day in
the viewer's own zone, "live now", "starting soon", and the week's agenda.

Day-and-time filters and the agenda read ``chat_occurrences`` (indexed on ``starts_at``): the
viewer's "Tuesday evenings" over the next five weeks become five intervals of instants, each
computed in the viewer's zone for its own date, so a daylight-saving change on either side
(the viewer's or the chat's) is already accounted for. Full-text search is SQLite FTS5 (with
the Porter stemmer) or PostgreSQL's ``english`` configuration over the same weighted document:
hashtag and title, then topics, then the description; every word typed matches as a prefix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.validation import time_zones
from hashchat.directory.models import Chat, ChatException, ChatOccurrence, ChatTopic
from hashchat.directory.occurrences import HORIZON
from hashchat.directory.schedule import MAX_DURATION, WEEKDAYS, Schedule, to_instant
from hashchat.directory.validation import topic_key
from hashchat.errors import Invalid

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
AGENDA_LIMIT, MAX_AGENDA = 200, 1000
LOOKAHEAD_DAYS = 35  # day/time filters look at the next five weeks (fortnightly, monthly)
MAX_WITHIN_HOURS = 24 * 7

# The parts of a day, in the viewer's zone: [from, to), "to" before "from" runs past midnight.
PARTS_OF_DAY = {
    "morning": (time(6), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(22)),
    "night": (time(22), time(6)),
}
DAY_WORDS = {
    **{d.lower(): i for i, d in enumerate(WEEKDAYS)},
    **{n: i for i, n in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        n: i
        for i, n in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
STATUS_FILTERS = ("listed", "active", "inactive", "paused", "retired", "all")

# Must stay the very expression of the GIN index made by migration 0002 (PostgreSQL only uses
# an expression index for a query that repeats the expression).
PG_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, hashtag), 'A') || "
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, topics), 'B') || "
    "setweight(to_tsvector('english'::regconfig, description), 'D')"
)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    topic: str = ""
    language: str = ""
    days: tuple[int, ...] = ()  # 0 = Monday, in the viewer's zone
    time_from: time | None = None
    time_to: time | None = None
    zone: str = "UTC"
    live: bool = False
    within_hours: int | None = None
    status: str = "listed"
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @property
    def by_time(self) -> bool:
        return bool(self.days) or self.time_from is not None

    def query_items(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        items: dict[str, str] = {}
        if self.q:
            items["q"] = self.q
        if self.topic:
            items["topic"] = self.topic
        if self.language:
            items["language"] = self.language
        if self.days:
            items["days"] = ",".join(WEEKDAYS[d].lower() for d in self.days)
        if self.time_from is not None and self.time_to is not None:
            items["from"] = f"{self.time_from:%H:%M}"
            items["to"] = f"{self.time_to:%H:%M}"
        if self.live:
            items["live"] = "true"
        if self.within_hours:
            items["within_hours"] = str(self.within_hours)
        if self.status != "listed":
            items["status"] = self.status
        items["tz"] = self.zone
        return items


def _one(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value).strip()


def _many(data: Mapping[str, Any], *names: str) -> list[str]:
    found: list[str] = []
    for name in names:
        value = data.get(name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item not in (None, ""):
                found += [p.strip() for p in str(item).split(",") if p.strip()]
    return found


def _hour(value: str, field: str) -> time:
    try:
        return time.fromisoformat(value if ":" in value else f"{int(value):02d}:00")
    except ValueError:
        raise Invalid(f"{value!r} is not a time of day such as 19:00", field=field) from None


def _flag(value: str, field: str) -> bool:
    if value.lower() in ("", "0", "false", "no", "off"):
        return False
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    raise Invalid(f"{field} is true or false", field=field)


def parse_filters(data: Mapping[str, Any], *, zone: str) -> Filters:
    """Filters from query parameters (the API's and the pages' alike); ``zone`` is the
    viewer's (a ``tz`` parameter overrides it)."""
    tz = _one(data, "tz") or zone
    if tz not in time_zones():
        raise Invalid(f"{tz!r} is not an IANA time zone (for example Europe/London)", field="tz")
    days: list[int] = []
    for word in _many(data, "days", "day"):
        if word.lower() not in DAY_WORDS:
            raise Invalid(f"{word!r} is not a day of the week", field="days")
        days.append(DAY_WORDS[word.lower()])
    time_from = time_to = None
    part = _one(data, "time")
    if part:
        if part not in PARTS_OF_DAY:
            raise Invalid(
                "time is morning, afternoon, evening or night (or use from and to)", field="time"
            )
        time_from, time_to = PARTS_OF_DAY[part]
    if _one(data, "from") or _one(data, "to"):
        if not (_one(data, "from") and _one(data, "to")):
            raise Invalid("give both from and to (such as 19:00 and 21:00)", field="from")
        time_from, time_to = _hour(_one(data, "from"), "from"), _hour(_one(data, "to"), "to")
        if time_from == time_to:
            raise Invalid("from and to are the same time", field="to")
    within = _one(data, "within_hours")
    within_hours = None
    if within:
        try:
            within_hours = int(within)
        except ValueError:
            raise Invalid("within_hours is a number of hours", field="within_hours") from None
        if not 1 <= within_hours <= MAX_WITHIN_HOURS:
            raise Invalid(f"within_hours is between 1 and {MAX_WITHIN_HOURS}", field="within_hours")
    status = _one(data, "status") or "listed"
    if status not in STATUS_FILTERS:
        raise Invalid(f"status is one of {', '.join(STATUS_FILTERS)}", field="status")
    limit, offset = DEFAULT_LIMIT, 0
    try:
        if _one(data, "limit"):
            limit = max(1, min(int(_one(data, "limit")), MAX_LIMIT))
        if _one(data, "offset"):
            offset = max(0, int(_one(data, "offset")))
    except ValueError:
        raise Invalid("limit and offset are numbers", field="limit") from None
    q = " ".join(_one(data, "q").split())[:200]
    return Filters(
        q=q,
        topic=_one(data, "topic").lstrip("#")[:40],
        language=_one(data, "language").lower()[:16],
        days=tuple(sorted(set(days))),
        time_from=time_from,
        time_to=time_to,
        zone=tz,
        live=_flag(_one(data, "live"), "live"),
        within_hours=within_hours,
        status=status,
        limit=limit,
        offset=offset,
    )


def viewer_intervals(
    filters: Filters, *, now: datetime, days: int = LOOKAHEAD_DAYS
) -> list[tuple[datetime, datetime]]:
    """The viewer's chosen days and times over the next ``days`` days, as UTC intervals, each
    computed in the viewer's zone for its own date."""
    zone = ZoneInfo(filters.zone)
    today = now.astimezone(zone).date()
    start_t = filters.time_from or time(0)
    intervals: list[tuple[datetime, datetime]] = []
    for n in range(-1, days + 1):
        day = today + timedelta(days=n)
        if filters.days and day.weekday() not in filters.days:
            continue
        begin = datetime.combine(day, start_t)
        if filters.time_to is None:
            end = datetime.combine(day + timedelta(days=1), time(0))
        elif filters.time_to <= start_t:
            end = datetime.combine(day + timedelta(days=1), filters.time_to)
        else:
            end = datetime.combine(day, filters.time_to)
        intervals.append((to_instant(begin, zone), to_instant(end, zone)))
    return intervals


def _fts_words(q: str) -> list[str]:
    return _WORD.findall(q)[:12]


def _match_sqlite(q: str) -> str:
    # Each word quoted (so no word is an FTS5 operator) and matched as a prefix.
    return " ".join('"' + w.replace('"', '""') + '"*' for w in _fts_words(q))


def _match_postgres(q: str) -> str:
    return " & ".join(f"{w}:*" for w in _fts_words(q))


def status_clause(filters: Filters) -> list[ColumnElement[bool]]:
    """The chats a status filter means; the first condition is always the review's."""
    listed = Chat.review == "approved"
    return {
        # standing < 4 is "not retired" in a form the listing index covers
        "listed": [listed, Chat.standing < 4],
        "active": [listed, Chat.status == "active", Chat.inactive_since.is_(None)],
        "inactive": [listed, Chat.status == "active", Chat.inactive_since.is_not(None)],
        "paused": [listed, Chat.status == "paused"],
        "retired": [listed, Chat.status == "retired"],
        "all": [listed],
    }[filters.status]


@dataclass(frozen=True, slots=True)
class ChatBrief:
    """What an occurrence listing shows of its chat (not the whole row: an agenda holds
    hundreds of them)."""

    id: int
    hashtag: str
    title: str
    status: str
    inactive_since: datetime | None
    time_zone: str


BRIEF = (Chat.id, Chat.hashtag, Chat.title, Chat.status, Chat.inactive_since, Chat.time_zone)
SCHEDULE_COLUMNS = (
    Chat.starts_on,
    Chat.start_time,
    Chat.duration_minutes,
    Chat.rrule,
    Chat.expanded_until,
)


@dataclass(frozen=True, slots=True)
class Happening:
    """One occurrence, with its chat in brief."""

    chat: ChatBrief
    starts_at: datetime
    ends_at: datetime
    moved: bool


def _happenings(rows: Any) -> list[Happening]:
    return [Happening(ChatBrief(*row[3:]), row[0], row[1], row[2]) for row in rows]


HAPPENING = (
    ChatOccurrence.starts_at,
    ChatOccurrence.ends_at,
    ChatOccurrence.moved,
    ChatOccurrence.chat_id,
)


@dataclass
class Found:
    chats: list[Chat]
    total: int
    live_ids: set[int] = field(default_factory=set)


@dataclass
class Query:
    """What the filters ask of ``chats``: conditions, and for a text search the rows of the
    full-text index to join and their rank (lower is better)."""

    conditions: list[ColumnElement[bool]]
    fts: Any = None  # SQLite: a materialized CTE (id, rank) to join on Chat.id
    rank: Any = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.fts is not None:
            query = query.join(self.fts, self.fts.c.id == Chat.id)
        return query.where(*self.conditions)


def chat_query(session: AsyncSession, filters: Filters, now: datetime) -> Query:
    conditions = list(status_clause(filters))
    fts: Any = None
    rank: Any = None
    if _fts_words(filters.q):
        if session.get_bind().dialect.name == "postgresql":
            tsquery = func.to_tsquery(
                literal_column("'english'::regconfig"), _match_postgres(filters.q)
            )
            document: ColumnElement[Any] = literal_column(f"({PG_DOCUMENT})")
            conditions.append(document.op("@@")(tsquery))
            rank = -func.ts_rank_cd(document, tsquery)
        else:
            # MATERIALIZED: the index is searched once. Joined or IN-listed as a plain subquery,
            # SQLite may walk the chats and search the index once per chat (seconds at 10,000).
            fts = (
                text(
                    "SELECT rowid AS id, bm25(chats_fts, 10.0, 6.0, 3.0, 1.0) AS rank "
                    "FROM chats_fts WHERE chats_fts MATCH :match"
                )
                .bindparams(match=_match_sqlite(filters.q))
                .columns(id=Integer, rank=Float)
                .cte("fts")
                .prefix_with("MATERIALIZED")
            )
            rank = fts.c.rank
    if filters.topic:
        conditions.append(
            Chat.id.in_(select(ChatTopic.chat_id).where(ChatTopic.key == topic_key(filters.topic)))
        )
    if filters.language:
        conditions.append(Chat.language == filters.language)
    occurrences: list[ColumnElement[bool]] = []
    if filters.by_time:
        # The viewer's days and hours, each interval clipped to what is still ahead.
        ranges = [
            and_(ChatOccurrence.starts_at >= max(a, now), ChatOccurrence.starts_at < b)
            for a, b in viewer_intervals(filters, now=now)
            if b > now
        ]
        occurrences.append(or_(*ranges) if ranges else false())
    if filters.live:
        occurrences.append(
            and_(
                ChatOccurrence.starts_at <= now,
                ChatOccurrence.starts_at > now - timedelta(days=1),
                ChatOccurrence.ends_at > now,
            )
        )
    if filters.within_hours:
        occurrences.append(
            and_(
                ChatOccurrence.starts_at > now,
                ChatOccurrence.starts_at <= now + timedelta(hours=filters.within_hours),
            )
        )
    for clause in occurrences:
        conditions.append(Chat.id.in_(select(ChatOccurrence.chat_id).where(clause)))
    return Query(conditions, fts, rank)


async def search_chats(session: AsyncSession, filters: Filters, *, now: datetime) -> Found:
    """One page of chats matching ``filters``. Order: active, then "may be inactive", then
    those with nothing ahead, paused and retired (``Chat.standing``); then the best text
    match; then the soonest."""
    wanted = chat_query(session, filters, now)
    order: list[Any] = [Chat.standing]
    if wanted.rank is not None:
        order.append(wanted.rank)
    order += [Chat.next_start, Chat.id]
    narrowed = (
        filters.q or filters.topic or filters.language or filters.by_time or filters.live
    ) or filters.within_hours
    if narrowed:
        # The filters run once: every match's id in order (a few thousand at most is cheap),
        # the count is their number, the page a slice.
        ids = list(await session.scalars(wanted.apply(select(Chat.id)).order_by(*order)))
        total = len(ids)
        page = ids[filters.offset : filters.offset + filters.limit]
        rows = {c.id: c for c in await session.scalars(select(Chat).where(Chat.id.in_(page)))}
        chats = [rows[i] for i in page if i in rows]
    else:
        # Everything listed: the count from the index, the page by walking it in order.
        total = int(await session.scalar(wanted.apply(select(func.count()).select_from(Chat))) or 0)
        query = wanted.apply(select(Chat)).order_by(*order)
        chats = list(await session.scalars(query.limit(filters.limit).offset(filters.offset)))
    return Found(chats, total, await live_ids(session, [c.id for c in chats], now=now))


async def live_ids(session: AsyncSession, chat_ids: list[int], *, now: datetime) -> set[int]:
    """Which of these chats are under way at ``now``."""
    if not chat_ids:
        return set()
    rows = await session.scalars(
        select(ChatOccurrence.chat_id).where(
            ChatOccurrence.chat_id.in_(chat_ids),
            ChatOccurrence.starts_at <= now,
            ChatOccurrence.starts_at > now - timedelta(days=1),
            ChatOccurrence.ends_at > now,
        )
    )
    return set(rows)


# -- the agenda ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """One occurrence in the viewer's zone."""

    chat: ChatBrief
    starts_at: datetime
    ends_at: datetime
    local_start: datetime  # aware, in the viewer's zone
    local_end: datetime
    moved: bool
    live: bool
    continued: bool = False  # started on an earlier day, still on when this one begins


@dataclass
class Day:
    date: date
    slots: list[Slot]


@dataclass
class Agenda:
    start: date
    zone: str
    days: list[Day]
    total: int
    shown: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def previous(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.start + timedelta(days=7)


async def occurrences_between(
    session: AsyncSession,
    filters: Filters,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    limit: int,
    continuing: bool = False,
) -> tuple[list[Happening], int]:
    """Occurrences starting in [start, end) of the chats matching ``filters`` (only active,
    listed chats have occurrences ahead), in time order; and how many there are in all. With
    ``continuing``, also those that started earlier and are still on at ``start`` (a chat from
    23:30 to 00:30 is on the next day's agenda too, and one under way is on today's). The
    query walks the occurrences' index on ``starts_at`` and looks each chat up by its key."""
    wanted = chat_query(session, filters, now)
    if filters.status == "listed":
        wanted.conditions.append(Chat.status == "active")
    # ``review || ''`` is the same test without the index on ``chats.review``: left usable,
    # SQLite (without statistics) would walk all 10,000 chats instead of one week of
    # occurrences. PostgreSQL, which keeps statistics, plans either form the same.
    wanted.conditions = [
        Chat.review.concat("") == "approved" if c is wanted.conditions[0] else c
        for c in wanted.conditions
    ]
    # A chat lasts a day at most: that bounds how early a continuing one can have started.
    lower = start - timedelta(minutes=MAX_DURATION) if continuing else start
    on_at_start = ChatOccurrence.ends_at > start
    in_range = and_(ChatOccurrence.starts_at >= lower, ChatOccurrence.starts_at < end, on_at_start)

    def joined(query: Any) -> Any:
        return wanted.apply(query.join(Chat, Chat.id == ChatOccurrence.chat_id).where(in_range))

    unfiltered = Filters(zone=filters.zone, limit=filters.limit, offset=filters.offset)
    if filters == unfiltered:
        # Occurrences ahead exist only for active, listed chats (they are rewritten when a
        # chat is paused, retired or waits for review): the index alone counts those. The past
        # keeps the history of chats paused since, so that part is counted through the chats.
        split = min(max(start, now), end)
        ahead = select(func.count()).select_from(ChatOccurrence)
        ahead = ahead.where(ChatOccurrence.starts_at >= split, ChatOccurrence.starts_at < end)
        total = int(await session.scalar(ahead) or 0)
        if lower < split:
            past = select(func.count()).select_from(ChatOccurrence)
            past = past.join(Chat, Chat.id == ChatOccurrence.chat_id)
            past = wanted.apply(past).where(
                ChatOccurrence.starts_at >= lower, ChatOccurrence.starts_at < split, on_at_start
            )
            total += int(await session.scalar(past) or 0)
    else:
        count = joined(select(func.count()).select_from(ChatOccurrence))
        total = int(await session.scalar(count) or 0)
    rows = await session.execute(
        joined(select(*HAPPENING, *BRIEF[1:]))
        .order_by(ChatOccurrence.starts_at, ChatOccurrence.chat_id)
        .limit(limit)
    )
    return _happenings(rows), total


# The reconciler keeps every active chat's occurrences stored up to HORIZON ahead, less a day at
# most; a window that ends later is (partly) expanded from the chats' schedules instead.
STORED = HORIZON - timedelta(days=2)


async def beyond_stored(
    session: AsyncSession, filters: Filters, *, start: datetime, end: datetime, now: datetime
) -> list[Happening]:
    """Occurrences in [start, end), or still on at ``start``, of the active chats matching
    ``filters`` that lie past the chat's stored occurrences (``Chat.expanded_until``),
    expanded from their schedules. The agenda of a week months or years ahead is then the
    same as if it had been stored."""
    if end <= now + STORED:
        return []
    wanted = chat_query(session, filters, now)
    wanted.conditions += [Chat.status == "active", Chat.expanded_until < end]
    # Columns, not Chat objects: a far week reads every active chat (10,000 in the benchmark).
    columns: Any = select(*BRIEF, *SCHEDULE_COLUMNS)
    rows = (await session.execute(wanted.apply(columns))).all()
    exceptions: dict[int, list[ChatException]] = {}
    for exception in await session.scalars(
        select(ChatException).where(ChatException.chat_id.in_(wanted.apply(select(Chat.id))))
    ):
        exceptions.setdefault(exception.chat_id, []).append(exception)
    found: list[Happening] = []
    for row in rows:
        brief = ChatBrief(*row[: len(BRIEF)])
        starts_on, start_time, duration, rule, stored_until = row[len(BRIEF) :]
        own = exceptions.get(brief.id, [])
        schedule = Schedule(
            starts_on,
            start_time,
            brief.time_zone,
            duration,
            rule,
            frozenset(e.local_date for e in own if e.moved_to is None),
            {e.local_date: e.moved_to for e in own if e.moved_to is not None},
        )
        earliest = max(start - timedelta(minutes=MAX_DURATION), stored_until or now)
        for o in schedule.occurrences(earliest, end):
            if o.ends_at > start:
                found.append(Happening(brief, o.starts_at, o.ends_at, o.moved))
    found.sort(key=lambda h: (h.starts_at, h.chat.id))
    return found


async def agenda(
    session: AsyncSession,
    filters: Filters,
    *,
    start: date | None,
    now: datetime,
    limit: int = AGENDA_LIMIT,
) -> Agenda:
    """Seven days of occurrences in the viewer's zone, day by day, from ``start`` (today by
    default: a week ahead is what people plan with; earlier weeks are history). An occurrence
    still on at the first day's midnight (one under way now, on today's) is on the first day;
    weeks past the stored occurrences are expanded from the schedules (:func:`beyond_stored`)."""
    zone = ZoneInfo(filters.zone)
    start_day = start or now.astimezone(zone).date()
    begin = to_instant(datetime.combine(start_day, time(0)), zone)
    end = to_instant(datetime.combine(start_day + timedelta(days=7), time(0)), zone)
    limit = min(limit, MAX_AGENDA)
    rows, total = await occurrences_between(
        session, filters, start=begin, end=end, now=now, limit=limit, continuing=True
    )
    extra = await beyond_stored(session, filters, start=begin, end=end, now=now)
    if extra:
        total += len(extra)
        rows = sorted(rows + extra, key=lambda h: (h.starts_at, h.chat.id))[:limit]
    days = [Day(start_day + timedelta(days=i), []) for i in range(7)]
    for happening in rows:
        local_start = happening.starts_at.astimezone(zone)
        index = (local_start.date() - start_day).days
        if index < 7:
            days[max(index, 0)].slots.append(
                Slot(
                    chat=happening.chat,
                    starts_at=happening.starts_at,
                    ends_at=happening.ends_at,
                    local_start=local_start,
                    local_end=happening.ends_at.astimezone(zone),
                    moved=happening.moved,
                    live=happening.starts_at <= now < happening.ends_at,
                    continued=index < 0,
                )
            )
    return Agenda(start_day, filters.zone, days, total, len(rows))


async def live_now(session: AsyncSession, *, now: datetime, limit: int = 12) -> list[Happening]:
    """Occurrences under way at ``now`` (a chat lasts a day at most)."""
    rows = await session.execute(
        select(*HAPPENING, *BRIEF[1:])
        .join(Chat, Chat.id == ChatOccurrence.chat_id)
        .where(
            ChatOccurrence.starts_at <= now,
            ChatOccurrence.starts_at > now - timedelta(days=1),
            ChatOccurrence.ends_at > now,
            Chat.review.concat("") == "approved",  # no index: see occurrences_between
            Chat.status == "active",
        )
        .order_by(ChatOccurrence.starts_at, ChatOccurrence.chat_id)
        .limit(limit)
    )
    return _happenings(rows)


async def starting_soon(
    session: AsyncSession, *, now: datetime, hours: int = 3, limit: int = 12
) -> list[Happening]:
    rows, _ = await occurrences_between(
        session,
        Filters(),
        start=now + timedelta(seconds=1),
        end=now + timedelta(hours=hours),
        now=now,
        limit=limit,
    )
    return rows
