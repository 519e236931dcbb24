"""Import and export in the shape of the chat spreadsheets people kept for years:

    hashtag, title, day, time, time zone, recurrence, description, hosts, link

plus, when present, ``topics``, ``language``, ``duration`` (60 minutes when absent) and
``start date`` (the first occurrence; today when absent, in the chat's zone). The cells are read
as people write them ("Tuesdays", "8-9 PM ET", "every other Wednesday", "1 hour", "Sydney":
directory/plain.py, the table in docs/directory.md); a cell with two readings ("EST") or two
cells that contradict each other are refused with a question (directory/sheet.py).

Files must be UTF-8 (a byte-order mark is fine: Excel's "CSV UTF-8" writes one); commas,
semicolons and tabs are recognised as separators. Every row is checked before anything is
written; each problem of a bad row is reported with its line number, column and reason, and
nothing is imported unless every row is good, or the caller asked for the good rows only
(``partial``). A problem of the whole file (not UTF-8, no header row) is reported as such.
"""

from __future__ import annotations

import codecs
import csv
import io
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
from hashchat.directory.service import ChatFields, add_chat, hosts_of
from hashchat.directory.sheet import read_row
from hashchat.errors import Invalid
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
REQUIRED = ("hashtag", "title", "day", "time")  # the zone may follow the time (8pm ET)
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
    "length": "duration",
    "hashtag chat": "hashtag",
    "start date (yyyy-mm-dd)": "start date",
}
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"line {self.line}{where}: {self.message}"


class ImportFailed(Invalid):
    """Nothing was imported; ``errors`` says what is wrong, problem by problem (several may
    be on one line). ``whole_file`` says the file itself cannot be read as a spreadsheet of
    chats (not UTF-8, no header row, empty): then the message says so, not "1 row". A problem
    on no line (line 0: no file was sent) is one of the whole file too."""

    def __init__(self, errors: list[RowError], *, whole_file: bool = False) -> None:
        whole_file = whole_file or (len(errors) == 1 and errors[0].line == 0)
        lines = len({e.line for e in errors})
        summary = f"{lines} row{'s' if lines != 1 else ''} cannot be imported, so nothing was"
        if whole_file and errors:
            summary = f"the file cannot be imported: {errors[0].message}"
        super().__init__(summary, field="file")
        self.errors = errors
        self.whole_file = whole_file


def file_problem(line: int, message: str) -> ImportFailed:
    return ImportFailed([RowError(line, message)], whole_file=True)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)  # hashtags
    errors: list[RowError] = field(default_factory=list)  # problems of rows left out (partial)
    rows: int = 0

    @property
    def left_out(self) -> int:
        """How many rows were left out (a row may have several problems)."""
        return len({e.line for e in self.errors})


def decode(raw: bytes) -> str:
    """The file's text; ImportFailed naming the line when it is not UTF-8."""
    if len(raw) > MAX_BYTES:
        raise file_problem(1, f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_problem(1, 'the file is UTF-16; save it as CSV UTF-8 (Excel: "CSV UTF-8")')
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
        raise file_problem(
            line,
            f"this is not UTF-8 text (line {line}: byte 0x{byte} cannot be read); save it as "
            "CSV UTF-8 and try again",
        ) from None


def _column(name: str) -> str:
    key = " ".join(name.strip().lower().replace("_", " ").split())
    return ALIASES.get(key, key)


def _header(reader: Any) -> tuple[int, list[str]]:
    """The first line that is not blank: (its line number, its cells)."""
    try:
        for values in reader:
            if any(v.strip() for v in values):
                return reader.line_num, values
    except csv.Error as exc:
        raise file_problem(reader.line_num, f"the header cannot be read: {exc}") from None
    raise file_problem(1, "the file is empty")


def _check_header(line: int, raw: list[str]) -> list[str]:
    """The canonical column names; a whole-file problem when the header is not one."""
    names = [_column(v) for v in raw]
    known = [n for n in names if n in COLUMNS or n in OPTIONAL]
    if not known:
        shown = ", ".join(v for v in raw if v)[:80]
        raise file_problem(
            line,
            f"there is no header row: line {line} should name the columns "
            f"({', '.join(COLUMNS)}) but reads {shown!r}",
        )
    for name in known:
        where = [str(i + 1) for i, n in enumerate(names) if n == name]
        if len(where) > 1:
            raise file_problem(
                line, f"the column {name!r} appears twice (columns {' and '.join(where)})"
            )
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise file_problem(
            line,
            "missing column"
            + ("s" if len(missing) > 1 else "")
            + ": "
            + ", ".join(missing)
            + f" (the columns are: {', '.join(COLUMNS)})",
        )
    return names


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for each row, keyed by canonical column names."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header_line, header = _header(reader)
    names = _check_header(header_line, header)
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if any(v.strip() for v in values):
                if len(rows) >= MAX_ROWS:
                    raise file_problem(line, f"the file has more than {MAX_ROWS} rows")
                padded = values + [""] * (len(names) - len(values))
                rows.append(
                    (line, {n: unguard(v.strip()) for n, v in zip(names, padded, strict=False)})
                )
            line = reader.line_num + 1
    except csv.Error as exc:
        raise file_problem(line, f"line {line} cannot be read as CSV: {exc}") from None
    if not rows:
        raise file_problem(header_line + 1, "the file has a header but no chats")
    return rows


async def check_rows(
    session: AsyncSession, rows: list[tuple[int, dict[str, str]]], *, now: datetime
) -> tuple[list[tuple[int, ChatFields]], list[RowError]]:
    """Each row read (sheet.read_row: every problem of a row), then checked against the rows
    before it and the directory (a hashtag listed twice, hosts who are not here)."""

    def today(zone: str) -> date:
        return now.astimezone(ZoneInfo(zone)).date()

    good: list[tuple[int, ChatFields]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        fields, problems = read_row(row, today=today)
        errors += [RowError(line, p.message, p.field) for p in problems]
        if fields is None:
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
            bad = False
            if fields.tag_key in listed:
                url = links.chat(listed[fields.tag_key])
                errors.append(
                    RowError(line, f"#{fields.hashtag} is already listed: {url}", "hashtag")
                )
                bad = True
            for handle in [h for h in fields.hosts if handle_key(h) not in known]:
                errors.append(RowError(line, f"nobody here is called @{handle}", "hosts"))
                bad = True
            if not bad:
                still.append((line, fields))
        good = still
    errors.sort(key=lambda e: e.line)  # stable: a line's problems stay in column order
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
        "schedule": describe_rule(schedule.rrule, schedule.starts_on, schedule.zone),
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
