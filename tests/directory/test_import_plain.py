"""Importing the spreadsheet people already have: cells written plainly are understood, a cell
with two readings or two cells that contradict each other are refused with a question, every
problem of a row is reported, and a problem of the whole file is called one."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import httpx
import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from hashchat.accounts.validation import time_zones
from hashchat.directory import csvio, plain
from hashchat.directory.models import Chat
from hashchat.directory.occurrences import load_schedule
from hashchat.errors import Invalid
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.directory.conftest import MONDAY
from tests.liveserver import LiveServer

HEADER = "hashtag,title,day,time,time zone,recurrence,duration\n"


async def imported(db: Database, sheet: str) -> dict[str, Chat]:
    await csvio.import_chats(db=db, actor=None, raw=sheet.encode(), now=MONDAY)
    async with db.read() as session:
        return {c.hashtag: c for c in await session.scalars(select(Chat))}


async def refused(db: Database, sheet: str) -> list[tuple[int, str | None, str]]:
    with pytest.raises(csvio.ImportFailed) as caught:
        await csvio.import_chats(db=db, actor=None, raw=sheet.encode(), now=MONDAY)
    assert not caught.value.whole_file
    async with db.read() as session:
        assert list(await session.scalars(select(Chat))) == []  # all or nothing
    return [(e.line, e.field, e.message) for e in caught.value.errors]


async def test_rows_written_plainly_are_understood(db: Database) -> None:
    sheet = (
        HEADER
        + "tueschat,Tues,Tues,8pm ET,,,\n"
        + "pluralchat,Plural,Tuesdays,8-9 PM,america/new_york,,\n"
        + "otherchat,Other,every other Wednesday,7pm,Sydney,,1 hour\n"
        + "recurchat,Words,Thursday,8:30 p.m.,New York,every other Thursday,90 minutes\n"
        + "monthchat,Month,last Friday of the month,20:00–21:30,Europe/London,,\n"
        + "twicechat,Twice,Mon & Thu,noon,UTC+01:00,,45 min\n"
        + 'pairchat,Pair,Tuesday,18:00,Pacific,"1st and 3rd Tuesday",1h30\n'
    )
    chats = await imported(db, sheet)
    got = {
        tag: (c.rrule, c.start_time, c.time_zone, c.duration_minutes) for tag, c in chats.items()
    }
    assert got == {
        "tueschat": ("FREQ=WEEKLY;BYDAY=TU", time(20), "America/New_York", 60),
        "pluralchat": ("FREQ=WEEKLY;BYDAY=TU", time(20), "America/New_York", 60),
        "otherchat": ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", time(19), "Australia/Sydney", 60),
        "recurchat": ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", time(20, 30), "America/New_York", 90),
        "monthchat": ("FREQ=MONTHLY;BYDAY=-1FR", time(20), "Europe/London", 90),
        "twicechat": ("FREQ=WEEKLY;BYDAY=MO,TH", time(12), "Etc/GMT-1", 45),
        "pairchat": ("FREQ=MONTHLY;BYDAY=1TU,3TU", time(18), "America/Los_Angeles", 90),
    }


async def test_a_zone_abbreviation_with_two_readings_is_asked_not_guessed(db: Database) -> None:
    """'EST' was silently the fixed zone EST: a chat at 20:00 EST moved to 21:00 New York time
    after the spring change. The importer asks which is meant; either answer imports."""
    errors = await refused(
        db,
        HEADER
        + "estchat,EST,Wednesday,8-9 PM EST,,,\n"
        + "istchat,IST,Thursday,19:00,IST,,\n"
        + "columnchat,EST column,Friday,20:00,EST,,\n",
    )
    assert [(line, field) for line, field, _ in errors] == [
        (2, "time"),
        (3, "time zone"),
        (4, "time zone"),
    ]
    est = errors[0][2]
    assert "'EST' can mean more than one time zone" in est
    assert "America/New_York" in est and "UTC-05:00 all year" in est
    assert all(z in errors[1][2] for z in ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"))
    chats = await imported(
        db,
        HEADER
        + "nychat,New York,Wednesday,8-9 PM,America/New_York,,\n"
        + "fixedchat,Fixed,Wednesday,8-9 PM UTC-05:00,,,\n",
    )
    async with db.read() as session:
        ny = await load_schedule(session, chats["nychat"])
        fixed = await load_schedule(session, chats["fixedchat"])
    winter, summer = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    assert ny.occurrences(winter, summer)[0].starts_at.hour == 1  # 20:00 EST
    assert ny.occurrences(summer, datetime(2026, 5, 1, tzinfo=UTC))[0].starts_at.hour == 0  # EDT
    assert {
        o.starts_at.hour for o in fixed.occurrences(winter, datetime(2026, 9, 1, tzinfo=UTC))
    } == {1}


async def test_contradicting_cells_are_refused_with_a_question(db: Database) -> None:
    errors = await refused(
        db,
        HEADER
        + "a,A,Tuesday,19:00,UTC,FREQ=WEEKLY;BYDAY=WE,\n"
        + "b,B,every other Wednesday,19:00,UTC,weekly,\n"
        + "c,C,Wednesday,8-9pm,UTC,,90\n"
        + "d,D,Wednesday,8pm ET,Europe/London,,\n"
        + "e,E,2026-03-12,19:00,UTC,every Wednesday,\n"
        + "f,F,2nd Tuesday,19:00,UTC,monthly last,\n"
        + "g,G,Monday,19:00,UTC,daily,\n",
    )
    assert errors == [
        (
            2,
            "recurrence",
            "the day says Tuesday but the recurrence says FREQ=WEEKLY;BYDAY=WE: which is it?",
        ),
        (
            3,
            "recurrence",
            "the day says every other Wednesday but the recurrence says weekly: which is it?",
        ),
        (
            4,
            "duration",
            "the time '8-9pm' lasts 1 hour but the duration says 1 hour 30 minutes: which is it?",
        ),
        (
            5,
            "time zone",
            "the time says ET (America/New_York) but the time zone column says Europe/London "
            "(Europe/London): which is it?",
        ),
        (
            6,
            "recurrence",
            "2026-03-12 is a Thursday but the recurrence says every Wednesday: which is it?",
        ),
        (
            7,
            "recurrence",
            "the day says monthly on the 2nd Tuesday but the recurrence says monthly on the "
            "last: which is it?",
        ),
        (8, "recurrence", "the day says Monday but the recurrence says every day: which is it?"),
    ]


async def test_every_problem_of_a_row_is_reported(db: Database) -> None:
    errors = await refused(
        db,
        "hashtag,title,day,time,time zone,recurrence,duration,link\n"
        + "bad chat,,Someday,8,Mars/Olympus,every blue moon,1,ftp://x\n",
    )
    assert [(line, field) for line, field, _ in errors] == [
        (2, "hashtag"),
        (2, "title"),
        (2, "day"),
        (2, "recurrence"),
        (2, "time"),
        (2, "time zone"),
        (2, "duration"),
        (2, "link"),
    ]
    with pytest.raises(csvio.ImportFailed) as caught:
        await csvio.import_chats(
            db=db,
            actor=None,
            raw=(HEADER + "x,,Someday,20:00,UTC,,\n").encode(),
            now=MONDAY,
        )
    assert caught.value.message == "1 row cannot be imported, so nothing was"
    # --partial: the good rows go in, the bad one is left out with all its problems
    report = await csvio.import_chats(
        db=db,
        actor=None,
        raw=(HEADER + "x,,Someday,20:00,Mars,,\ngoodchat,Good,Tues,8pm ET,,,\n").encode(),
        partial=True,
        now=MONDAY,
    )
    assert report.created == ["goodchat"]
    assert (report.left_out, [e.field for e in report.errors]) == (1, ["title", "day", "time zone"])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            (HEADER + "cafechat,Café,Monday,19:00,UTC,,\n").encode("latin-1"),
            "the file cannot be imported: this is not UTF-8 text (line 2: byte 0xE9",
        ),
        (
            b"writechat,Writers,Wednesday,8pm,America/New_York\n",
            "the file cannot be imported: there is no header row: line 1 should name the columns",
        ),
        (b"\n\n", "the file cannot be imported: the file is empty"),
        (
            b"hashtag,title,day,time,Time\nx,y,Monday,19:00,20:00\n",
            "the file cannot be imported: the column 'time' appears twice (columns 4 and 5)",
        ),
        (HEADER.encode(), "the file cannot be imported: the file has a header but no chats"),
    ],
)
async def test_a_problem_of_the_whole_file_is_called_one(
    db: Database, raw: bytes, message: str
) -> None:
    with pytest.raises(csvio.ImportFailed) as caught:
        await csvio.import_chats(db=db, actor=None, raw=raw, now=MONDAY)
    assert caught.value.whole_file
    assert caught.value.message.startswith(message)
    assert "row" not in caught.value.message.split(":")[0]


async def test_the_api_and_the_page_say_so_too(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: object
) -> None:
    admin = auth(await token_for(await make_account("root", role="admin")))  # type: ignore[operator]
    latin = (HEADER + "cafechat,Café,Monday,19:00,UTC,,\n").encode("latin-1")
    with time_machine.travel(MONDAY, tick=True):
        response = await client.post(
            "/api/v1/chats/import", content=latin, headers={**admin, "Content-Type": "text/csv"}
        )
    assert response.status_code == 422
    body = response.json()
    assert body["whole_file"] is True and body["field"] == "file"
    assert body["error"].startswith("the file cannot be imported: this is not UTF-8 text")
    asked = await client.post(
        "/api/v1/chats/import",
        content=HEADER + "estchat,EST,Wednesday,8pm EST,,,\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert asked.status_code == 422 and asked.json()["whole_file"] is False
    assert asked.json()["rows"][0]["column"] == "time"


# -- the readers, one cell at a time ---------------------------------------------------------


def test_every_example_in_the_table_is_understood_and_documented() -> None:
    readers = {
        "day": plain.read_day,
        "time": plain.read_time,
        "time zone": plain.read_zone,
        "recurrence": plain.read_recurrence,
        "duration": plain.read_duration,
    }
    docs = (Path(__file__).parents[2] / "docs" / "directory.md").read_text()
    for column, _words, examples in plain.UNDERSTOOD:
        for example in examples:
            readers[column](example)  # raises if it is not understood
            assert f"`{example}`" in docs, (column, example)
    for _what, examples, _joined in plain.ASKED:
        for example in examples:
            assert f"`{example}`" in docs, example


async def test_the_import_page_shows_the_same_table(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    import html

    from tests.directory.test_pages import sign_in

    await make_account("root", role="admin")
    await sign_in(client, "root")
    page = html.unescape((await client.get("/chats/import")).text)
    for _column, words, examples in plain.UNDERSTOOD:
        assert words in page
        assert all(f"<code>{e}</code>" in page for e in examples)


def test_every_zone_is_read_back_from_its_name_in_lower_case() -> None:
    asked_or_renamed = set(plain.AMBIGUOUS) | set(plain.ZONE_WORDS)
    for zone in time_zones():
        if zone.lower() in asked_or_renamed:
            continue
        assert plain.read_zone(zone.lower()) == zone
        assert plain.read_zone(zone.lower().replace("_", " ")) == zone


@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    length=st.integers(5, 1435),
    style=st.sampled_from(["24", "ampm", "AM PM", "a.m."]),
    zone=st.sampled_from(["", " ET", " Europe/London", " (Sydney)"]),
)
def test_a_time_or_a_range_is_read_in_any_of_its_spellings(
    hour: int, minute: int, length: int, style: str, zone: str
) -> None:
    end_total = (hour * 60 + minute + length) % 1440
    end_hour, end_minute = divmod(end_total, 60)

    def spelled(h: int, m: int) -> str:
        if style == "24":
            return f"{h:02d}:{m:02d}"
        twelve = h % 12 or 12
        suffix = {"ampm": ("am", "pm"), "AM PM": (" AM", " PM"), "a.m.": (" a.m.", " p.m.")}[style][
            h >= 12
        ]
        return f"{twelve}:{m:02d}{suffix}"

    single = plain.read_time(spelled(hour, minute) + zone)
    assert (single.start, single.minutes, single.zone) == (
        time(hour, minute),
        None,
        zone.strip().strip("()"),
    )
    ranged = plain.read_time(f"{spelled(hour, minute)}–{spelled(end_hour, end_minute)}{zone}")
    assert (ranged.start, ranged.minutes) == (time(hour, minute), length)


@given(hours=st.integers(0, 23), minutes=st.integers(0, 59))
def test_a_duration_in_words_is_its_minutes(hours: int, minutes: int) -> None:
    total = hours * 60 + minutes
    if total < 5:
        return
    spellings = [f"{hours}h{minutes:02d}", f"{hours}:{minutes:02d}"]
    if hours:
        unit = "hour" if hours == 1 else "hours"
        spellings.append(f"{hours} {unit} {minutes} min" if minutes else f"{hours} {unit}")
    for text in spellings:
        assert plain.read_duration(text) == total, text


def test_bare_hours_are_asked() -> None:
    for text in ("8", "8-9", "8 ET"):
        with pytest.raises(Invalid) as caught:
            plain.read_time(text)
        assert "could be morning or evening" in caught.value.message


def test_the_command_line_report_is_not_wrapped_when_piped(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    sheet = tmp_path / "chats.csv"
    sheet.write_text(HEADER + "estchat,EST,Wednesday,8pm,EST,,\n", encoding="utf-8")
    failed = server.run_cli("chats", "import", str(sheet))
    assert failed.returncode == 1
    lines = failed.stderr.splitlines()
    question = [line for line in lines if "line 2 (time zone)" in line]
    assert len(question) == 1 and len(question[0]) > 200
    assert question[0].rstrip().endswith("Write the one you mean.")
