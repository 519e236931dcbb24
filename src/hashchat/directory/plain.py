"""Reading a chat spreadsheet's cells as people write them: "Tues", "every other Wednesday",
"8-9 PM ET", "1 hour", "america/new_york", "Sydney".

Each reader takes one cell and answers what it means, or raises Invalid saying what it could
not read. Where a cell has two sensible readings it does not guess: it asks, naming the choices
("EST": New York's time, which moves to EDT in summer, or UTC−05:00 all year?). ``UNDERSTOOD``
lists what each column accepts, with examples: the import page shows it, the docs repeat it,
and the tests read every example back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache

from hashchat.accounts.validation import time_zones
from hashchat.directory.schedule import WEEKDAYS
from hashchat.errors import Invalid

# -- what the importer understands (shown on the page and in docs/directory.md) ---------------

UNDERSTOOD: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "day",
        "a weekday, short or plural, several with commas or “and”; or a date for a one-off; "
        "the recurrence may be said here too",
        ("Wednesday", "Tues", "Tuesdays", "Mon & Thu", "every other Wednesday",
         "2nd Tuesday", "last Friday of the month", "2026-03-12"),
    ),
    (
        "time",
        "24-hour or am/pm; a range gives the duration; a time zone may follow",
        ("20:00", "8pm", "8:30 p.m.", "8pm ET", "8-9 PM Eastern", "20:00–21:30 Europe/London",
         "noon"),
    ),
    (
        "time zone",
        "an IANA name in any case, a city, a US zone (ET, PT ...), a zone abbreviation that "
        "means one zone (JST), or a fixed offset",
        ("America/New_York", "america/new_york", "Sydney", "New York", "ET", "Pacific",
         "UK", "JST", "UTC", "UTC+01:00"),
    ),
    (
        "recurrence",
        "empty (weekly), a phrase, or an RFC 5545 RRULE",
        ("weekly", "every week", "fortnightly", "every other week", "biweekly",
         "every other Wednesday", "monthly, 2nd", "last Friday monthly", "1st and 3rd Tuesday",
         "daily", "once", "FREQ=MONTHLY;BYDAY=1TU,3TU"),
    ),
    (
        "duration",
        "minutes, or hours and minutes in words (60 minutes when empty)",
        ("90", "1 hour", "1.5 hours", "1h30", "1 hr 15 min", "45 min", "2:00"),
    ),
)  # fmt: skip

# What is not guessed: each is refused with a question. (what, example cells, how they join)
ASKED = (
    ("a zone abbreviation with two readings", ("EST", "IST", "CST", "BST", "GMT", "CET"), ", "),
    ("an hour without am/pm or minutes", ("8", "8-9"), ", "),
    ("a day that the recurrence contradicts", ("Tuesday", "FREQ=WEEKLY;BYDAY=WE"), " with "),
    ("a time range and a duration that differ", ("8-9pm", "90"), " with a duration of "),
    ("a zone after the time and a different zone column", ("8pm ET", "Europe/London"), " with "),
)

# -- days and recurrences ------------------------------------------------------------------------

_DAY_WORDS = {
    0: ("mon", "monday", "mondays"),
    1: ("tue", "tues", "tuesday", "tuesdays"),
    2: ("wed", "weds", "wednesday", "wednesdays"),
    3: ("thu", "thur", "thurs", "thursday", "thursdays"),
    4: ("fri", "friday", "fridays"),
    5: ("sat", "saturday", "saturdays"),
    6: ("sun", "sunday", "sundays"),
}
DAYS = {word: day for day, words in _DAY_WORDS.items() for word in words}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": -1,
}  # fmt: skip
ORDINAL_WORDS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
_FILLER = {"on", "the", "of", "a", "at", "in", "and", "each", "every", "month's", "starting"}
_TOKEN = re.compile(r"[a-z0-9'-]+")


@dataclass(frozen=True, slots=True)
class Pattern:
    """What a day or recurrence cell says: how often (None: it does not say), which weekdays
    (0 = Monday) and, monthly, which weeks of the month."""

    kind: str | None  # weekly, fortnightly, monthly, daily, once, rrule
    weekdays: tuple[int, ...] = ()
    weeks: tuple[int, ...] = ()  # 1..5 or -1, monthly only
    rrule: str = ""
    date: date | None = None

    def words(self) -> str:
        """The pattern in words, for a question that quotes it."""
        days = " and ".join(DAY_NAMES[d] for d in self.weekdays)
        if self.kind == "rrule":
            return self.rrule
        if self.kind == "monthly":
            weeks = " and ".join(ORDINAL_WORDS[w] for w in self.weeks)
            return f"monthly on the {weeks} {days}".replace("  ", " ").strip()
        if self.kind == "fortnightly":
            return f"every other {days}".strip() if days else "every other week"
        if self.kind == "weekly":
            return f"every {days}".strip() if days else "weekly"
        if self.kind == "once":
            return "once"
        if self.kind == "daily":
            return "every day"
        return days


def _tokens(text: str) -> list[str]:
    low = text.lower().replace("one-off", "once").replace("one off", "once")
    low = low.replace("bi-weekly", "biweekly").replace("every day", "daily")
    return _TOKEN.findall(low)


def read_pattern(text: str, *, field: str) -> Pattern:
    """A day or recurrence written in words. Invalid names the word it cannot read."""
    words = _tokens(text)
    weekdays: list[int] = []
    weeks: list[int] = []
    every = other = plural = False
    kinds: set[str] = set()
    two = False
    for word in words:
        if word in DAYS:
            if DAYS[word] not in weekdays:
                weekdays.append(DAYS[word])
            plural = plural or (word.endswith("s") and len(word) > 4 and word != "tues")
        elif word in ORDINALS:
            weeks.append(ORDINALS[word])
        elif word in ("other", "alternate", "alternating"):
            other = True
        elif word in ("every", "each"):
            every = True
        elif word in ("week", "weeks", "weekly"):
            kinds.add("weekly")
        elif word in ("fortnight", "fortnightly", "biweekly"):
            kinds.add("fortnightly")
        elif word in ("month", "months", "monthly"):
            kinds.add("monthly")
        elif word in ("once", "single", "none"):
            kinds.add("once")
        elif word == "daily":
            kinds.add("daily")
        elif word in ("two", "2"):
            two = True
        elif word in _FILLER:
            continue
        else:
            raise Invalid(
                f"{text!r}: cannot read {word!r} (write a weekday such as Wednesday, or "
                "weekly, every other week, monthly with the week, once)",
                field=field,
            )
    if every and weeks == [2] and "monthly" not in kinds:
        weeks, other = [], True  # "every second Wednesday": every other one
    if other or (two and "weekly" in kinds):
        kinds.discard("weekly")
        kinds.add("fortnightly")
    if weeks and not kinds:
        kinds.add("monthly")
    if (every or plural) and not kinds and weekdays:
        kinds.add("weekly")
    if len(kinds) > 1:
        names = " and ".join(sorted(kinds))
        raise Invalid(f"{text!r} says both {names}: which is it?", field=field)
    kind = kinds.pop() if kinds else None
    if weeks and kind != "monthly":
        raise Invalid(f"{text!r}: a week of the month goes with monthly", field=field)
    if kind in ("once", "daily") and weekdays:
        day = DAY_NAMES[weekdays[0]]
        raise Invalid(f"{text!r} says {kind} and {day}: which is it?", field=field)
    if kind is None and not weekdays:
        raise Invalid(f"{text!r} is not a day or a recurrence", field=field)
    return Pattern(kind, tuple(weekdays), tuple(sorted(set(weeks), key=lambda w: (w < 0, w))))


_BYDAY = re.compile(r"BYDAY=([^;]+)", re.IGNORECASE)


def read_recurrence(text: str) -> Pattern | None:
    """The recurrence cell: empty (None), an RRULE, or words."""
    words = text.strip()
    if not words:
        return None
    if words.lower().startswith(("freq=", "rrule:")):
        days: list[int] = []
        found = _BYDAY.search(words)
        if found:
            for item in found.group(1).split(","):
                code = item.strip().upper()[-2:]
                if code in WEEKDAYS and WEEKDAYS.index(code) not in days:
                    days.append(WEEKDAYS.index(code))
        return Pattern("rrule", tuple(days), rrule=words)
    return read_pattern(words, field="recurrence")


def read_day(text: str) -> Pattern:
    """The day cell: a date (a one-off, or the first of a series), or words."""
    words = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", words):
        try:
            day = date.fromisoformat(words)
        except ValueError:
            raise Invalid(f"{words!r} is not a date", field="day") from None
        return Pattern(None, (day.weekday(),), date=day)
    if not words:
        raise Invalid("give the day: a weekday (Wednesday) or a date (2026-03-12)", field="day")
    try:
        return read_pattern(words, field="day")
    except Invalid:
        if any(w in DAYS or w in ORDINALS for w in _tokens(words)):
            raise
        raise Invalid(
            f"{words!r} is not a day of the week (Wednesday) or a date (2026-03-12)", field="day"
        ) from None


# -- times -----------------------------------------------------------------------------------

_CLOCK = (
    r"(?:(\d{1,2})(?:[:.h](\d{2}))?\s*(a\.?m\.?|p\.?m\.?|a|p)?(?![a-z])|(noon|midday|midnight))"
)
_TIME = re.compile(
    rf"^\s*{_CLOCK}(?:\s*(?:-|–|—|to|until|till)\s*{_CLOCK})?\s*(.*?)\s*$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Clock:
    hour: int
    minute: int
    meridiem: str | None  # "a", "p" or None
    twenty_four: bool  # written as a 24-hour time (20:00, 08:00, 0:30)


def _clock(hour: str | None, minute: str | None, ap: str | None, word: str | None) -> Clock:
    if word:
        return Clock(0 if word.lower() == "midnight" else 12, 0, None, True)
    assert hour is not None
    h, m = int(hour), int(minute or 0)
    meridiem = ap.lower()[0] if ap else None
    if meridiem and not 1 <= h <= 12:
        raise ValueError
    if not 0 <= h <= 23 or not 0 <= m <= 59:
        raise ValueError
    return Clock(h, m, meridiem, bool(minute) or h > 12 or h == 0 or hour.startswith("0"))


def _candidates(clock: Clock) -> list[int]:
    """Minutes after midnight the clock can mean."""
    if clock.meridiem:
        hour = clock.hour % 12 + (12 if clock.meridiem == "p" else 0)
        return [hour * 60 + clock.minute]
    if clock.twenty_four:
        return [clock.hour * 60 + clock.minute]
    return [(clock.hour % 12) * 60 + clock.minute, (clock.hour % 12 + 12) * 60 + clock.minute]


@dataclass(frozen=True, slots=True)
class TimeReading:
    start: time
    minutes: int | None  # from a range
    zone: str  # the words after the time ("" if none)


def read_time(text: str) -> TimeReading:
    """ "20:00", "8pm", "8-9 PM EST", "8:30pm–10pm Europe/London" (the zone words are left for
    :func:`read_zone`). A bare hour (8, 8-9) could be morning or evening: asked."""
    match = _TIME.match(text)
    if not match or not text.strip():
        raise Invalid(f"{text!r} is not a time of day such as 20:00 or 8pm", field="time")
    try:
        start = _clock(*match.group(1, 2, 3, 4))
        end = _clock(*match.group(5, 6, 7, 8)) if match.group(5) or match.group(8) else None
    except ValueError:
        raise Invalid(f"{text!r} is not a time of day such as 20:00 or 8pm", field="time") from None
    zone = match.group(9).strip().strip("()").strip()
    starts, ends = _candidates(start), _candidates(end) if end else []
    if end is not None and len(starts) == 2 and len(ends) == 1:
        # "8-9 PM": the start is the reading closest before the end
        starts = [min(starts, key=lambda s: (ends[0] - s) % 1440)]
    if end is not None and len(ends) == 2 and len(starts) == 1:
        ends = [min(ends, key=lambda e: (e - starts[0]) % 1440 or 1440)]
    if len(starts) == 2:
        written = text.strip().split()[0] if text.strip() else text
        raise Invalid(
            f"{written!r} could be morning or evening: write {start.hour}am, {start.hour}pm or "
            f"{start.hour + 12:02d}:{start.minute:02d}",
            field="time",
        )
    if end is not None and len(ends) == 2:
        raise Invalid(f"{text!r}: when does it end, am or pm?", field="time")
    first = starts[0]
    minutes = None
    if end is not None:
        minutes = (ends[0] - first) % 1440
        if minutes == 0:
            raise Invalid(f"{text!r} ends when it starts", field="time")
    return TimeReading(time(first // 60, first % 60), minutes, zone)


# -- durations -------------------------------------------------------------------------------

_DURATION = re.compile(
    r"^(?:(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours)\.?)?\s*(?:(\d+)\s*(?:m|min|mins|minute|minutes)\.?)?$"
)


def read_duration(text: str) -> int:
    """Minutes: "90", "1 hour", "1.5 hours", "1h30", "1 hr 15 min", "45 min", "2:00"."""
    words = text.strip().lower()
    if re.fullmatch(r"\d+", words):
        minutes = int(words)
        if 0 < minutes < 5:
            hours = f"{minutes} hour" + ("s" if minutes > 1 else "")
            raise Invalid(
                f"{words!r} is read as minutes: for hours write '{hours}' or {minutes * 60}",
                field="duration",
            )
        return minutes
    hm = re.fullmatch(r"(\d{1,2}):(\d{2})", words)
    if hm:
        return int(hm.group(1)) * 60 + int(hm.group(2))
    compact = re.fullmatch(r"(\d+)\s*h\s*(\d{1,2})", words)  # 1h30
    if compact:
        return int(compact.group(1)) * 60 + int(compact.group(2))
    match = _DURATION.match(words)
    if match and (match.group(1) or match.group(2)):
        in_hours = float((match.group(1) or "0").replace(",", "."))
        return round(in_hours * 60) + int(match.group(2) or 0)
    raise Invalid(
        f"{text!r} is not a duration such as 90 (minutes), 1 hour or 1h30", field="duration"
    )


# -- time zones ------------------------------------------------------------------------------

NEW_YORK = "America/New_York (EST in winter, EDT in summer: the chat keeps its time there)"


def _fixed(offset: str) -> str:
    return f"UTC{offset} all year (the chat moves an hour on the local clocks when they change)"


# Abbreviations and words for one zone.
ZONE_WORDS = {
    "et": "America/New_York", "eastern": "America/New_York",
    "ct": "America/Chicago", "central": "America/Chicago",
    "mt": "America/Denver", "mountain": "America/Denver",
    "pt": "America/Los_Angeles", "pacific": "America/Los_Angeles",
    "akt": "America/Anchorage", "alaska": "America/Anchorage",
    "hst": "Pacific/Honolulu", "hawaii": "Pacific/Honolulu",
    "uk": "Europe/London", "british": "Europe/London",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "wib": "Asia/Jakarta", "pht": "Asia/Manila", "awst": "Australia/Perth",
    "aet": "Australia/Sydney", "sast": "Africa/Johannesburg", "wat": "Africa/Lagos",
    "eat": "Africa/Nairobi", "msk": "Europe/Moscow", "india": "Asia/Kolkata",
    "china": "Asia/Shanghai", "utc": "UTC", "z": "UTC", "zulu": "UTC",
    # cities people name that the tz database files under another
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "washington": "America/New_York", "washington dc": "America/New_York",
    "boston": "America/New_York", "philadelphia": "America/New_York",
    "atlanta": "America/New_York", "miami": "America/New_York", "dallas": "America/Chicago",
    "houston": "America/Chicago", "austin": "America/Chicago", "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata", "beijing": "Asia/Shanghai",
}  # fmt: skip

# Abbreviations with more than one reading: the choices, in words.
AMBIGUOUS = {
    "est": (NEW_YORK, _fixed("-05:00")),
    "edt": (NEW_YORK, _fixed("-04:00")),
    "cst": ("America/Chicago (CST in winter, CDT in summer)", "Asia/Shanghai (China)",
            _fixed("-06:00")),
    "cdt": ("America/Chicago (CST in winter, CDT in summer)", _fixed("-05:00")),
    "mst": ("America/Denver (MST in winter, MDT in summer)",
            "America/Phoenix (Arizona: MST all year)"),
    "mdt": ("America/Denver (MST in winter, MDT in summer)", _fixed("-06:00")),
    "pst": ("America/Los_Angeles (PST in winter, PDT in summer)", _fixed("-08:00")),
    "pdt": ("America/Los_Angeles (PST in winter, PDT in summer)", _fixed("-07:00")),
    "ist": ("Asia/Kolkata (India)", "Europe/Dublin (Ireland)", "Asia/Jerusalem (Israel)"),
    "bst": ("Europe/London (GMT in winter, BST in summer)", "Asia/Dhaka (Bangladesh)"),
    "gmt": ("Europe/London (GMT in winter, BST in summer)", "UTC all year"),
    "cet": ("a city's zone such as Europe/Berlin or Europe/Paris (CET in winter, CEST in "
            "summer)", _fixed("+01:00")),
    "cest": ("a city's zone such as Europe/Berlin or Europe/Paris (CET in winter, CEST in "
             "summer)", _fixed("+02:00")),
    "eet": ("a city's zone such as Europe/Athens or Europe/Helsinki (EET in winter, EEST in "
            "summer)", _fixed("+02:00")),
    "wet": ("Europe/Lisbon (WET in winter, WEST in summer)", _fixed("+00:00")),
    "aest": ("Australia/Sydney or Australia/Melbourne (AEST in winter, AEDT in summer)",
             "Australia/Brisbane (AEST all year)"),
    "aedt": ("Australia/Sydney or Australia/Melbourne (AEST in winter, AEDT in summer)",
             _fixed("+11:00")),
    "acst": ("Australia/Adelaide (ACST in winter, ACDT in summer)",
             "Australia/Darwin (ACST all year)"),
    "nzst": ("Pacific/Auckland (NZST in winter, NZDT in summer)", _fixed("+12:00")),
    "nzdt": ("Pacific/Auckland (NZST in winter, NZDT in summer)", _fixed("+13:00")),
    "ast": ("America/Halifax (Atlantic: AST in winter, ADT in summer)",
            "Asia/Riyadh (Arabia)", "America/Puerto_Rico (AST all year)"),
    "akst": ("America/Anchorage (AKST in winter, AKDT in summer)", _fixed("-09:00")),
}  # fmt: skip
_SPELLED = {
    "eastern standard": "est", "eastern daylight": "edt", "central standard": "cst",
    "mountain standard": "mst", "pacific standard": "pst", "pacific daylight": "pdt",
    "india standard": "ist", "irish standard": "ist", "israel standard": "ist",
    "british summer": "bst", "greenwich mean": "gmt", "central european": "cet",
}  # fmt: skip
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$")
_CONTINENTS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/",
               "Australia/", "Europe/", "Indian/", "Pacific/")  # fmt: skip


def _plain(text: str) -> str:
    """Lower case, accents gone, underscores and runs of spaces as one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().replace("_", " ").split())


@lru_cache(maxsize=1)
def _zone_index() -> tuple[dict[str, str], dict[str, str]]:
    """(IANA names by their plain form, zones by their city's plain name)."""
    names: dict[str, str] = {}
    cities: dict[str, str] = {}
    for name in sorted(time_zones(), key=lambda z: (-z.count("/"), z)):
        names.setdefault(_plain(name), name)
        if name.startswith(_CONTINENTS):
            cities.setdefault(_plain(name.rsplit("/", 1)[1]), name)
    return names, cities


def read_zone(text: str, *, field: str = "time zone") -> str:
    """An IANA zone from what a person wrote: its name in any case, a city, a word such as ET
    or Pacific, or a fixed offset (UTC+01:00). An abbreviation with two readings (EST: New
    York's time, or UTC−05:00 all year?) is refused with the question."""
    plain = _plain(text.strip().strip("()"))
    for suffix in (" time zone", " timezone", " time"):
        plain = plain.removesuffix(suffix)
    plain = plain.removesuffix(" time").strip()
    plain = _SPELLED.get(plain, plain)
    if plain in AMBIGUOUS:
        choices = AMBIGUOUS[plain]
        listed = "; ".join(choices[:-1]) + "; or " + choices[-1]
        raise Invalid(
            f"{text.strip()!r} can mean more than one time zone: do you mean {listed}? "
            "Write the one you mean.",
            field=field,
        )
    if plain in ZONE_WORDS:
        return ZONE_WORDS[plain]
    names, cities = _zone_index()
    if plain in names:
        return names[plain]
    offset = _OFFSET.match(plain.replace(" ", ""))
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if minutes or hours > 14:
            raise Invalid(
                f"{text.strip()!r}: a fixed offset must be whole hours; for India, Nepal or "
                "Newfoundland write the zone's name (Asia/Kolkata)",
                field=field,
            )
        if hours == 0:
            return "UTC"
        # the tz database's fixed zones count the other way: UTC+01:00 is Etc/GMT-1
        return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    if plain in cities:
        return cities[plain]
    raise Invalid(
        f"{text.strip()!r} is not a time zone hashchat knows: write its IANA name (for example "
        "America/New_York or Europe/London) or a city in it",
        field=field,
    )
