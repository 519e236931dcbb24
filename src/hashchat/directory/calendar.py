"""Calendar feeds (RFC 5545): one per chat, and a person's feed of the chats they follow.

Each chat is one VEVENT whose DTSTART carries the chat's own zone (TZID, with its VTIMEZONE),
its RRULE as written, EXDATEs for skipped occurrences and an extra VEVENT with RECURRENCE-ID
for each moved one, so a calendar application expands exactly the occurrences hashchat lists,
daylight-saving changes included. A paused or retired chat's rule ends (UNTIL) when it stopped:
its past stays in people's calendars, its future goes. Every event has a reminder alarm.

Two things are written so that they mean what hashchat means:

* the length as an exact DURATION in hours and minutes: RFC 5545 reads ``P1D`` as a calendar
  day, which is 23 or 25 hours on the day the clocks change, while a 24-hour chat lasts 24;
* each zone's VTIMEZONE from its own transitions (directory/vtimezone.py), all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event, vDuration, vRecur

from hashchat import urls
from hashchat.directory import links
from hashchat.directory.models import Chat
from hashchat.directory.schedule import Schedule
from hashchat.directory.vtimezone import vtimezone

PRODID = "-//hashchat//chat directory//EN"
DEFAULT_ALARM = 15  # minutes before, when the person has not chosen


@dataclass(frozen=True, slots=True)
class Entry:
    chat: Chat
    schedule: Schedule
    alarm_minutes: int | None  # None: no alarm


class ExactDuration(vDuration):
    """A DURATION in hours and minutes only (PT24H, never P1D: see the module's docstring)."""

    def to_ical(self) -> bytes:
        minutes = int(self.td.total_seconds()) // 60
        hours, rest = divmod(minutes, 60)
        text = "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")
        return text.encode()


def _uid(chat: Chat) -> str:
    host = urlsplit(urls.base()).hostname or "hashchat"
    return f"chat-{chat.id}@{host}"


def _rule(entry: Entry) -> vRecur | None:
    """The RRULE, ended when the chat was paused or retired."""
    schedule, chat = entry.schedule, entry.chat
    if not schedule.rrule:
        return None
    parts = schedule.rrule.split(";")
    if chat.status != "active":
        stopped = chat.status_changed_at.astimezone(UTC)
        kept = [p for p in parts if not p.startswith(("COUNT=", "UNTIL="))]
        until = [p for p in parts if p.startswith("UNTIL=")]
        if until:
            written = datetime.strptime(until[0][6:], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            stopped = min(stopped, written)
        parts = [*kept, f"UNTIL={stopped:%Y%m%dT%H%M%SZ}"]
    rule: vRecur = vRecur.from_ical(";".join(parts))
    return rule


def _event(entry: Entry, start: datetime, *, stamp: datetime) -> Event:
    chat = entry.chat
    event = Event()
    event.add("uid", _uid(chat))
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("dtstart", start)
    event.add("duration", ExactDuration(timedelta(minutes=entry.schedule.duration_minutes)))
    event.add("summary", f"#{chat.hashtag}: {chat.title}")
    page = links.chat(chat.hashtag)
    details = f"{chat.description}\n\n{page}" if chat.description else page
    event.add("description", details)
    event.add("url", page)
    event.add("location", urls.live(chat.hashtag))
    topics = [t for t in chat.topics.split(", ") if t]
    if topics:
        event.add("categories", topics)
    event.add("status", "CONFIRMED")
    if entry.alarm_minutes is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"#{chat.hashtag} starts in {entry.alarm_minutes} minutes")
        alarm.add("trigger", timedelta(minutes=-entry.alarm_minutes))
        event.add_component(alarm)
    return event


def _events(entry: Entry) -> list[Event]:
    chat, schedule = entry.chat, entry.schedule
    zone = schedule.zone
    stamp = chat.updated_at.astimezone(UTC)
    stopped = chat.status_changed_at if chat.status != "active" else None
    first = schedule.dtstart.replace(tzinfo=zone)
    if stopped is not None and first.astimezone(UTC) >= stopped:
        return []  # it stopped before it ever happened
    main = _event(entry, first, stamp=stamp)
    rule = _rule(entry)
    if rule is not None:
        main.add("rrule", rule)
        skipped = sorted(schedule.skipped)
        if skipped:
            # Only skips: a moved occurrence is replaced by its RECURRENCE-ID event below (an
            # EXDATE for it too would delete the instance that event overrides).
            main.add(
                "exdate",
                [datetime.combine(d, schedule.start_time).replace(tzinfo=zone) for d in skipped],
            )
    events = [main]
    for day in sorted(schedule.moved):
        new_start = schedule.moved[day].replace(tzinfo=zone)
        if stopped is not None and new_start.astimezone(UTC) >= stopped:
            continue
        moved = _event(entry, new_start, stamp=stamp)
        moved.add("recurrence-id", datetime.combine(day, schedule.start_time).replace(tzinfo=zone))
        events.append(moved)
    return events


def feed(entries: list[Entry], *, name: str, description: str, now: datetime) -> bytes:
    """A whole calendar, with the VTIMEZONEs its events use."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(timedelta(hours=1)))
    for entry in entries:
        for event in _events(entry):
            calendar.add_component(event)
    first = min((e.schedule.starts_on for e in entries), default=now.date())
    first = min(first, now.date()) - timedelta(days=366)
    first = date(first.year, 1, 1)  # one VTIMEZONE per zone and year: they are cached
    # Before the events that use them, as calendar applications prefer.
    zones = [vtimezone(name, first=first, now=now) for name in sorted(calendar.get_missing_tzids())]
    calendar.subcomponents[:0] = zones
    return bytes(calendar.to_ical())
