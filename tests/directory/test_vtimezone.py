"""The feeds' VTIMEZONEs, read the way a calendar application reads them: through the component
we send, not through a copy of the zone the reader happens to have. The TZID is renamed before
parsing so that icalendar and recurring-ical-events cannot look the zone up and must build it from
our STANDARD/DAYLIGHT parts (with dateutil's tzical); every UTC instant they give must be
zoneinfo's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import httpx
import icalendar
import pytest
import recurring_ical_events
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashchat.directory.vtimezone import transitions, vtimezone
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY, MakeChat

NOW = MONDAY  # 23 February 2026
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def renamed(ics: bytes, zone: str) -> icalendar.Calendar:
    """The feed as a reader without its own copy of ``zone`` sees it."""
    return icalendar.Calendar.from_ical(ics.replace(zone.encode(), b"Hashchat-Test/Zone"))


def test_changes_closer_than_64_days_are_found() -> None:
    """Morocco's clocks go back for Ramadan 2027 (7 February) and forward again five weeks
    later (14 March): icalendar's own generator steps 64 days at a time and misses both."""
    zone = ZoneInfo("Africa/Casablanca")
    found = transitions(zone, datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC))
    assert [(t.at, t.offset_to) for t in found] == [
        (datetime(2027, 2, 7, 2, 0, tzinfo=UTC), timedelta(0)),
        (datetime(2027, 3, 14, 2, 0, tzinfo=UTC), timedelta(hours=1)),
    ]
    tz = vtimezone("Africa/Casablanca", first=date(2025, 1, 1), now=NOW).to_tz(lookup_tzid=False)
    ramadan = datetime(2027, 2, 21, 19, 0, tzinfo=UTC)
    assert ramadan.astimezone(tz).utcoffset() == timedelta(0)
    assert ramadan.astimezone(tz).hour == 19


async def test_a_casablanca_chat_through_ramadan_2027(
    client: httpx.AsyncClient, make_account: MakeAccount, make_chat: MakeChat, clock: None
) -> None:
    host = await make_account("host")
    chat = await make_chat(
        host,
        time_zone="Africa/Casablanca",
        weekday="SU",
        start_time="20:00",
        starts_on="2026-03-01",
    )
    response = await client.get(f"/chats/{chat.hashtag}.ics")
    calendar = renamed(response.content, "Africa/Casablanca")
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2028, 3, 1, tzinfo=UTC))
    theirs = sorted(
        e["DTSTART"].dt.astimezone(UTC) for e in recurring_ical_events.of(calendar).between(*window)
    )
    api = await client.get(
        f"/api/v1/chats/{chat.hashtag}/occurrences?from=2026-03-01&to=2028-03-01&tz=UTC"
    )
    ours = [datetime.fromisoformat(o["starts_at"].replace("Z", "+00:00")) for o in api.json()]
    zone = ZoneInfo("Africa/Casablanca")
    # 20:00 on the clock in Casablanca, whatever its offset that week
    assert all(o.astimezone(zone).hour == 20 for o in ours)
    assert len(ours) > 100
    assert theirs == ours
    # the Ramadan weeks of 2027 are at 20:00 UTC (+00), the others at 19:00 UTC (+01)
    assert datetime(2027, 2, 21, 20, 0, tzinfo=UTC) in theirs
    assert datetime(2027, 3, 21, 19, 0, tzinfo=UTC) in theirs


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zone=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 2, 1)),
    seconds=st.lists(st.integers(0, 60 * 366 * 86400), min_size=1, max_size=40),
)
def test_any_zone_at_any_instant_reads_as_zoneinfo(
    zone: str, first: date, seconds: list[int]
) -> None:
    """From the feed's first date on, for the next 60 years, every instant has the offset the
    tz database gives it, read through the VTIMEZONE by dateutil's parser."""
    component = vtimezone(zone, first=first, now=NOW)
    parsed = icalendar.Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\n" + component.to_ical() + b"END:VCALENDAR\r\n"
    )
    tz = parsed.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    real = ZoneInfo(zone)
    start = datetime.combine(first, datetime.min.time(), UTC) + timedelta(days=1)
    for offset in seconds:
        instant = start + timedelta(seconds=offset)
        assert instant.astimezone(tz).utcoffset() == instant.astimezone(real).utcoffset(), (
            zone,
            instant,
        )


def test_regular_zones_end_in_a_yearly_rule_and_irregular_ones_are_written_out() -> None:
    new_york = vtimezone("America/New_York", first=date(2025, 1, 1), now=NOW).to_ical()
    assert b"RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in new_york
    assert len(new_york) < 1500
    jerusalem = vtimezone("Asia/Jerusalem", first=date(2025, 1, 1), now=NOW).to_ical()
    # the Friday before the last Sunday of March
    assert b"BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29;BYMONTH=3" in jerusalem
    casablanca = vtimezone("Africa/Casablanca", first=date(2025, 1, 1), now=NOW).to_ical()
    assert b"RRULE" not in casablanca and b"20270207T030000" in casablanca


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Dublin",  # a negative saving: winter is the exception
        "Africa/Casablanca",  # the same, and Ramadan
        "America/New_York",
        "Australia/Lord_Howe",  # half an hour
        "America/Nuuk",  # changes at -1:00, the Saturday before
        "Asia/Jerusalem",  # the Friday before the last Sunday
        "America/Santiago",
        "Pacific/Chatham",
        "Africa/Windhoek",
    ],
)
def test_the_hour_around_every_change_reads_as_zoneinfo(zone: str) -> None:
    """Readers decide the ambiguous hour after a change from DAYLIGHT and STANDARD and from
    the offset before it: Ireland's winter (the tz database's negative saving) written as
    DAYLIGHT, and the first change after an observance that began on the feed's first date,
    were read an hour off (icalendar's own generator has the second fault too)."""
    first = date(2012, 1, 1)
    tz = vtimezone(zone, first=first, now=NOW).to_tz(lookup_tzid=False)
    real = ZoneInfo(zone)
    changes = transitions(real, datetime(2012, 1, 2, tzinfo=UTC), datetime(2060, 1, 1, tzinfo=UTC))
    for before, change in zip([None, *changes], changes, strict=False):
        if before is not None and not before.daylight and not change.daylight:
            # A change of standard time (Nuuk, March 2023): dateutil converts from UTC with
            # Python's default fromutc, which assumes one standard offset, so it cannot be
            # the judge of that hour; the hypothesis test above still checks the rest.
            continue
        for seconds in (-3600, -1, 0, 1, 1800, 3600):
            instant = change.at + timedelta(seconds=seconds)
            assert instant.astimezone(tz).utcoffset() == instant.astimezone(real).utcoffset(), (
                instant
            )
