"""VTIMEZONE components (RFC 5545 section 3.6.5) built from the zone's own transitions.

A calendar application reads a feed's times through the VTIMEZONE we send, not through its own
copy of the zone, so the component must carry every change of offset the events can meet.
icalendar's generator walks the zone 64 days at a time and misses a change and its undoing
closer together than that (Morocco's clocks go back for Ramadan: 7 February to 14 March 2027),
so those weeks were an hour off. Here every transition is found (the zone is read a day at a
time, then the moment of each change to the second), and written as it is:

* from the first date the feed needs to two years from now, each transition explicitly
  (one STANDARD or DAYLIGHT per kind of change, its first as DTSTART, the others as RDATEs);
* after that, when the zone's changes follow one yearly pattern for 28 years (a whole cycle of
  weekdays and leap years), as the tz database's rules do, one RRULE per kind of change;
  otherwise (Morocco again) explicitly up to the end of ``LAST_YEAR``.

A zone's rule is "the nth (or last) weekday of a month", sometimes shifted by a day (Jerusalem:
the Friday before the last Sunday of March), so a pattern is a month, a weekday and seven
consecutive days of the month that hold it.
"""

from __future__ import annotations

import calendar as gregorian
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

EXPLICIT_YEARS = 2  # transitions written one by one up to this many years from now
CYCLE_YEARS = 28  # weekdays and leap years repeat: a pattern that holds this long holds
LAST_YEAR = 2100  # how far an irregular zone is written out
STEP = timedelta(days=1)  # no zone changes its offset twice within a day
LOOK_BACK = timedelta(days=400)  # for the change before the first date
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

Kind = tuple[timedelta, timedelta, str, bool]  # offset from, offset to, name, daylight


@dataclass(frozen=True, slots=True)
class Transition:
    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str  # the abbreviation after it (TZNAME)
    daylight: bool  # after it, the zone is on daylight (or other non-standard) time

    @property
    def kind(self) -> Kind:
        return (self.offset_from, self.offset_to, self.name, self.daylight)

    @property
    def local(self) -> datetime:
        """Wall-clock time of the change, on the clock before it (what DTSTART and RDATE say)."""
        return (self.at + self.offset_from).replace(tzinfo=None)


State = tuple[timedelta, str, timedelta]  # offset, name, the tz database's daylight saving


def _state(zone: ZoneInfo, instant: datetime) -> State:
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or "", local.dst() or timedelta(0)


def _daylight(state: State, neighbours: list[State]) -> bool:
    """Whether an observance is DAYLIGHT. The tz database gives Ireland (and Morocco) a
    negative saving: winter is the exception, an hour below "standard" summer time. Readers
    (dateutil among them) take DAYLIGHT to be the higher offset and misread the hour around
    each change otherwise, so the higher of the two is written as DAYLIGHT, as the database's
    own "rearguard" form does."""
    offset, _name, save = state
    if save:
        return save > timedelta(0)
    return any(s[2] < timedelta(0) and s[0] < offset for s in neighbours)


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of offset, name or daylight saving in [start, end) (UTC instants)."""
    found: list[tuple[datetime, State, State]] = []
    at = start
    state = _state(zone, at)
    while at < end:
        ahead = min(at + STEP, end)
        after = _state(zone, ahead)
        if after != state:
            low, high = at, ahead  # state at low is ``state``; at high it has changed
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            new = _state(zone, high)
            found.append((high, state, new))
            state = new
            at = high
            continue
        at = ahead
    # states[0] is the one at ``start``, states[n] the one after the nth change
    states = [state if not found else found[0][1]] + [new for _at, _old, new in found]

    def daylight(n: int) -> bool:
        return _daylight(states[n], states[max(0, n - 1) : n + 2])

    return [
        Transition(at, old[0], new[0], new[1], daylight(n))
        for n, (at, old, new) in enumerate(found, start=1)
        if (old[0], old[1]) != (new[0], new[1]) or daylight(n - 1) != daylight(n)
    ]


@dataclass(frozen=True, slots=True)
class Yearly:
    """One kind of change that happens once a year on a pattern."""

    kind: Kind
    first: datetime  # local wall clock (before the change) of its first time
    rule: str


def _yearly(kind: Kind, times: list[datetime], years: range) -> Yearly | None:
    """The RRULE for ``times`` (local, one per year of ``years``), or None if they do not
    follow one."""
    if [t.year for t in times] != list(years):
        return None
    first = times[0]
    if any(
        (t.month, t.weekday(), t.time()) != (first.month, first.weekday(), first.time())
        for t in times
    ):
        return None
    low = min(t.day for t in times)
    if max(t.day for t in times) > low + 6:
        return None
    weekday = WEEKDAYS[first.weekday()]
    lengths = {gregorian.monthrange(t.year, first.month)[1] for t in times}
    parts = f"FREQ=YEARLY;BYMONTH={first.month}"
    if low % 7 == 1 and low <= 22:
        parts += f";BYDAY={(low + 6) // 7}{weekday}"
    elif len(lengths) == 1 and low + 6 == min(lengths):
        parts += f";BYDAY=-1{weekday}"
    elif low + 6 <= min(lengths):
        days = ",".join(str(d) for d in range(low, low + 7))
        parts += f";BYDAY={weekday};BYMONTHDAY={days}"
    else:
        return None
    return Yearly(kind, first, parts)


def _pattern(found: list[Transition], years: range) -> list[Yearly] | None:
    """The yearly rules ``found`` follow over ``years``, or None."""
    by_kind: dict[Kind, list[datetime]] = defaultdict(list)
    for transition in found:
        by_kind[transition.kind].append(transition.local)
    rules = [_yearly(kind, times, years) for kind, times in by_kind.items()]
    if any(rule is None for rule in rules):
        return None
    return [rule for rule in rules if rule is not None]


@lru_cache(maxsize=256)
def _plan(
    name: str, first: date, explicit_until: int
) -> tuple[Kind | None, list[Transition], list[Yearly]]:
    """(an observance from ``first`` when no change precedes it within a year, the transitions
    written one by one, the yearly rules). The last change before ``first`` is written as it
    happened rather than as an observance starting at ``first``: a reader needs the offset
    before it to place the next change's ambiguous hour (dateutil misreads it otherwise)."""
    zone = ZoneInfo(name)
    start = datetime.combine(first, datetime.min.time(), UTC)
    switch = datetime(explicit_until, 1, 1, tzinfo=UTC)
    earlier = transitions(zone, start - LOOK_BACK, start)
    explicit = earlier[-1:] + (transitions(zone, start, switch) if start < switch else [])
    years = range(max(explicit_until, first.year), max(explicit_until, first.year) + CYCLE_YEARS)
    sample_start = datetime(years.start, 1, 1, tzinfo=UTC)
    sample = transitions(zone, max(start, sample_start), datetime(years.stop, 1, 1, tzinfo=UTC))
    yearly = _pattern(sample, years) if sample else []
    if yearly is None:
        later = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
        explicit += sample + transitions(zone, datetime(years.stop, 1, 1, tzinfo=UTC), later)
        yearly = []
    opening = None
    if not earlier:
        initial = _state(zone, start)
        after = [_state(zone, explicit[0].at)] if explicit else []
        opening = (initial[0], initial[0], initial[1], _daylight(initial, after))
    return opening, explicit, yearly


def vtimezone(name: str, *, first: date, now: datetime) -> Timezone:
    """The VTIMEZONE for zone ``name``, right for every instant from ``first`` on."""
    opening, explicit, yearly = _plan(name, first, now.year + EXPLICIT_YEARS)
    component = Timezone()
    component.add("tzid", name)
    groups: dict[Kind, list[datetime]] = defaultdict(list)
    if opening is not None:
        groups[opening].append(datetime.combine(first, datetime.min.time()))
    for transition in explicit:
        groups[transition.kind].append(transition.local)
    for kind, starts in groups.items():
        part = _observance(kind, starts[0])
        if len(starts) > 1:
            part.add("rdate", starts[1:])
        component.add_component(part)
    for rule in yearly:
        part = _observance(rule.kind, rule.first)
        part.add("rrule", vRecur.from_ical(rule.rule))
        component.add_component(part)
    return component


def _observance(kind: Kind, start: datetime) -> TimezoneStandard | TimezoneDaylight:
    offset_from, offset_to, name, daylight = kind
    part = TimezoneDaylight() if daylight else TimezoneStandard()
    part.add("dtstart", start)
    part.add("tzoffsetfrom", offset_from)
    part.add("tzoffsetto", offset_to)
    part.add("tzname", name)
    return part
