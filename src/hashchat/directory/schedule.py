"""Schedules: a wall-clock start in an IANA zone, a duration and an RFC 5545 recurrence, with
skipped and moved occurrences; expanded in the chat's own zone, then turned into instants.

Expanding in the chat's zone is what keeps "20:00 in New York" at 20:00 there across
daylight-saving changes; each viewer then sees the instant in their own zone.

Two local times need a rule, and hashchat follows RFC 5545 (section 3.3.5), which is also what
calendar applications do with the feeds we publish, so both agree:

* a start time that does not exist on a day the clocks go forward (02:30 in New York on the
  second Sunday of March) is read with the offset from before the gap, so the occurrence starts
  that much later by the clock: 03:30;
* a start time that happens twice on a day the clocks go back (01:30 on the first Sunday of
  November) is the first of the two (Python's ``fold=0``): 01:30 daylight time.

:func:`clock_notes` says so, in words, for the occurrences concerned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY as DAILY_FREQ
from dateutil.rrule import MONTHLY as MONTHLY_FREQ
from dateutil.rrule import WEEKLY as WEEKLY_FREQ
from dateutil.rrule import YEARLY as YEARLY_FREQ
from dateutil.rrule import rrule as DateRule
from dateutil.rrule import rrulestr

from hashchat import parsing
from hashchat.accounts.validation import check_time_zone
from hashchat.errors import Invalid

MAX_DURATION = 24 * 60
MIN_DURATION = 5
MAX_EXPANSION = 1000  # occurrences handed out by one call, whatever the window
FIRST_WITHIN_YEARS = 5  # the first occurrence must come within this long of the start date

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
REPEATS = ("once", "weekly", "fortnightly", "monthly", "custom")
FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ALLOWED_PARTS = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
MAX_INTERVAL = {"DAILY": 366, "WEEKLY": 52, "MONTHLY": 24, "YEARLY": 10}
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # the most each month can have
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


@lru_cache(maxsize=1024)
def zone_of(name: str) -> ZoneInfo:
    """The zone, kept: ZoneInfo's own cache holds only the last few strongly, and the agenda of
    a far week builds a schedule for every chat (24 zones: the file read again and again)."""
    return ZoneInfo(name)


def to_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in ``zone`` (RFC 5545: in a gap, the offset from
    before it; when the time happens twice, the first)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def clock_issue(local: datetime, zone: ZoneInfo) -> str | None:
    """ "gap" when ``local`` does not exist in ``zone``, "fold" when it happens twice, else None."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return "gap" if back != local else "fold"


@dataclass(frozen=True, slots=True)
class Occurrence:
    local_date: date  # the original date (its RECURRENCE-ID), also for a moved one
    local_start: datetime  # naive wall clock in the chat's zone, where it really starts
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    moved: bool = False


# -- recurrence rules ----------------------------------------------------------------------------


def _parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body:
        raise Invalid("the recurrence rule is empty", field="rrule")
    parts: dict[str, str] = {}
    for piece in body.strip().strip(";").split(";"):
        name, sep, value = piece.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value:
            raise Invalid(f"{piece!r} is not NAME=VALUE in an RRULE", field="rrule")
        if name in parts:
            raise Invalid(f"{name} appears twice in the rule", field="rrule")
        parts[name] = value
    return parts


def _int_list(parts: dict[str, str], name: str, high: int, *, signed: bool = True) -> list[int]:
    """The numbers of a BYxxx part: never 0, at most ``high`` in size, negative if ``signed``."""
    if name not in parts:
        return []
    values = []
    for item in parts[name].split(","):
        try:
            number = int(item)
        except ValueError:
            raise Invalid(f"{name} takes numbers, not {item!r}", field="rrule") from None
        if number == 0 or abs(number) > high or (number < 0 and not signed):
            raise Invalid(f"{name}={item} is out of range", field="rrule")
        values.append(number)
    return values


def _until(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as an aware UTC instant: a date means the end of that local day; a time without Z
    is local to the chat's zone."""
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d")
            return to_instant(day.replace(hour=23, minute=59, second=59), zone)
        if value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return to_instant(datetime.strptime(value, "%Y%m%dT%H%M%S"), zone)
    except ValueError:
        raise Invalid(
            f"UNTIL={value} is not a date (YYYYMMDD) or UTC time (YYYYMMDDTHHMMSSZ)", field="rrule"
        ) from None


def canonical_rule(text: str, zone: ZoneInfo) -> str:
    """The rule checked part by part and written in one canonical order (UNTIL in UTC, as RFC
    5545 wants with a zoned DTSTART); Invalid says what is wrong. It does not check that the
    rule ever happens: :func:`check_schedule` does."""
    parts = _parts(text)
    unknown = [p for p in parts if p not in ALLOWED_PARTS]
    for name in unknown:
        if name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            raise Invalid(
                f"{name} is not supported: the start time is set on its own and a chat happens "
                "at most once a day",
                field="rrule",
            )
        raise Invalid(f"{name} is not supported in a chat's recurrence", field="rrule")
    freq = parts.get("FREQ")
    if freq is None:
        raise Invalid("the rule needs FREQ (WEEKLY, MONTHLY ...)", field="rrule")
    if freq not in FREQS:
        raise Invalid(
            f"FREQ={freq} is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY", field="rrule"
        )
    out: list[str] = [f"FREQ={freq}"]
    interval = _int_list(parts, "INTERVAL", MAX_INTERVAL[freq], signed=False)
    if len(interval) > 1:
        raise Invalid("INTERVAL is one positive number", field="rrule")
    if interval and interval[0] != 1:
        out.append(f"INTERVAL={interval[0]}")
    months = _int_list(parts, "BYMONTH", 12, signed=False)
    if months:
        out.append("BYMONTH=" + ",".join(map(str, sorted(set(months)))))
    monthdays = _int_list(parts, "BYMONTHDAY", 31)
    if monthdays and freq == "WEEKLY":
        raise Invalid("BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)", field="rrule")
    if monthdays and months:
        possible = [(m, d) for m in months for d in monthdays if abs(d) <= MONTH_DAYS[m - 1]]
        if not possible:
            names = ", ".join(date(2000, m, 1).strftime("%B") for m in sorted(set(months)))
            raise Invalid(
                f"this recurrence never happens: {names} never has day "
                + ", ".join(str(d) for d in monthdays),
                field="rrule",
            )
    if monthdays:
        out.append("BYMONTHDAY=" + ",".join(map(str, monthdays)))
    days: list[str] = []
    if "BYDAY" in parts:
        for item in parts["BYDAY"].split(","):
            match = _BYDAY.match(item)
            if not match:
                raise Invalid(f"BYDAY={item} is not a weekday such as WE or 2WE", field="rrule")
            if match.group(1):
                n = int(match.group(1))
                limit = 53 if freq == "YEARLY" and not months else 5
                if freq not in ("MONTHLY", "YEARLY"):
                    raise Invalid(
                        f"BYDAY={item}: a numbered weekday needs FREQ=MONTHLY or YEARLY",
                        field="rrule",
                    )
                if n == 0 or abs(n) > limit:
                    raise Invalid(f"BYDAY={item}: there is no such week", field="rrule")
                days.append(f"{n}{match.group(2)}")
            else:
                days.append(match.group(2))
        out.append("BYDAY=" + ",".join(days))
    setpos = _int_list(parts, "BYSETPOS", 366)
    if setpos:
        if not (days or monthdays or months):
            raise Invalid("BYSETPOS needs BYDAY, BYMONTHDAY or BYMONTH", field="rrule")
        if freq in ("DAILY", "WEEKLY"):
            size = 1 if freq == "DAILY" else max(1, len(days))
            if any(abs(p) > size for p in setpos):
                raise Invalid(
                    "this recurrence never happens: BYSETPOS asks for more days than each "
                    "period has",
                    field="rrule",
                )
        out.append("BYSETPOS=" + ",".join(map(str, setpos)))
    if "WKST" in parts:
        if parts["WKST"] not in WEEKDAYS:
            raise Invalid(f"WKST={parts['WKST']} is not a weekday", field="rrule")
        if parts["WKST"] != "MO":
            out.append(f"WKST={parts['WKST']}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise Invalid("a rule has COUNT or UNTIL, not both (RFC 5545)", field="rrule")
    count = _int_list(parts, "COUNT", MAX_EXPANSION, signed=False)
    if count:
        if len(count) > 1:
            raise Invalid("COUNT is one positive number", field="rrule")
        out.append(f"COUNT={count[0]}")
    if "UNTIL" in parts:
        until = _until(parts["UNTIL"], zone)
        out.append(f"UNTIL={until.strftime('%Y%m%dT%H%M%SZ')}")
    return ";".join(out)


def _local_rule(rule: str, dtstart: datetime, zone: ZoneInfo) -> DateRule:
    """A dateutil rule over naive local times: UNTIL (UTC in the text) turned local."""
    parts = rule.split(";")
    local_parts = []
    until: datetime | None = None
    for part in parts:
        if part.startswith("UNTIL="):
            instant = datetime.strptime(part[6:], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            until = instant.astimezone(zone).replace(tzinfo=None)
        else:
            local_parts.append(part)
    made = rrulestr(";".join(local_parts), dtstart=dtstart)
    assert isinstance(made, DateRule)
    return made.replace(until=until) if until is not None else made


def _never_happens(rule: str, dtstart: datetime) -> bool:
    """True when the rule's pattern has no occurrence at all. The Gregorian calendar repeats
    every 400 years, so the rule is tried from the same date moved close to year 9999: dateutil
    then gives up after at most 800 years of periods instead of 8,000 (seconds, for a rule such
    as FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9)."""
    pattern = ";".join(p for p in rule.split(";") if not p.startswith(("COUNT=", "UNTIL=")))
    shift = (9599 - dtstart.year) // 400 * 400
    probe_start = dtstart.replace(year=dtstart.year + shift)
    probe = rrulestr(pattern, dtstart=probe_start)
    return probe.after(probe_start, inc=True) is None


def _months(start: datetime, end: datetime) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def rule_near(rule: DateRule, first: datetime) -> DateRule:
    """``rule`` with its DTSTART moved forward by whole periods (days, weeks, months or years
    times INTERVAL) to the start of a period shortly before ``first``: the same occurrences
    from ``first`` on. dateutil walks every period from DTSTART, so a weekly chat asked about
    ten years ahead costs 520 steps (28 ms); moved, it costs two. The parts dateutil would take
    from DTSTART (the weekday, the day of the month, the month) are given explicitly. It stops a
    whole period short of ``first``: days of that period before the new DTSTART (dateutil
    leaves them out) are before ``first`` anyway. A rule with COUNT is not moved: its count
    runs from the real DTSTART (and stops within MAX_EXPANSION occurrences)."""
    start: datetime = rule._dtstart  # type: ignore[attr-defined]
    if rule._count is not None or first <= start:  # type: ignore[attr-defined]
        return rule
    interval: int = rule._interval  # type: ignore[attr-defined]
    freq: int = rule._freq  # type: ignore[attr-defined]
    given: dict[str, object] = rule._original_rule  # type: ignore[attr-defined]
    explicit: dict[str, Any] = {}
    if not any(given.get(k) for k in ("bymonthday", "byweekday", "byyearday", "byweekno")):
        if freq == DAILY_FREQ:
            pass
        elif freq == WEEKLY_FREQ:
            explicit["byweekday"] = (start.weekday(),)
        else:
            explicit["bymonthday"] = (start.day,)
            if freq == YEARLY_FREQ and not given.get("bymonth"):
                explicit["bymonth"] = (start.month,)
    if freq == DAILY_FREQ:
        periods = (first - start).days // interval - 1
        moved = start + timedelta(days=periods * interval)
    elif freq == WEEKLY_FREQ:
        periods = (first - start).days // (7 * interval) - 1
        moved = start + timedelta(weeks=periods * interval)
    elif freq == MONTHLY_FREQ:
        periods = _months(start, first) // interval - 1
        month = start.month - 1 + periods * interval
        moved = start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)
    else:
        periods = (first.year - start.year) // interval - 1
        moved = start.replace(year=start.year + periods * interval, month=1, day=1)
    if periods <= 0:
        return rule
    return rule.replace(dtstart=moved, **explicit)


# -- schedules -----------------------------------------------------------------------------------

_SIMPLE_WEEKLY = re.compile(
    r"FREQ=WEEKLY(?:;INTERVAL=(\d+))?;BYDAY=((?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))*)"
    r"(?:;UNTIL=(\d{8}T\d{6}Z))?"
)


@dataclass(frozen=True, slots=True)
class Weekly:
    """FREQ=WEEKLY;INTERVAL=n;BYDAY=... (weeks from Monday, the canonical WKST), expanded by
    arithmetic: a far window (the agenda a year ahead, over every chat) costs a few steps per
    chat instead of dateutil's rule built and walked (about ten times as long)."""

    days: frozenset[int]
    interval: int
    until: datetime | None  # local wall clock

    def starts(self, dtstart: datetime, first: datetime, last: datetime) -> Iterator[datetime]:
        """The local starts in [first, last] (and on or after DTSTART, up to UNTIL)."""
        week_zero = dtstart.date() - timedelta(days=dtstart.weekday())
        stop = last if self.until is None else min(last, self.until)
        day = max(first.date(), dtstart.date())
        given = 0
        for _ in range(MAX_EXPANSION * 7 * self.interval):
            at = datetime.combine(day, dtstart.time())
            if at > stop:
                return
            weeks = (day - week_zero).days // 7
            if weeks % self.interval:  # not one of the rule's weeks: on to the next Monday
                day += timedelta(days=7 - day.weekday())
                continue
            if day.weekday() in self.days and at >= first:
                yield at
                given += 1
                if given == MAX_EXPANSION:
                    return
            try:
                day += timedelta(days=1)
            except OverflowError:
                return


@dataclass(frozen=True)
class Schedule:
    starts_on: date
    start_time: time
    time_zone: str
    duration_minutes: int
    rrule: str = ""
    skipped: frozenset[date] = frozenset()
    moved: Mapping[date, datetime] = field(default_factory=dict)

    @cached_property
    def zone(self) -> ZoneInfo:
        return zone_of(self.time_zone)

    @property
    def dtstart(self) -> datetime:
        """The first occurrence's local wall-clock start (DTSTART, naive)."""
        return datetime.combine(self.starts_on, self.start_time)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @cached_property
    def rule(self) -> DateRule | None:
        return _local_rule(self.rrule, self.dtstart, self.zone) if self.rrule else None

    @property
    def repeats(self) -> bool:
        return bool(self.rrule)

    @cached_property
    def weekly(self) -> Weekly | None:
        """The rule as weekdays every N weeks when it is only that (most chats' rules)."""
        match = _SIMPLE_WEEKLY.fullmatch(self.rrule)
        if match is None:
            return None
        until = None
        if match.group(3):
            instant = datetime.strptime(match.group(3), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            until = instant.astimezone(self.zone).replace(tzinfo=None)
        days = frozenset(WEEKDAYS.index(d) for d in match.group(2).split(","))
        return Weekly(days, int(match.group(1) or 1), until)

    def local_starts(self, first: datetime, last: datetime) -> Iterator[datetime]:
        """Original local starts (before skips and moves) from ``first`` to ``last``."""
        if self.weekly is not None:  # first: it needs no dateutil rule built
            yield from self.weekly.starts(self.dtstart, first, last)
            return
        if self.rule is None:
            if first <= self.dtstart <= last:
                yield self.dtstart
            return
        for start in rule_near(self.rule, first).xafter(first, count=MAX_EXPANSION, inc=True):
            if start > last:
                return
            yield start

    def _occurrence(self, local_date: date, local_start: datetime, moved: bool) -> Occurrence:
        starts_at = to_instant(local_start, self.zone)
        return Occurrence(local_date, local_start, starts_at, starts_at + self.duration, moved)

    def occurrences(
        self, start: datetime, end: datetime, *, limit: int = MAX_EXPANSION
    ) -> list[Occurrence]:
        """The occurrences whose start instant is in [start, end), skipped ones left out and
        moved ones at their new time, in time order; at most ``limit``."""
        # Local bounds with a day to spare each side: no zone is more than 14 hours off UTC.
        margin = timedelta(days=1, minutes=self.duration_minutes)
        first = start.astimezone(self.zone).replace(tzinfo=None) - margin
        last = end.astimezone(self.zone).replace(tzinfo=None) + margin
        found: list[Occurrence] = []
        for local in self.local_starts(first, last):
            day = local.date()
            if day in self.skipped or day in self.moved:
                continue
            found.append(self._occurrence(day, local, False))
        for day, local in self.moved.items():
            found.append(self._occurrence(day, local, True))
        found = [o for o in found if start <= o.starts_at < end]
        found.sort(key=lambda o: (o.starts_at, o.local_date))
        return found[:limit]

    def overlapping(self, start: datetime, end: datetime) -> list[Occurrence]:
        """Occurrences that are under way at some point in [start, end)."""
        earlier = self.occurrences(start - self.duration - timedelta(days=1), end)
        return [o for o in earlier if o.ends_at > start]

    def next_after(self, instant: datetime) -> Occurrence | None:
        """The first occurrence that has not ended at ``instant`` (ongoing or next)."""
        candidates: list[Occurrence] = []
        for day, local in self.moved.items():
            occurrence = self._occurrence(day, local, True)
            if occurrence.ends_at > instant:
                candidates.append(occurrence)
        since = (instant - self.duration).astimezone(self.zone).replace(tzinfo=None)
        for local in self.local_starts(since - timedelta(days=1), datetime.max):
            day = local.date()
            if day in self.skipped or day in self.moved:
                continue
            occurrence = self._occurrence(day, local, False)
            if occurrence.ends_at > instant:
                candidates.append(occurrence)
                break
        return min(candidates, key=lambda o: o.starts_at, default=None)

    def is_occurrence_date(self, day: date) -> bool:
        """Whether the rule (before skips and moves) has an occurrence on local date ``day``."""
        start = datetime.combine(day, time.min)
        return any(True for _ in self.local_starts(start, start + timedelta(days=1, seconds=-1)))


def check_duration(value: object) -> int:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise Invalid("the duration is a number of minutes", field="duration_minutes") from None
    if minutes < MIN_DURATION:
        raise Invalid(f"a chat lasts at least {MIN_DURATION} minutes", field="duration_minutes")
    if minutes > MAX_DURATION:
        raise Invalid(
            "a chat lasts at most 24 hours (1440 minutes); list a longer event as several "
            "occurrences",
            field="duration_minutes",
        )
    return minutes


def parse_date(value: object, *, field: str) -> date:
    """YYYY-MM-DD, in the years hashchat's arithmetic on dates holds (parsing.py)."""
    return parsing.parse_date(value, field=field)


_TIME_12H = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?$", re.IGNORECASE)


def parse_time(value: object, *, field: str = "start_time") -> time:
    """20:00, 20:00:00, 8pm, 8:30 PM."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    text = str(value).strip()
    match = _TIME_12H.match(text)
    try:
        if match:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            if not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
            return time(hour, minute)
        parsed = time.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a time of day such as 20:00", field=field) from None
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


def parse_local(value: object, *, field: str) -> datetime:
    """A local wall-clock date and time (2026-03-12T20:00 or "2026-03-12 20:00")."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    text = str(value).strip().replace(" ", "T", 1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"{value!r} is not a local date and time (YYYY-MM-DDTHH:MM)", field=field
        ) from None
    if parsed.tzinfo is not None:
        raise Invalid(
            "give the local wall-clock time in the chat's time zone, without an offset",
            field=field,
        )
    return parsing.check_datetime(parsed, field=field).replace(second=0, microsecond=0)


def check_schedule(
    *,
    starts_on: object,
    start_time: object,
    time_zone: object,
    duration_minutes: object,
    rrule: object = "",
    skipped: frozenset[date] = frozenset(),
    moved: Mapping[date, datetime] | None = None,
) -> Schedule:
    """A checked schedule whose DTSTART is its first occurrence (a start date that is not on
    the rule moves forward to the rule's first date, as calendar apps would otherwise count the
    DTSTART itself as an extra occurrence). Invalid names the field at fault."""
    zone_name = check_time_zone(time_zone, field="time_zone")
    zone = zone_of(zone_name)
    day = parse_date(starts_on, field="starts_on")
    at = parse_time(start_time)
    minutes = check_duration(duration_minutes)
    if not isinstance(rrule, str):
        raise Invalid("the recurrence rule is text", field="rrule")
    rule_text = canonical_rule(rrule, zone) if rrule.strip() else ""
    if rule_text:
        dtstart = datetime.combine(day, at)
        if _never_happens(rule_text, dtstart):
            raise Invalid("this recurrence never happens: no date matches it", field="rrule")
        first = _local_rule(rule_text, dtstart, zone).after(dtstart, inc=True)
        if first is None:
            raise Invalid(
                "this recurrence ends (COUNT or UNTIL) before its first occurrence",
                field="rrule",
            )
        if first.date() > day + timedelta(days=366 * FIRST_WITHIN_YEARS):
            raise Invalid(
                f"the first occurrence would be on {first.date():%d %B %Y}, more than "
                f"{FIRST_WITHIN_YEARS} years after the start date",
                field="rrule",
            )
        day = first.date()
    schedule = Schedule(day, at, zone_name, minutes, rule_text, frozenset(), dict(moved or {}))
    kept_skips = frozenset(d for d in skipped if schedule.is_occurrence_date(d))
    kept_moves = {d: m for d, m in (moved or {}).items() if schedule.is_occurrence_date(d)}
    return Schedule(day, at, zone_name, minutes, rule_text, kept_skips, kept_moves)


# -- words ---------------------------------------------------------------------------------------


def picker_rule(repeat: str, weekday: str, nth: int | None) -> str:
    """The RRULE for the form's recurrence picker."""
    if repeat == "once":
        return ""
    if weekday not in WEEKDAYS:
        raise Invalid("choose a day of the week", field="weekday")
    if repeat == "weekly":
        return f"FREQ=WEEKLY;BYDAY={weekday}"
    if repeat == "fortnightly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"
    if repeat == "monthly":
        if nth not in (1, 2, 3, 4, -1):
            raise Invalid("choose which week of the month: first to fourth, or last", field="nth")
        return f"FREQ=MONTHLY;BYDAY={nth}{weekday}"
    raise Invalid("choose how the chat repeats", field="repeat")


@dataclass(frozen=True, slots=True)
class Picked:
    repeat: str
    weekday: str
    nth: int | None


def picked(rule: str, starts_on: date) -> Picked:
    """The picker's fields for a rule (``custom`` when the picker cannot say it)."""
    weekday = WEEKDAYS[starts_on.weekday()]
    if not rule:
        return Picked("once", weekday, None)
    match = re.fullmatch(r"FREQ=WEEKLY(;INTERVAL=2)?;BYDAY=(MO|TU|WE|TH|FR|SA|SU)", rule)
    if match:
        return Picked("fortnightly" if match.group(1) else "weekly", match.group(2), None)
    match = re.fullmatch(r"FREQ=MONTHLY;BYDAY=(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)", rule)
    if match:
        return Picked("monthly", match.group(2), int(match.group(1)))
    return Picked("custom", weekday, None)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_rule(rule: str, starts_on: date, zone: ZoneInfo | None = None) -> str:
    """The recurrence in words: "Every Wednesday", "Monthly on the last Friday". UNTIL is kept
    in UTC (canonical_rule); it is shown as the date it is in the chat's ``zone``: a rule
    written ``UNTIL=20270401`` ends at 23:59:59 on 1 April there, which is 2 April in UTC."""
    if not rule:
        return f"Once, on {starts_on:%A} {starts_on.day} {starts_on:%B %Y}"
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    simple = set(parts) <= {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"}
    tail = ""
    if "COUNT" in parts:
        tail = f", {parts['COUNT']} times"
    elif "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        until = until.astimezone(zone or UTC)
        tail = f", until {until.day} {until:%B %Y}"
    days = parts.get("BYDAY", WEEKDAYS[starts_on.weekday()]).split(",")
    if simple and freq == "WEEKLY" and all(d in WEEKDAYS for d in days):
        names = _and([DAY_NAMES[WEEKDAYS.index(d)] for d in days])
        every = {1: "Every", 2: "Every other"}.get(interval, f"Every {interval} weeks on")
        return f"{every} {names}{tail}"
    if simple and freq == "MONTHLY" and "BYDAY" in parts and len(days) == 1:
        match = _BYDAY.match(days[0])
        if match and match.group(1) and int(match.group(1)) in ORDINALS:
            which = ORDINALS[int(match.group(1))]
            name = DAY_NAMES[WEEKDAYS.index(match.group(2))]
            every = "Monthly" if interval == 1 else f"Every {interval} months"
            return f"{every} on the {which} {name}{tail}"
    if simple and freq == "DAILY" and "BYDAY" not in parts:
        return ("Every day" if interval == 1 else f"Every {interval} days") + tail
    return f"Custom recurrence ({rule})"


def describe_duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    text = "1 hour" if hours == 1 else f"{hours} hours"
    return text + (f" {rest} minutes" if rest else "")


def offset_text(instant: datetime, zone: ZoneInfo) -> str:
    """UTC−04:00 style (with a real minus sign)."""
    offset = instant.astimezone(zone).utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "−"
    total = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{total // 60:02d}:{total % 60:02d}"


def clock_notes(schedule: Schedule, *, after: datetime, years: int = 2, most: int = 3) -> list[str]:
    """What hashchat does with occurrences whose start time does not exist, or exists twice,
    on a day the clocks change, over the next ``years`` years (at most ``most`` sentences, then
    a count of the rest)."""
    zone = schedule.zone
    notes: list[str] = []
    extra = 0
    start = after - timedelta(days=1)
    end = after + timedelta(days=366 * years)
    for occurrence in schedule.occurrences(start, end):
        local = occurrence.local_start
        issue = clock_issue(local, zone)
        if issue is None:
            continue
        if len(notes) >= most:
            extra += 1
            continue
        day = f"{local:%A} {local.day} {local:%B %Y}"
        if issue == "gap":
            actual = occurrence.starts_at.astimezone(zone)
            notes.append(
                f"On {day}, {local:%H:%M} does not exist in {schedule.time_zone} (the clocks "
                f"go forward): that occurrence starts at {actual:%H:%M} local time instead."
            )
        else:
            notes.append(
                f"On {day}, {local:%H:%M} happens twice in {schedule.time_zone} (the clocks go "
                f"back): hashchat uses the first, {local:%H:%M} "
                f"{offset_text(occurrence.starts_at, zone)}."
            )
    if extra:
        notes.append(f"… and {extra} more such days in the next {years} years.")
    return notes


def rule_from(
    *, repeat: object, weekday: object, nth: object, rrule: object, starts_on: object
) -> str:
    """The RRULE a form or a request asks for: a raw ``rrule`` when given (or when
    ``repeat`` is "custom"), else the picker's choice; the weekday defaults to the start
    date's."""
    if repeat in (None, "") and isinstance(rrule, str):
        if not rrule.strip():
            return ""  # an empty rule: a one-off
        repeat = "custom"
    if repeat in (None, ""):
        raise Invalid("choose how the chat repeats (or give an rrule)", field="repeat")
    if not isinstance(repeat, str) or repeat not in REPEATS:
        raise Invalid(f"repeat is one of {', '.join(REPEATS)}", field="repeat")
    if repeat == "custom":
        if not isinstance(rrule, str) or not rrule.strip():
            raise Invalid("write the recurrence as an RFC 5545 RRULE", field="rrule")
        return rrule
    day = str(weekday or "").strip().upper()[:2]
    if not day:
        day = WEEKDAYS[parse_date(starts_on, field="starts_on").weekday()]
    number: int | None = None
    if repeat == "monthly":
        try:
            number = int(str(nth))
        except ValueError:
            raise Invalid(
                "choose which week of the month: first to fourth, or last", field="nth"
            ) from None
    return picker_rule(repeat, day, number)
