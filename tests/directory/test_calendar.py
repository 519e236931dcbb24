"""Calendar feeds, read back the way calendar applications read them: parsed by icalendar and
expanded by recurring-ical-events, the occurrences must be the ones hashchat lists, across
daylight-saving changes, skipped and moved occurrences included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import icalendar
import pytest
import recurring_ical_events
import time_machine
from sqlalchemy import select

from hashchat.directory import follows, service
from hashchat.directory.models import CalendarToken
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.directory.conftest import MONDAY, MakeChat

WINDOW = ("2026-02-23", "2026-12-31")


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


async def feed(client: httpx.AsyncClient, path: str) -> icalendar.Calendar:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def expand(calendar: icalendar.Calendar, start: str, end: str) -> list[datetime]:
    events = recurring_ical_events.of(calendar).between(
        datetime.fromisoformat(start).replace(tzinfo=UTC),
        datetime.fromisoformat(end).replace(tzinfo=UTC),
    )
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in events)


async def listed(client: httpx.AsyncClient, tag: str, start: str, end: str) -> list[datetime]:
    response = await client.get(f"/api/v1/chats/{tag}/occurrences?from={start}&to={end}&tz=UTC")
    assert response.status_code == 200, response.text
    return [datetime.fromisoformat(o["starts_at"].replace("Z", "+00:00")) for o in response.json()]


SCHEDULES = [
    # zone, weekday, time, repeat, nth: each crosses its zone's clock changes in 2026
    ("America/New_York", "WE", "20:00", "weekly", None),
    ("America/New_York", "SU", "02:30", "weekly", None),  # the spring gap
    ("America/New_York", "SU", "01:30", "weekly", None),  # the autumn fold
    ("Europe/London", "SU", "01:30", "monthly", -1),  # the last Sunday: both changes
    ("Australia/Sydney", "SU", "02:30", "fortnightly", None),
    ("Australia/Lord_Howe", "SU", "02:00", "weekly", None),  # a half-hour change
]


@pytest.mark.parametrize(("zone", "weekday", "at", "repeat", "nth"), SCHEDULES)
async def test_feed_expands_to_the_occurrences_hashchat_lists(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    make_chat: MakeChat,
    clock: None,
    zone: str,
    weekday: str,
    at: str,
    repeat: str,
    nth: int | None,
) -> None:
    host = await make_account("host")
    extra = {"nth": nth} if nth else {}
    chat = await make_chat(
        host, time_zone=zone, weekday=weekday, start_time=at, repeat=repeat, **extra
    )
    calendar = await feed(client, f"/chats/{chat.hashtag}.ics")
    ours = await listed(client, chat.hashtag, *WINDOW)
    assert len(ours) >= 9
    assert expand(calendar, *WINDOW) == ours
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [zone]


async def test_skipped_and_moved_occurrences_and_the_alarm(
    client: httpx.AsyncClient,
    db: Database,
    make_account: MakeAccount,
    make_chat: MakeChat,
    clock: None,
) -> None:
    host = await make_account("host")
    chat = await make_chat(host, hashtag="WriteChat", description="Bring a *line*.")
    await service.skip_occurrence(db=db, actor=host, tag="writechat", day="2026-03-11")
    await service.move_occurrence(
        db=db, actor=host, tag="writechat", day="2026-03-18", to="2026-03-19T18:00"
    )
    calendar = await feed(client, "/chats/WriteChat.ics")
    ours = await listed(client, "writechat", *WINDOW)
    theirs = expand(calendar, *WINDOW)
    assert theirs == ours
    assert datetime(2026, 3, 12, 0, 0, tzinfo=UTC) not in theirs  # skipped
    assert datetime(2026, 3, 19, 22, 0, tzinfo=UTC) in theirs  # moved: 18:00 EDT
    assert datetime(2026, 3, 19, 0, 0, tzinfo=UTC) not in theirs
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    main, moved = events
    assert main["UID"] == moved["UID"] == f"chat-{chat.id}@testserver"
    assert str(main["SUMMARY"]) == "#WriteChat: Chat number 1"
    assert "Bring a *line*." in str(main["DESCRIPTION"])
    assert str(main["URL"]) == "http://testserver/chats/WriteChat"
    assert main["DTSTART"].params["TZID"] == "America/New_York"
    assert main["RRULE"]["FREQ"] == ["WEEKLY"]
    assert moved["RECURRENCE-ID"].dt.isoformat() == "2026-03-18T20:00:00-04:00"
    alarm = main.walk("VALARM")[0]
    assert alarm["ACTION"] == "DISPLAY" and alarm["TRIGGER"].dt == timedelta(minutes=-15)
    later = await feed(client, "/chats/writechat.ics?alarm=60")
    assert later.walk("VALARM")[0]["TRIGGER"].dt == timedelta(minutes=-60)
    assert (await feed(client, "/chats/writechat.ics?alarm=0")).walk("VALARM") == []
    bad = await client.get("/chats/writechat.ics?alarm=soon")
    assert bad.status_code == 422
    # Calendar apps poll: an unchanged feed answers 304.
    first = await client.get("/chats/writechat.ics")
    again = await client.get(
        "/chats/writechat.ics", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


async def test_a_paused_chat_keeps_its_past_and_loses_its_future(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    with time_machine.travel(MONDAY, tick=True):
        await make_chat(host, hashtag="pausedchat")
    with time_machine.travel(datetime(2026, 3, 16, tzinfo=UTC), tick=True):
        await service.set_status(db=db, actor=host, tag="pausedchat", status="paused")
        calendar = await feed(client, "/chats/pausedchat.ics")
    starts = expand(calendar, "2026-02-01", "2026-06-01")
    assert [s.date().isoformat() for s in starts] == ["2026-02-26", "2026-03-05", "2026-03-12"]
    assert "UNTIL" in calendar.walk("VEVENT")[0]["RRULE"]


async def test_the_personal_feed_at_a_secret_address(
    client: httpx.AsyncClient,
    db: Database,
    make_account: MakeAccount,
    make_chat: MakeChat,
    token_for: Any,
    clock: None,
) -> None:
    host = await make_account("host")
    fan = await make_account("fan")
    await make_chat(host, hashtag="nychat", time_zone="America/New_York")
    await make_chat(host, hashtag="ukchat", time_zone="Europe/London", weekday="TH")
    await make_chat(host, hashtag="otherchat")
    await follows.follow_chat(db=db, account=fan, tag="nychat", remind_minutes=30)
    await follows.follow_chat(db=db, account=fan, tag="ukchat")
    token = await token_for(fan)
    made = await client.post("/api/v1/chats/calendar_token", headers=auth(token))
    assert made.status_code == 200
    url = made.json()["url"]
    assert made.json()["webcal"] == "webcal://" + url.split("://")[1]
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    async with db.read() as session:
        stored = await session.scalar(select(CalendarToken.token_hash))
    assert stored is not None and secret not in stored  # only its hash is kept
    calendar = await feed(client, urlsplit(url).path)
    summaries = sorted(str(e["SUMMARY"]).split(":")[0] for e in calendar.walk("VEVENT"))
    assert summaries == ["#nychat", "#ukchat"]
    zones = sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE"))
    assert zones == ["America/New_York", "Europe/London"]
    triggers = {
        str(e["SUMMARY"]).split(":")[0]: e.walk("VALARM")[0]["TRIGGER"].dt
        for e in calendar.walk("VEVENT")
    }
    assert triggers == {"#nychat": timedelta(minutes=-30), "#ukchat": timedelta(minutes=-15)}
    nychat = await listed(client, "nychat", *WINDOW)
    ukchat = await listed(client, "ukchat", *WINDOW)
    assert expand(calendar, *WINDOW) == sorted(nychat + ukchat)
    # a new address replaces the old one; malformed and unknown ones are a clear 404
    again = await client.post("/api/v1/chats/calendar_token", headers=auth(token))
    assert (await client.get(urlsplit(url).path)).status_code == 404
    assert (await client.get(urlsplit(again.json()["url"]).path)).status_code == 200
    for path in ["/calendar/nope.ics", "/calendar/" + "A" * 32 + ".ics"]:
        missing = await client.get(path)
        assert missing.status_code == 404
        assert "no calendar at this address" in missing.text
    assert (await client.get("/calendar/%00.ics")).status_code == 404  # no address holds NUL


async def test_add_to_google_calendar_link(
    client: httpx.AsyncClient, make_account: MakeAccount, make_chat: MakeChat, clock: None
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="nychat", time_zone="America/New_York", title="NY & friends")
    entity = (await client.get("/api/v1/chats/nychat")).json()
    assert entity["ics_url"] == "http://testserver/chats/nychat.ics"
    link = urlsplit(entity["calendar"]["google"])
    params = parse_qs(link.query)
    assert link.netloc == "calendar.google.com"
    assert params["ctz"] == ["America/New_York"]
    assert params["dates"] == ["20260225T200000/20260225T210000"]
    assert params["recur"] == ["RRULE:FREQ=WEEKLY;BYDAY=WE"]
    assert params["text"] == ["#nychat: NY & friends"]


def _rfc_end(start: datetime, duration: str) -> datetime:
    """The end RFC 5545 gives an event (section 3.3.6): days and weeks are nominal (the same
    wall-clock time on a later date), hours and minutes exact."""
    days = int(duration.split("D")[0].lstrip("P")) if "D" in duration else 0
    time_part = duration.split("T")[1] if "T" in duration else ""
    hours = int(time_part.split("H")[0]) if "H" in time_part else 0
    minutes = int(time_part.split("H")[-1].rstrip("M") or 0) if "M" in time_part else 0
    nominal = (start + timedelta(days=days)).astimezone(UTC)  # Python adds wall-clock days
    return nominal + timedelta(hours=hours, minutes=minutes)


async def test_a_24_hour_chat_lasts_24_hours_across_a_clock_change(
    client: httpx.AsyncClient, make_account: MakeAccount, make_chat: MakeChat, clock: None
) -> None:
    """``DURATION:P1D`` is a calendar day: 23 hours on the day New York's clocks go forward.
    The feed says PT24H, and every occurrence ends when hashchat says it does."""
    host = await make_account("host")
    chat = await make_chat(
        host, hashtag="allday", weekday="SA", start_time="12:00", duration_minutes=1440
    )
    response = await client.get("/chats/allday.ics")
    assert b"DURATION:PT24H\r\n" in response.content
    assert b"P1D" not in response.content
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    duration = event["DURATION"].to_ical().decode()
    api = await client.get(
        f"/api/v1/chats/{chat.hashtag}/occurrences?from=2026-03-01&to=2026-03-20"
    )
    spanning = [o for o in api.json() if o["date"] == "2026-03-07"]  # the night of 8 March
    assert len(spanning) == 1
    start = datetime.fromisoformat(spanning[0]["local_start"])
    ends_at = datetime.fromisoformat(spanning[0]["ends_at"].replace("Z", "+00:00"))
    assert ends_at - start.astimezone(UTC) == timedelta(hours=24)
    assert _rfc_end(start, duration) == ends_at
