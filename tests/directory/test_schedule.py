"""Schedules: expansion in the chat's own zone across daylight-saving changes, what happens to
start times that do not exist or happen twice, and which recurrence rules are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrule as DateRule
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from hashchat.directory.entities import schedule_text
from hashchat.directory.schedule import (
    MAX_EXPANSION,
    Schedule,
    check_schedule,
    clock_issue,
    clock_notes,
    describe_rule,
    picked,
    picker_rule,
    rule_from,
    rule_near,
)
from hashchat.errors import Invalid

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly(zone: str, at: str, day: str = "WE", starts_on: str = "2026-01-01") -> Schedule:
    return check_schedule(
        starts_on=starts_on,
        start_time=at,
        time_zone=zone,
        duration_minutes=60,
        rrule=f"FREQ=WEEKLY;BYDAY={day}",
    )


def test_new_york_at_20_00_seen_from_london_across_both_clock_changes_in_spring() -> None:
    # The US moves its clocks on 8 March 2026, the UK on 29 March: for three weeks the gap
    # between the two is four hours instead of five.
    chat = weekly("America/New_York", "20:00")
    seen = [
        o.starts_at.astimezone(LONDON) for o in chat.occurrences(utc(2026, 2, 25), utc(2026, 4, 9))
    ]
    assert [(t.date(), t.time()) for t in seen] == [
        (date(2026, 2, 26), time(1, 0)),  # EST -> GMT: five hours
        (date(2026, 3, 5), time(1, 0)),
        (date(2026, 3, 12), time(0, 0)),  # EDT, still GMT: four hours
        (date(2026, 3, 19), time(0, 0)),
        (date(2026, 3, 26), time(0, 0)),
        (date(2026, 4, 2), time(1, 0)),  # EDT -> BST: five hours again
    ]
    # and in New York it is 20:00 every time
    assert {
        o.starts_at.astimezone(NEW_YORK).time()
        for o in chat.occurrences(utc(2026, 2, 25), utc(2026, 4, 9))
    } == {time(20)}


def test_and_in_autumn_when_europe_changes_a_week_before_america() -> None:
    chat = weekly("America/New_York", "20:00")
    seen = [
        o.starts_at.astimezone(LONDON).strftime("%m-%d %H:%M")
        for o in chat.occurrences(utc(2026, 10, 20), utc(2026, 11, 10))
    ]
    # EU back on 25 October, US on 1 November.
    assert seen == ["10-22 01:00", "10-29 00:00", "11-05 01:00"]


def test_a_london_chat_keeps_its_wall_clock_and_moves_for_new_york() -> None:
    chat = weekly("Europe/London", "19:00", day="TH")
    seen = [
        o.starts_at.astimezone(NEW_YORK).strftime("%m-%d %H:%M")
        for o in chat.occurrences(utc(2026, 3, 1), utc(2026, 4, 3))
    ]
    assert seen == ["03-05 14:00", "03-12 15:00", "03-19 15:00", "03-26 15:00", "04-02 14:00"]


def test_southern_hemisphere_and_half_hour_zones() -> None:
    sydney = weekly("Australia/Sydney", "20:00", day="SU", starts_on="2026-03-20")
    utc_times = [
        o.starts_at.strftime("%m-%d %H:%M")
        for o in sydney.occurrences(utc(2026, 3, 20), utc(2026, 4, 13))
    ]
    # AEDT (+11) until 5 April 2026, then AEST (+10).
    assert utc_times == ["03-22 09:00", "03-29 09:00", "04-05 10:00", "04-12 10:00"]
    kolkata = weekly("Asia/Kolkata", "18:30", day="SA")
    assert kolkata.occurrences(utc(2026, 3, 1), utc(2026, 3, 8))[0].starts_at == utc(2026, 3, 7, 13)


def test_a_start_in_the_spring_gap_moves_forward_by_the_gap_and_says_so() -> None:
    chat = weekly("America/New_York", "02:30", day="SU")
    on_the_day = chat.occurrences(utc(2026, 3, 8), utc(2026, 3, 9))[0]
    assert clock_issue(on_the_day.local_start, NEW_YORK) == "gap"
    # RFC 5545: the offset from before the gap, i.e. 03:30 EDT, 07:30 UTC.
    assert on_the_day.starts_at == utc(2026, 3, 8, 7, 30)
    assert on_the_day.starts_at.astimezone(NEW_YORK).time() == time(3, 30)
    week_later = chat.occurrences(utc(2026, 3, 9), utc(2026, 3, 16))[0]
    assert week_later.starts_at.astimezone(NEW_YORK).time() == time(2, 30)
    notes = clock_notes(chat, after=utc(2026, 1, 1), years=1)
    assert notes == [
        "On Sunday 8 March 2026, 02:30 does not exist in America/New_York (the clocks go "
        "forward): that occurrence starts at 03:30 local time instead."
    ]


def test_a_start_that_happens_twice_in_autumn_is_the_first_of_the_two() -> None:
    chat = weekly("America/New_York", "01:30", day="SU")
    day = chat.occurrences(utc(2026, 11, 1), utc(2026, 11, 2))[0]
    assert clock_issue(day.local_start, NEW_YORK) == "fold"
    assert day.starts_at == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST (06:30 UTC)
    notes = clock_notes(chat, after=utc(2026, 6, 1), years=1)
    assert notes[0] == (
        "On Sunday 1 November 2026, 01:30 happens twice in America/New_York (the clocks go "
        "back): hashchat uses the first, 01:30 UTC−04:00."
    )
    london = weekly("Europe/London", "01:30", day="SU")
    assert london.occurrences(utc(2026, 3, 29), utc(2026, 3, 30))[0].starts_at == utc(
        2026, 3, 29, 1, 30
    )


def test_an_ordinary_schedule_has_no_clock_notes_and_many_issues_are_summed_up() -> None:
    assert clock_notes(weekly("America/New_York", "20:00"), after=utc(2026, 1, 1)) == []
    daily = check_schedule(
        starts_on="2026-01-01",
        start_time="02:30",
        time_zone="America/New_York",
        duration_minutes=30,
        rrule="FREQ=MONTHLY;BYDAY=2SU",  # the second Sunday of March, every year
    )
    notes = clock_notes(daily, after=utc(2026, 1, 1), years=4, most=2)
    assert len(notes) == 3 and notes[-1] == "… and 2 more such days in the next 4 years."


def test_the_first_date_moves_to_the_first_occurrence_of_the_rule() -> None:
    # Calendar apps count DTSTART as an occurrence even off the rule: hashchat never writes one.
    chat = check_schedule(
        starts_on="2026-02-23",  # a Monday
        start_time="20:00",
        time_zone="Europe/London",
        duration_minutes=60,
        rrule="FREQ=MONTHLY;BYDAY=-1FR",
    )
    assert chat.starts_on == date(2026, 2, 27)  # the last Friday of February


def test_fortnightly_keeps_its_phase_and_monthly_picks_the_right_week() -> None:
    fortnightly = check_schedule(
        starts_on="2026-03-05",
        start_time="19:00",
        time_zone="Europe/London",
        duration_minutes=60,
        rrule=picker_rule("fortnightly", "TH", None),
    )
    days = [
        o.local_date.isoformat() for o in fortnightly.occurrences(utc(2026, 3, 1), utc(2026, 4, 20))
    ]
    assert days == ["2026-03-05", "2026-03-19", "2026-04-02", "2026-04-16"]
    monthly = check_schedule(
        starts_on="2026-01-01",
        start_time="19:00",
        time_zone="Europe/London",
        duration_minutes=60,
        rrule=picker_rule("monthly", "WE", 2),
    )
    days = [o.local_date.isoformat() for o in monthly.occurrences(utc(2026, 1, 1), utc(2026, 5, 1))]
    assert days == ["2026-01-14", "2026-02-11", "2026-03-11", "2026-04-08"]


def test_skipped_and_moved_occurrences() -> None:
    plain = weekly("Europe/London", "19:00", day="TH", starts_on="2026-03-01")
    chat = Schedule(
        plain.starts_on,
        plain.start_time,
        plain.time_zone,
        60,
        plain.rrule,
        skipped=frozenset({date(2026, 3, 12)}),
        moved={date(2026, 3, 19): datetime(2026, 3, 20, 18, 0)},
    )
    found = chat.occurrences(utc(2026, 3, 1), utc(2026, 3, 27))
    assert [(o.local_date.isoformat(), o.local_start.isoformat(), o.moved) for o in found] == [
        ("2026-03-05", "2026-03-05T19:00:00", False),
        ("2026-03-19", "2026-03-20T18:00:00", True),
        ("2026-03-26", "2026-03-26T19:00:00", False),
    ]
    assert chat.next_after(utc(2026, 3, 6)) == found[1]
    # a moved occurrence is found by where it went, even when its own date is outside
    assert [o.local_date for o in chat.occurrences(utc(2026, 3, 20), utc(2026, 3, 21))] == [
        date(2026, 3, 19)
    ]


def test_one_offs_and_the_next_occurrence() -> None:
    once = check_schedule(
        starts_on="2026-03-12",
        start_time="17:00",
        time_zone="Europe/London",
        duration_minutes=90,
        rrule="",
    )
    assert describe_rule(once.rrule, once.starts_on) == "Once, on Thursday 12 March 2026"
    assert once.next_after(utc(2026, 3, 12, 17, 30)).starts_at == utc(2026, 3, 12, 17)  # ongoing
    assert once.next_after(utc(2026, 3, 12, 18, 30)) is None
    limited = check_schedule(
        starts_on="2026-03-01",
        start_time="17:00",
        time_zone="Europe/London",
        duration_minutes=60,
        rrule="FREQ=WEEKLY;BYDAY=SU;COUNT=2",
    )
    assert [o.local_date.day for o in limited.occurrences(utc(2026, 1, 1), utc(2027, 1, 1))] == [
        1,
        8,
    ]
    assert limited.next_after(utc(2026, 3, 9)) is None


def test_expansion_is_capped() -> None:
    daily = check_schedule(
        starts_on="2026-01-01",
        start_time="12:00",
        time_zone="UTC",
        duration_minutes=30,
        rrule="FREQ=DAILY",
    )
    assert len(daily.occurrences(utc(2026, 1, 1), utc(2036, 1, 1))) == MAX_EXPANSION


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31", "February never has day 31"),
        ("FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31", "never has day 31"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9", "never happens"),
        ("FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=20", "never happens"),
        ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2", "never happens"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "more than 5 years"),
        ("FREQ=WEEKLY;BYDAY=WE;UNTIL=20251231", "before its first occurrence"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000Z", "COUNT or UNTIL, not both"),
        ("FREQ=HOURLY", "FREQ=HOURLY is not supported"),
        ("FREQ=WEEKLY;BYHOUR=9,21", "BYHOUR is not supported"),
        ("FREQ=WEEKLY;BYDAY=XX", "is not a weekday"),
        ("FREQ=WEEKLY;BYDAY=2WE", "needs FREQ=MONTHLY or YEARLY"),
        ("FREQ=MONTHLY;BYDAY=6WE", "no such week"),
        ("FREQ=WEEKLY;BYMONTHDAY=3", "cannot be used with FREQ=WEEKLY"),
        ("FREQ=WEEKLY;INTERVAL=0", "out of range"),
        ("INTERVAL=2", "needs FREQ"),
        ("FREQ=WEEKLY;FREQ=DAILY", "appears twice"),
        ("hello", "not NAME=VALUE"),
    ],
)
def test_impossible_and_unsupported_rules_are_refused_with_a_reason(rule: str, words: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_schedule(
            starts_on="2026-01-01",
            start_time="20:00",
            time_zone="Europe/London",
            duration_minutes=60,
            rrule=rule,
        )
    assert caught.value.field == "rrule"
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "not an IANA time zone"),
        ({"time_zone": "EST5EDT "}, "time_zone", "not an IANA time zone"),
        ({"duration_minutes": 1441}, "duration_minutes", "at most 24 hours"),
        ({"duration_minutes": 2}, "duration_minutes", "at least 5 minutes"),
        ({"duration_minutes": "an hour"}, "duration_minutes", "number of minutes"),
        ({"start_time": "25:00"}, "start_time", "not a time of day"),
        ({"starts_on": "2026-02-30"}, "starts_on", "not a date"),
    ],
)
def test_bad_schedule_fields(fields: dict[str, object], field: str, words: str) -> None:
    values: dict[str, object] = {
        "starts_on": "2026-01-01",
        "start_time": "20:00",
        "time_zone": "Europe/London",
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY",
    }
    values.update(fields)
    with pytest.raises(Invalid) as caught:
        check_schedule(**values)  # type: ignore[arg-type]
    assert caught.value.field == field and words in caught.value.message


def test_the_picker_and_its_words() -> None:
    cases = [
        ("weekly", "WE", None, "FREQ=WEEKLY;BYDAY=WE", "Every Wednesday"),
        ("fortnightly", "TH", None, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "Every other Thursday"),
        ("monthly", "TU", 2, "FREQ=MONTHLY;BYDAY=2TU", "Monthly on the second Tuesday"),
        ("monthly", "FR", -1, "FREQ=MONTHLY;BYDAY=-1FR", "Monthly on the last Friday"),
    ]
    for repeat, weekday, nth, rule, words in cases:
        assert picker_rule(repeat, weekday, nth) == rule
        assert describe_rule(rule, date(2026, 1, 1)) == words
        back = picked(rule, date(2026, 1, 1))
        assert (back.repeat, back.weekday, back.nth) == (repeat, weekday, nth)
    assert picked("FREQ=MONTHLY;BYDAY=1TU,3TU", date(2026, 1, 1)).repeat == "custom"
    assert describe_rule("FREQ=MONTHLY;BYDAY=1TU,3TU", date(2026, 1, 1)).startswith("Custom")
    # the weekday defaults to the first date's; a raw rule wins; an empty rule is a one-off
    assert (
        rule_from(repeat="weekly", weekday=None, nth=None, rrule=None, starts_on="2026-03-04")
        == "FREQ=WEEKLY;BYDAY=WE"
    )
    assert (
        rule_from(repeat=None, weekday=None, nth=None, rrule="FREQ=DAILY", starts_on="2026-03-04")
        == "FREQ=DAILY"
    )
    assert rule_from(repeat=None, weekday=None, nth=None, rrule="", starts_on="2026-03-04") == ""
    with pytest.raises(Invalid) as caught:
        rule_from(repeat="monthly", weekday="WE", nth="", rrule=None, starts_on="2026-03-04")
    assert caught.value.field == "nth"


def test_until_is_kept_in_utc_and_a_date_means_the_end_of_that_local_day() -> None:
    chat = check_schedule(
        starts_on="2026-03-01",
        start_time="20:00",
        time_zone="America/New_York",
        duration_minutes=60,
        rrule="RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20260318",
    )
    assert chat.rrule == "FREQ=WEEKLY;BYDAY=WE;UNTIL=20260319T035959Z"
    days = [o.local_date.day for o in chat.occurrences(utc(2026, 3, 1), utc(2026, 5, 1))]
    assert days == [4, 11, 18]


def test_times_are_read_as_people_write_them() -> None:
    from hashchat.directory.schedule import parse_time

    assert parse_time("8pm") == time(20)
    assert parse_time("8:30 PM") == time(20, 30)
    assert parse_time("12am") == time(0)
    assert parse_time("20:00:00") == time(20)
    assert check_schedule(
        starts_on="2026-01-01", start_time="9 a.m.", time_zone="UTC", duration_minutes=60, rrule=""
    ).start_time == time(9)


def test_next_after_is_bounded_for_a_rule_that_ended() -> None:
    ended = check_schedule(
        starts_on="2026-01-01",
        start_time="20:00",
        time_zone="UTC",
        duration_minutes=60,
        rrule="FREQ=DAILY;UNTIL=20260110T000000Z",
    )
    assert ended.next_after(utc(2030, 1, 1)) is None
    assert ended.next_after(utc(2026, 1, 5, 12)).starts_at == utc(2026, 1, 5, 20)


def test_an_until_date_is_shown_as_that_date_in_the_chats_zone() -> None:
    """UNTIL=20270401 ends at 23:59:59 on 1 April in New York (2 April in UTC): the words say
    1 April, in every zone west or east of UTC."""
    for zone in ("America/New_York", "Pacific/Honolulu", "Asia/Tokyo", "UTC"):
        chat = check_schedule(
            starts_on="2026-03-01",
            start_time="20:00",
            time_zone=zone,
            duration_minutes=60,
            rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270401",
        )
        words = describe_rule(chat.rrule, chat.starts_on, chat.zone)
        assert words == "Every Wednesday, until 1 April 2027", zone
        assert schedule_text(chat).startswith("Every Wednesday, until 1 April 2027, 20:00")


RULES = st.one_of(
    st.builds(
        lambda freq, interval, extra: f"FREQ={freq};INTERVAL={interval}{extra}",
        st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        st.integers(1, 5),
        st.sampled_from(
            [
                "",
                ";BYDAY=MO,WE",
                ";BYDAY=SU;WKST=SU",
                ";BYDAY=TU,FR;WKST=WE",
                ";BYMONTH=2,7",
                ";UNTIL=20410101T000000",
            ]
        ),
    ),
    st.sampled_from(
        [
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            "FREQ=YEARLY;INTERVAL=3;BYDAY=20MO",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYSETPOS=2",
            "FREQ=DAILY;INTERVAL=3;BYMONTH=3",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    rule=RULES,
    dtstart=st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31)),
    ahead=st.integers(0, 40 * 366),
)
def test_a_rule_moved_near_a_far_date_gives_the_same_occurrences(
    rule: str, dtstart: datetime, ahead: int
) -> None:
    """Far windows are expanded from a DTSTART moved forward by whole periods (so the agenda
    years ahead is cheap): the occurrences from there on are exactly the rule's own."""
    dtstart = dtstart.replace(second=0, microsecond=0)
    made = rrulestr(rule, dtstart=dtstart)
    assert isinstance(made, DateRule)
    first = dtstart + timedelta(days=ahead, hours=5)
    expected = list(islice(made.xafter(first, count=12, inc=True), 12))
    assert list(rule_near(made, first).xafter(first, count=12, inc=True)) == expected


@settings(max_examples=300, deadline=None)
@given(
    days=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1),
    interval=st.integers(1, 4),
    until=st.one_of(st.none(), st.integers(0, 3 * 366)),
    starts_on=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    at=st.times(),
    ahead=st.integers(-30, 30 * 366),
    span=st.integers(0, 60),
)
def test_weekly_rules_are_expanded_as_dateutil_does(
    days: set[str],
    interval: int,
    until: int | None,
    starts_on: date,
    at: time,
    ahead: int,
    span: int,
) -> None:
    """The arithmetic expansion of simple weekly rules gives dateutil's occurrences."""
    rule = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(sorted(days))}"
    if interval == 1:
        rule = rule.replace(";INTERVAL=1", "")
    if until is not None:
        end = datetime.combine(starts_on + timedelta(days=until), time(12), UTC)
        rule += f";UNTIL={end:%Y%m%dT%H%M%SZ}"
    schedule = Schedule(starts_on, at.replace(second=0, microsecond=0), "UTC", 60, rule)
    assert schedule.weekly is not None and schedule.rule is not None
    first = schedule.dtstart + timedelta(days=ahead, hours=7)
    last = first + timedelta(days=span)
    expected = [s for s in schedule.rule.xafter(first, count=400, inc=True) if s <= last]
    assert list(schedule.local_starts(first, last)) == expected
