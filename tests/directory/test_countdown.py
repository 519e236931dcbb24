"""The countdown beside a chat's Follow and on the landing page: "starts in 2 days, 3 h",
"live now", "ended"; rounded up to the minute, in its two largest units."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hashchat.directory.countdown import countdown

START = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


def test_it_reads_as_a_person_says_it() -> None:
    def before(**kw: float) -> str:
        return countdown(START, END, START - timedelta(**kw))

    assert before(days=2, hours=3) == "starts in 2 days, 3 h"
    assert before(days=2, hours=3, minutes=20) == "starts in 2 days, 3 h"
    assert before(days=1) == "starts in 1 day"
    assert before(hours=5, minutes=7) == "starts in 5 h 7 min"
    assert before(hours=2) == "starts in 2 h"
    assert before(minutes=45) == "starts in 45 min"
    assert before(seconds=10) == "starts in 1 min"  # rounded up: never "in 0 min"
    assert countdown(START, END, START) == "live now"
    assert countdown(START, END, END - timedelta(seconds=1)) == "live now"
    assert countdown(START, END, END) == "ended"


def minutes_said(text: str) -> int:
    """The least number of minutes the words can mean."""
    found = re.fullmatch(
        r"starts in (?:(\d+) days?(?:, (\d+) h)?|(\d+) h(?: (\d+) min)?|(\d+) min)", text
    )
    assert found, text
    days, day_hours, hours, hour_minutes, minutes = (int(g or 0) for g in found.groups())
    return days * 1440 + day_hours * 60 + hours * 60 + hour_minutes + minutes


@given(
    st.integers(min_value=1, max_value=60 * 24 * 60 * 60),
    st.integers(min_value=0, max_value=60 * 24 * 60 * 60),
)
def test_the_words_never_say_it_starts_later_than_it_does_and_never_go_back(
    first: int, step: int
) -> None:
    """Before the start: what it says is at most the time left, within its smallest unit, and
    a later moment never says more time is left."""
    now = START - timedelta(seconds=first)
    said = countdown(START, END, now)
    left = -(-first // 60)  # minutes left, rounded up
    unit = 1 if left < 60 else 60  # "5 h 7 min" is exact; "2 days, 3 h" drops the minutes
    assert left - unit < minutes_said(said) <= left
    later = now + timedelta(seconds=min(step, first - 1))
    assert minutes_said(countdown(START, END, later)) <= minutes_said(said)
