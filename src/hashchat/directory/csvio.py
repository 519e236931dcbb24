"""Import and export in the shape of the chat spreadsheets people kept for years:

    hashtag, title, day, time, time zone, recurrence, description, hosts, link

plus, when present, ``topics``, ``language``, ``duration`` (minutes, 60 when absent) and
``start date`` (the first occurrence; today when absent, in the chat's zone). ``day`` is a
weekday (Wednesday, Wed) or, for a one-off, a date (2026-03-12). ``recurrence`` is "weekly",
"fortnightly" (or "every two weeks", "biweekly"), "monthly" with the week ("monthly, 2nd",
"last Friday monthly"), "once", or an RFC 5545 RRULE.

Files must be UTF-8 (a byte-order mark is fine: Excel's "CSV UTF-8" writes one); commas,
semicolons and tabs are recognised as separators. Every row is checked before anything is
written; a bad row is reported with its line number and reason, and nothing is imported
unless every row is good, or the caller asked for the good rows only (``partial``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import csvfile
from hashchat.accounts.models import Account
from hashchat.accounts.validation import handle_key
from hashchat.csvfile import unguard
from hashchat.directory import links
from hashchat.directory.models import Chat
from hashchat.directory.schedule import DAY_NAMES, WEEKDAYS, Schedule, describe_rule, picked
from hashchat.directory.search import DAY_WORDS
from hashchat.directory.service import ChatFields, add_chat, check_fields, hosts_of
from hashchat.errors import DomainError, Invalid
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

COLUMNS = (
    "hashtag",
    "title",
    "day",
    "time",
    "time zone",
    "recurrence",
    "description",
    "hosts",
    "link",
)
OPTIONAL = ("topics", "language", "duration", "start date")
REQUIRED = ("hashtag", "title", "day", "time", "time zone")
ALIASES = {
    "tag": "hashtag",
    "chat": "hashtag",
    "name": "title",
    "topic": "topics",
    "weekday": "day",
    "start time": "time",
    "timezone": "time zone",
    "tz": "time zone",
    "zone": "time zone",
    "repeat": "recurrence",
    "repeats": "recurrence",
    "frequency": "recurrence",
    "host": "hosts",
    "url": "link",
    "website": "link",
    "date": "start date",
    "first date": "start date",
    "duration (minutes)": "duration",
    "minutes": "duration",
}
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
ORDINAL_WORDS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"line {self.line}{where}: {self.message}"


class ImportFailed(Invalid):
    """Nothing was imported; ``errors`` says what is wrong, row by row."""

    def __init__(self, errors: list[RowError]) -> None:
        count = len(errors)
        summary = f"{count} row{'s' if count != 1 else ''} cannot be imported, so nothing was"
        if errors and errors[0].line <= 1 and count == 1:
            summary = f"the file cannot be imported: {errors[0].message}"
        super().__init__(summary, field="file")
        self.errors = errors


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)  # hashtags
    errors: list[RowError] = field(default_factory=list)  # rows left out (partial imports)
    rows: int = 0


def decode(raw: bytes) -> str:
    """The file's text; ImportFailed naming the line when it is not UTF-8."""
    if len(raw) > MAX_BYTES:
        raise ImportFailed([RowError(1, f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")])
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFailed(
            [RowError(1, 'the file is UTF-16; save it as CSV UTF-8 (Excel: "CSV UTF-8")')]
        )
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if b"\x00" in raw:  # no text holds NUL (and PostgreSQL would refuse to store it)
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ImportFailed([RowError(line, "the file has NUL bytes: it is not CSV text")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start : exc.start + 1].hex().upper()
        raise ImportFailed(
            [
                RowError(
                    line,
                    f"the file is not UTF-8 (byte 0x{byte} cannot be read); save it as "
                    "CSV UTF-8 and try again",
                )
            ]
        ) from None


def _column(name: str) -> str:
    key = " ".join(name.strip().lower().replace("_", " ").split())
    return ALIASES.get(key, key)


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for each row, keyed by canonical column names."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([RowError(1, "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportFailed([RowError(1, f"the header cannot be read: {exc}")]) from None
    names = [_column(h) for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFailed(
            [
                RowError(
                    1,
                    "missing column"
                    + ("s" if len(missing) > 1 else "")
                    + ": "
                    + ", ".join(missing)
                    + f" (the columns are: {', '.join(COLUMNS)})",
                )
            ]
        )
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if any(v.strip() for v in values):
                if len(rows) >= MAX_ROWS:
                    raise ImportFailed([RowError(line, f"more than {MAX_ROWS} rows")])
                padded = values + [""] * (len(names) - len(values))
                rows.append(
                    (line, {n: unguard(v.strip()) for n, v in zip(names, padded, strict=False)})
                )
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed([RowError(line, f"this line cannot be read as CSV: {exc}")]) from None
    return rows


def _recurrence(text: str, weekday: str, first: date | None) -> dict[str, Any]:
    words = text.strip()
    low = words.lower()
    if low.startswith(("freq=", "rrule:")):
        return {"repeat": "custom", "rrule": words}
    if low in ("", "weekly", "every week", "each week"):
        return {"repeat": "weekly", "weekday": weekday}
    if low in (
        "fortnightly",
        "biweekly",
        "bi-weekly",
        "every two weeks",
        "every 2 weeks",
        "every other week",
    ):
        return {"repeat": "fortnightly", "weekday": weekday}
    if low in ("once", "one-off", "one off", "single", "none"):
        return {"repeat": "once"}
    if "month" in low:
        found = [n for w, n in ORDINAL_WORDS.items() if re.search(rf"\b{re.escape(w)}\b", low)]
        if found:
            return {"repeat": "monthly", "weekday": weekday, "nth": found[0]}
        if first is not None and first.day <= 28:
            return {"repeat": "monthly", "weekday": weekday, "nth": (first.day - 1) // 7 + 1}
        raise Invalid(
            'say which week of the month, such as "monthly, 2nd" or "last Friday monthly"',
            field="recurrence",
        )
    raise Invalid(
        f"{words!r} is not a recurrence: weekly, fortnightly, monthly (with the week), once, "
        "or an RRULE",
        field="recurrence",
    )


def row_data(row: dict[str, str], *, today: date) -> dict[str, Any]:
    """A spreadsheet row as the fields a listing takes."""
    day_text = row.get("day", "")
    first: date | None = None
    weekday = ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day_text):
        try:
            first = date.fromisoformat(day_text)
        except ValueError:
            raise Invalid(f"{day_text!r} is not a date", field="day") from None
        weekday = WEEKDAYS[first.weekday()]
    elif day_text.lower() in DAY_WORDS:
        weekday = WEEKDAYS[DAY_WORDS[day_text.lower()]]
    else:
        raise Invalid(
            f"{day_text!r} is not a day of the week (Wednesday) or a date (2026-03-12)",
            field="day",
        )
    if row.get("start date"):
        try:
            first = date.fromisoformat(row["start date"])
        except ValueError:
            raise Invalid(
                f"{row['start date']!r} is not a date (YYYY-MM-DD)", field="start date"
            ) from None
    recurrence = _recurrence(row.get("recurrence", ""), weekday, first)
    if recurrence["repeat"] == "once" and first is None:
        raise Invalid("a one-off chat needs its date in the day or start date column", field="day")
    return {
        "hashtag": row.get("hashtag", ""),
        "title": row.get("title", ""),
        "description": row.get("description", ""),
        "topics": row.get("topics", ""),
        "language": row.get("language", ""),
        "link": row.get("link", ""),
        "hosts": row.get("hosts", ""),
        "starts_on": (first or today).isoformat(),
        "start_time": row.get("time", ""),
        "time_zone": row.get("time zone", ""),
        "duration_minutes": row.get("duration") or "60",
        **recurrence,
    }


# The service's field names, as the spreadsheet calls them.
_FIELD_NAMES = {
    "starts_on": "start date",
    "start_time": "time",
    "time_zone": "time zone",
    "duration_minutes": "duration",
    "rrule": "recurrence",
    "repeat": "recurrence",
    "weekday": "day",
    "nth": "recurrence",
}


async def check_rows(
    session: AsyncSession, rows: list[tuple[int, dict[str, str]]], *, now: datetime
) -> tuple[list[tuple[int, ChatFields]], list[RowError]]:
    good: list[tuple[int, ChatFields]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            zone_name = row.get("time zone", "")
            try:
                today = now.astimezone(ZoneInfo(zone_name)).date() if zone_name else now.date()
            except (KeyError, ValueError):
                today = now.date()
            fields = check_fields(row_data(row, today=today))
        except DomainError as exc:
            name = _FIELD_NAMES.get(exc.field or "", exc.field)
            errors.append(RowError(line, exc.message, name))
            continue
        if fields.tag_key in seen:
            errors.append(
                RowError(
                    line, f"#{fields.hashtag} is already on line {seen[fields.tag_key]}", "hashtag"
                )
            )
            continue
        seen[fields.tag_key] = line
        good.append((line, fields))
    if good:
        listed = {
            c.tag_key: c.hashtag
            for c in await session.scalars(
                select(Chat).where(Chat.tag_key.in_([f.tag_key for _, f in good]))
            )
        }
        handles = {handle_key(h) for _, f in good for h in f.hosts}
        known = set(
            await session.scalars(select(Account.handle_key).where(Account.handle_key.in_(handles)))
        )
        still: list[tuple[int, ChatFields]] = []
        for line, fields in good:
            if fields.tag_key in listed:
                url = links.chat(listed[fields.tag_key])
                errors.append(
                    RowError(line, f"#{fields.hashtag} is already listed: {url}", "hashtag")
                )
            elif unknown := [h for h in fields.hosts if handle_key(h) not in known]:
                errors.append(RowError(line, f"nobody here is called @{unknown[0]}", "hosts"))
            else:
                still.append((line, fields))
        good = still
    errors.sort(key=lambda e: e.line)
    return good, errors


async def import_chats(
    *,
    db: Database,
    actor: Account | None,
    raw: bytes,
    partial: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Import a spreadsheet of chats (an admin, or the operator when ``actor`` is None).
    Raises ImportFailed, with nothing written, when any row is bad and ``partial`` is off."""
    if actor is not None and not actor.is_admin:
        from hashchat.errors import Forbidden

        raise Forbidden("only admins import chats")
    now = now or utcnow()
    rows = read_rows(decode(raw))
    if not rows:
        raise ImportFailed([RowError(2, "the file has a header but no chats")])
    async with db.read() as session:
        good, errors = await check_rows(session, rows, now=now)
    if errors and not partial:
        raise ImportFailed(errors)
    report = ImportReport(errors=errors, rows=len(rows))
    if good:
        async with db.write() as session:  # one transaction: all of them or none
            for _line, fields in good:
                chat = await add_chat(
                    session, actor=actor, fields=fields, now=now, default_host=False
                )
                report.created.append(chat.hashtag)
    return report


# -- export --------------------------------------------------------------------------------------


def _row(chat: Chat, schedule: Schedule, hosts: list[str]) -> dict[str, str]:
    choice = picked(schedule.rrule, schedule.starts_on)
    recurrence = {
        "once": "once",
        "weekly": "weekly",
        "fortnightly": "fortnightly",
        "custom": schedule.rrule,
    }.get(choice.repeat, "")
    if choice.repeat == "monthly":
        recurrence = {
            1: "monthly, 1st",
            2: "monthly, 2nd",
            3: "monthly, 3rd",
            4: "monthly, 4th",
            -1: "monthly, last",
        }[choice.nth or 1]
    day = (
        schedule.starts_on.isoformat()
        if choice.repeat == "once"
        else DAY_NAMES[WEEKDAYS.index(choice.weekday)]
    )
    return {
        "hashtag": "#" + chat.hashtag,
        "title": chat.title,
        "day": day,
        "time": f"{schedule.start_time:%H:%M}",
        "time zone": schedule.time_zone,
        "recurrence": recurrence,
        "description": chat.description,
        "hosts": " ".join("@" + h for h in hosts),
        "link": chat.link,
        "topics": chat.topics,
        "language": chat.language or "",
        "duration": str(schedule.duration_minutes),
        "start date": schedule.starts_on.isoformat(),
        "status": chat.status,
        "schedule": describe_rule(schedule.rrule, schedule.starts_on),
    }


async def export_rows(session: AsyncSession, chats: list[Chat]) -> list[dict[str, str]]:
    from hashchat.directory.listing import schedules_of

    schedules = await schedules_of(session, chats)
    hosts = await hosts_of(session, [c.id for c in chats])
    return [_row(c, schedules[c.id], [a.handle for a, _ in hosts[c.id]]) for c in chats]


def to_csv(rows: list[dict[str, str]]) -> str:
    """The spreadsheet's columns; cells guarded against formulas (csvfile.py), which
    ``read_rows`` takes off again, so an export imports as it was."""
    names = [*COLUMNS, *OPTIONAL, "status"]
    return csvfile.write(names, ([row.get(n, "") for n in names] for row in rows))


def to_json(entities: list[dict[str, Any]]) -> bytes:
    return orjson.dumps(entities, option=orjson.OPT_INDENT_2)
