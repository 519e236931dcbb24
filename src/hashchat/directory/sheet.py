"""One row of a chat spreadsheet read into a listing's fields, with every problem of the row
(not only the first), each named by its column.

The cells are read as people write them (directory/plain.py); then what they say together is
checked: a day and a recurrence that name different weekdays, a time range and a duration that
differ, or a zone after the time and a zone column that disagree, are refused with the question
rather than one of them silently winning.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from hashchat.directory.plain import (
    DAY_NAMES,
    Pattern,
    read_day,
    read_duration,
    read_recurrence,
    read_time,
    read_zone,
)
from hashchat.directory.schedule import WEEKDAYS, Schedule, check_schedule, describe_duration
from hashchat.directory.service import ChatFields
from hashchat.directory.validation import (
    check_chat_language,
    check_description,
    check_hashtag,
    check_link,
    check_title,
    check_topics,
    host_handles,
)
from hashchat.errors import Invalid

T = TypeVar("T")

# The schedule's field names, as the spreadsheet calls them.
COLUMN_OF = {
    "starts_on": "start date",
    "start_time": "time",
    "time_zone": "time zone",
    "duration_minutes": "duration",
    "rrule": "recurrence",
    "repeat": "recurrence",
    "weekday": "day",
    "nth": "recurrence",
}


class Problems:
    """The problems found in one row, in the order the columns are read."""

    def __init__(self) -> None:
        self.found: list[Invalid] = []

    def add(self, message: str, column: str) -> None:
        self.found.append(Invalid(message, field=column))

    def attempt(self, read: Callable[[], T]) -> T | None:
        """``read()``, or None with its Invalid kept."""
        try:
            return read()
        except Invalid as exc:
            self.found.append(Invalid(exc.message, field=COLUMN_OF.get(exc.field or "", exc.field)))
            return None


def _days(days: tuple[int, ...]) -> str:
    return " and ".join(DAY_NAMES[d] for d in days)


def _byday(days: tuple[int, ...], weeks: tuple[int, ...] = ()) -> str:
    if not weeks:
        return ",".join(WEEKDAYS[d] for d in days)
    return ",".join(f"{w}{WEEKDAYS[d]}" for w in weeks for d in days)


def _agree(day: Pattern, recurrence: Pattern, problems: Problems) -> None:
    """The day and recurrence columns must not say different things."""
    if day.weekdays and recurrence.weekdays and not set(day.weekdays) <= set(recurrence.weekdays):
        said = (
            f"{day.date.isoformat()} is a {_days(day.weekdays)}"
            if day.date
            else f"the day says {_days(day.weekdays)}"
        )
        problems.add(
            f"{said} but the recurrence says {recurrence.words()}: which is it?", "recurrence"
        )
    elif recurrence.kind == "daily" and day.weekdays and day.date is None:
        problems.add(
            f"the day says {_days(day.weekdays)} but the recurrence says every day: which is it?",
            "recurrence",
        )
    elif (day.kind and recurrence.kind and day.kind != recurrence.kind) or (
        day.weeks and recurrence.weeks and day.weeks != recurrence.weeks
    ):
        problems.add(
            f"the day says {day.words()} but the recurrence says {recurrence.words()}: which is "
            "it?",
            "recurrence",
        )


def _rule(day: Pattern, recurrence: Pattern | None, first: date | None) -> str:
    """The RRULE the two columns say together (they agree: see :func:`_agree`)."""
    if recurrence is not None and recurrence.kind == "rrule":
        return recurrence.rrule
    kind = (recurrence.kind if recurrence else None) or day.kind or "weekly"
    weekdays = (recurrence.weekdays if recurrence else ()) or day.weekdays
    weeks = (recurrence.weeks if recurrence else ()) or day.weeks
    if kind == "once":
        return ""
    if kind == "daily":
        return "FREQ=DAILY"
    if not weekdays:
        raise Invalid("say which day of the week (Wednesday)", field="day")
    if kind == "weekly":
        return f"FREQ=WEEKLY;BYDAY={_byday(weekdays)}"
    if kind == "fortnightly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={_byday(weekdays)}"
    if not weeks:
        if first is None or first.day > 28:
            raise Invalid(
                'say which week of the month, such as "monthly, 2nd" or "last Friday monthly"',
                field="recurrence",
            )
        weeks = ((first.day - 1) // 7 + 1,)
    return f"FREQ=MONTHLY;BYDAY={_byday(weekdays, weeks)}"


def _iso(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a date (YYYY-MM-DD)", field=column) from None


def read_schedule(row: dict[str, str], *, today: Callable[[str], date]) -> tuple[
    Schedule | None, list[Invalid]
]:  # fmt: skip
    """The row's schedule, or None and what is wrong. ``today`` gives today's date in a zone
    (the first occurrence is on or after it when the row gives no date)."""
    problems = Problems()
    day = problems.attempt(lambda: read_day(row.get("day", "")))
    recurrence = problems.attempt(lambda: read_recurrence(row.get("recurrence", "")))
    clock = None
    if row.get("time", "").strip():
        clock = problems.attempt(lambda: read_time(row["time"]))
    else:
        problems.add("give the time the chat starts, such as 20:00 or 8pm", "time")
    zone_cell = row.get("time zone", "").strip()
    zone = problems.attempt(lambda: read_zone(zone_cell)) if zone_cell else None
    if clock is not None and clock.zone:
        said = problems.attempt(lambda: read_zone(clock.zone, field="time"))
        if said and zone and said != zone:
            problems.add(
                f"the time says {clock.zone} ({said}) but the time zone column says {zone_cell} "
                f"({zone}): which is it?",
                "time zone",
            )
        zone = zone or said
    elif not zone_cell:
        problems.add("give the time zone: in its column, or after the time (8pm ET)", "time zone")
    minutes = None
    if row.get("duration", "").strip():
        minutes = problems.attempt(lambda: read_duration(row["duration"]))
    if clock is not None and clock.minutes and minutes and clock.minutes != minutes:
        problems.add(
            f"the time {row['time'].strip()!r} lasts {describe_duration(clock.minutes)} but the "
            f"duration says {describe_duration(minutes)}: which is it?",
            "duration",
        )
    first = day.date if day else None
    if row.get("start date", "").strip():
        first = problems.attempt(lambda: _iso(row["start date"].strip(), "start date"))
    if day is not None and recurrence is not None:
        _agree(day, recurrence, problems)
    rule = None
    if day is not None and not problems.found:
        rule = problems.attempt(lambda: _rule(day, recurrence, first))
        if rule == "" and first is None:
            problems.add("a one-off chat needs its date in the day or start date column", "day")
    if problems.found or clock is None or zone is None or rule is None:
        return None, problems.found
    start = first or today(zone)
    schedule = problems.attempt(
        lambda: check_schedule(
            starts_on=start,
            start_time=clock.start,
            time_zone=zone,
            duration_minutes=minutes or clock.minutes or 60,
            rrule=rule or "",
        )
    )
    return schedule, problems.found


def read_row(
    row: dict[str, str], *, today: Callable[[str], date]
) -> tuple[ChatFields | None, list[Invalid]]:
    """A spreadsheet row as a listing's fields, or None and every problem of the row."""
    problems = Problems()
    tag = problems.attempt(lambda: check_hashtag(row.get("hashtag", "")))
    title = problems.attempt(lambda: check_title(row.get("title", "")))
    schedule, schedule_problems = read_schedule(row, today=today)
    problems.found += schedule_problems
    description = problems.attempt(lambda: check_description(row.get("description", "")))
    topics = problems.attempt(lambda: check_topics(row.get("topics", "")))
    language = problems.attempt(lambda: check_chat_language(row.get("language", "")))
    link = problems.attempt(lambda: check_link(row.get("link", "")))
    hosts = problems.attempt(lambda: host_handles(row.get("hosts", "")))
    if problems.found:
        return None, problems.found
    assert tag is not None and title is not None and schedule is not None
    assert description is not None and topics is not None and link is not None
    fields = ChatFields(
        tag[0], tag[1], title, description, topics, language, link, schedule, hosts or []
    )
    return fields, []
