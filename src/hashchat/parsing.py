"""Ids and dates as clients send them: one parser each, so a value out of range is a 404 or a 422
everywhere, never a 500.

Every id is a BIGINT on PostgreSQL and an INTEGER on SQLite: both hold at most 2**63 - 1, and a
larger number ("99999999999999999999", "9223372036854775808") would fail inside the database
driver (SQLite: OverflowError; asyncpg: DataError) rather than find nothing. Dates are kept to
years in which adding a window of days, or moving across time zones, cannot leave what Python's
``date`` holds (``date(9999, 12, 31) + 1 day`` raises).
"""

from __future__ import annotations

from datetime import date, datetime

from hashchat.errors import Invalid, NotFound

MAX_ID = 2**63 - 1
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)


def parse_id(value: object) -> int | None:
    """``value`` as an id (0 to MAX_ID, in ASCII digits or as an int), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    # isdigit alone takes "²" and other digits that int() refuses; 19 digits hold MAX_ID.
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def find_id(value: object, *, field: str, message: str) -> int:
    """The id of the one thing a path or a body names: NotFound (``message``) when ``value``
    cannot be anyone's id, as when no row has it."""
    number = parse_id(value)
    if number is None or number == 0:
        raise NotFound(message, field=field)
    return number


def check_id(value: object, *, field: str, message: str | None = None) -> int | None:
    """An optional id parameter (``max_id``, ``since_id``, ``last_read_id``...): None when it
    is absent or empty, Invalid naming ``field`` when it is not an id."""
    if value is None or value == "":
        return None
    number = parse_id(value)
    if number is None:
        raise Invalid(message or f"{field} must be an id (a whole number)", field=field)
    return number


def check_date(value: date, *, field: str) -> date:
    """``value`` if it lies between MIN_DATE and MAX_DATE, else Invalid naming ``field``."""
    if not MIN_DATE <= value <= MAX_DATE:
        raise Invalid(
            f"{value.isoformat()} is out of range: give a date between "
            f"{MIN_DATE.year} and {MAX_DATE.year}",
            field=field,
        )
    return value


def parse_date(value: object, *, field: str) -> date:
    """A calendar date, YYYY-MM-DD, between MIN_DATE and MAX_DATE; Invalid naming ``field``."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None
    return check_date(value, field=field)


def check_datetime(value: datetime, *, field: str) -> datetime:
    """``value`` if its date lies between MIN_DATE and MAX_DATE, else Invalid."""
    check_date(value.date(), field=field)
    return value
