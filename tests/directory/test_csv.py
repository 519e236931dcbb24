"""Importing and exporting the chat spreadsheet: every bad row named by its line and reason,
all or nothing unless asked otherwise, encodings, and a round trip through export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hashchat.directory import csvio, service
from hashchat.directory.models import Chat
from hashchat.errors import Forbidden
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY

HEADER = "hashtag,title,day,time,time zone,recurrence,description,hosts,link\n"
GOOD = (
    HEADER
    + '#WriteChat,Writers\' chat,Wednesday,20:00,America/New_York,weekly,"Craft, *revision*",@maya,https://w.example\n'
    + "pythonchat,Python chat,Thu,7pm,Europe/London,fortnightly,,@maya @lena,\n"
    + 'astrochat,Astronomy,Friday,20:30,Australia/Sydney,"monthly, 2nd",,,\n'
    + "historychat,History,thursday,18:00,Europe/Berlin,last Thursday monthly,,,\n"
    + "sqlitechat,Ask the SQLite developers,2026-03-12,17:00,Europe/London,once,,,\n"
    + 'rrulechat,Custom,Tuesday,09:00,Asia/Tokyo,"FREQ=MONTHLY;BYDAY=1TU,3TU",,,\n'
)


async def chats(db: Database) -> dict[str, Chat]:
    async with db.read() as session:
        return {c.hashtag: c for c in await session.scalars(select(Chat))}


async def test_a_good_spreadsheet_is_imported(db: Database, make_account: MakeAccount) -> None:
    await make_account("maya")
    await make_account("lena")
    report = await csvio.import_chats(
        db=db, actor=None, raw=b"\xef\xbb\xbf" + GOOD.encode(), now=MONDAY
    )
    assert report.created == [
        "WriteChat",
        "pythonchat",
        "astrochat",
        "historychat",
        "sqlitechat",
        "rrulechat",
    ]
    found = await chats(db)
    assert found["WriteChat"].rrule == "FREQ=WEEKLY;BYDAY=WE"
    assert found["WriteChat"].description_html == "<p>Craft, <em>revision</em></p>\n"
    assert found["WriteChat"].link == "https://w.example"
    assert (found["pythonchat"].rrule, str(found["pythonchat"].start_time)) == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        "19:00:00",
    )
    assert found["astrochat"].rrule == "FREQ=MONTHLY;BYDAY=2FR"
    assert found["historychat"].rrule == "FREQ=MONTHLY;BYDAY=-1TH"
    assert (found["sqlitechat"].rrule, found["sqlitechat"].starts_on.isoformat()) == (
        "",
        "2026-03-12",
    )
    assert found["rrulechat"].rrule == "FREQ=MONTHLY;BYDAY=1TU,3TU"
    async with db.read() as session:
        hosts = await service.hosts_of(session, [found["pythonchat"].id, found["astrochat"].id])
    assert [a.handle for a, _ in hosts[found["pythonchat"].id]] == ["maya", "lena"]
    assert hosts[found["astrochat"].id] == []  # no hosts: admins look after it


async def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(
    db: Database, make_account: MakeAccount
) -> None:
    await make_account("maya")
    await service.create_chat(
        db=db,
        actor=None,
        data={
            "hashtag": "edchat",
            "title": "Education",
            "starts_on": "2026-03-03",
            "start_time": "19:00",
            "time_zone": "America/New_York",
            "repeat": "weekly",
        },
        now=MONDAY,
    )
    raw = (
        HEADER
        + "goodchat,Good,Monday,19:00,Europe/London,weekly,,@maya,\n"  # line 2
        + 'badzone,Bad zone,Monday,19:00,Europe/Londres,weekly,"a description\n'  # line 3
        + 'over two lines",,\n'
        + "badday,Bad day,Someday,19:00,UTC,weekly,,,\n"  # line 5
        + "badtime,Bad time,Monday,25:61,UTC,weekly,,,\n"  # line 6
        + "badrule,Bad rule,Monday,19:00,UTC,FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30,,,\n"  # 7
        + "goodchat,Again,Tuesday,19:00,UTC,weekly,,,\n"  # line 8
        + "#EdChat,Taken,Tuesday,19:00,UTC,weekly,,,\n"  # line 9
        + "nobody,No host,Tuesday,19:00,UTC,weekly,,@ghost,\n"  # line 10
        + "monthly,Which week,Tuesday,19:00,UTC,monthly,,,\n"  # line 11
        + "once,No date,Tuesday,19:00,UTC,once,,,\n"  # line 12
        + "\n"
        + "toolong,Too long,Tuesday,19:00,UTC,weekly,,,,\n"  # line 14 (an extra cell is fine)
        + ",,,,,,,,\n"  # an empty row is skipped
    )
    with pytest.raises(csvio.ImportFailed) as caught:
        await csvio.import_chats(db=db, actor=None, raw=raw.encode(), now=MONDAY)
    errors = [(e.line, e.field, e.message) for e in caught.value.errors]
    assert [(line, field) for line, field, _ in errors] == [
        (3, "time zone"),
        (5, "day"),
        (6, "time"),
        (7, "recurrence"),
        (8, "hashtag"),
        (9, "hashtag"),
        (10, "hosts"),
        (11, "recurrence"),
        (12, "day"),
    ]
    messages = dict(((line, msg) for line, _, msg in errors))
    assert "'Europe/Londres' is not a time zone hashchat knows" in messages[3]
    assert "February never has day 30" in messages[7]
    assert messages[8] == "#goodchat is already on line 2"
    assert messages[9] == "#EdChat is already listed: http://testserver/chats/edchat"
    assert messages[10] == "nobody here is called @ghost"
    assert str(caught.value.errors[0]) == (
        "line 3 (time zone): 'Europe/Londres' is not a time zone hashchat knows: write its IANA "
        "name (for example America/New_York or Europe/London) or a city in it"
    )
    assert caught.value.message == "9 rows cannot be imported, so nothing was"
    assert set(await chats(db)) == {"edchat"}
    # Asked for the good rows only: they are imported and the others reported.
    report = await csvio.import_chats(db=db, actor=None, raw=raw.encode(), partial=True, now=MONDAY)
    assert report.created == ["goodchat", "toolong"] and len(report.errors) == 9
    assert set(await chats(db)) == {"edchat", "goodchat", "toolong"}


@pytest.mark.parametrize(
    ("raw", "words", "line"),
    [
        (b"hashtag,title,day\nx,y,Monday\n", "missing column: time (the columns are", 1),
        (b"", "the file is empty", 1),
        (HEADER.encode(), "a header but no chats", 2),
        (
            (HEADER + "cafechat,Caf\xe9,Monday,19:00,UTC,weekly,,,\n").encode("latin-1"),
            "this is not UTF-8 text (line 2: byte 0xE9 cannot be read); save it as CSV UTF-8",
            2,
        ),
        ((HEADER + "a,b,Monday,19:00,UTC,weekly,,,\n").encode("utf-16"), "UTF-16", 1),
    ],
)
async def test_unreadable_files_are_refused_with_a_clear_message(
    db: Database, raw: bytes, words: str, line: int
) -> None:
    with pytest.raises(csvio.ImportFailed) as caught:
        await csvio.import_chats(db=db, actor=None, raw=raw, now=MONDAY)
    assert words in caught.value.errors[0].message
    assert caught.value.errors[0].line == line
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Chat)) == 0


async def test_semicolons_and_tabs_and_column_names_as_people_write_them(db: Database) -> None:
    raw = (
        "Tag;Title;Weekday;Start time;Timezone;Repeats;Description;Host;URL;Topics;Language;Duration;First date\n"
        "écrire;Atelier d'écriture;Mardi;19:00;Europe/Paris;weekly;;;;écriture, livres;fr;90;2026-03-03\n"
    )
    with pytest.raises(csvio.ImportFailed) as caught:  # weekdays are English
        await csvio.import_chats(db=db, actor=None, raw=raw.encode(), now=MONDAY)
    assert caught.value.errors[0].field == "day"
    report = await csvio.import_chats(
        db=db, actor=None, raw=raw.replace("Mardi", "Tuesday").encode(), now=MONDAY
    )
    chat = (await chats(db))["écrire"]
    assert report.created == ["écrire"]
    assert (chat.topics, chat.language, chat.duration_minutes) == ("écriture, livres", "fr", 90)
    tabbed = "hashtag\ttitle\tday\ttime\ttime zone\nlirechat\tLire\tFriday\t18:00\tEurope/Paris\n"
    assert (
        await csvio.import_chats(db=db, actor=None, raw=tabbed.encode(), now=MONDAY)
    ).created == ["lirechat"]


async def test_export_and_import_again_gives_the_same_directory(
    db: Database, make_account: MakeAccount
) -> None:
    await make_account("maya")
    await make_account("lena")
    await csvio.import_chats(db=db, actor=None, raw=GOOD.encode(), now=MONDAY)
    async with db.read() as session:
        before = {c.hashtag: c for c in await session.scalars(select(Chat))}
        exported = csvio.to_csv(await csvio.export_rows(session, list(before.values())))
    assert exported.splitlines()[0] == (
        "hashtag,title,day,time,time zone,recurrence,description,hosts,link,topics,language,"
        "duration,start date,status"
    )
    assert (
        "#pythonchat,Python chat,Thursday,19:00,Europe/London,fortnightly,,'@maya @lena,"
        in exported
    )
    async with db.write() as session:
        await session.execute(Chat.__table__.delete())
    report = await csvio.import_chats(
        db=db, actor=None, raw=exported.encode(), now=MONDAY + timedelta(days=30)
    )
    assert len(report.created) == len(before)
    after = await chats(db)
    for name, chat in before.items():
        again = after[name]
        assert (
            again.rrule,
            again.starts_on,
            again.start_time,
            again.time_zone,
            again.title,
            again.description,
        ) == (
            chat.rrule,
            chat.starts_on,
            chat.start_time,
            chat.time_zone,
            chat.title,
            chat.description,
        ), name


async def test_only_admins_import(db: Database, make_account: MakeAccount) -> None:
    member = await make_account("member")
    with pytest.raises(Forbidden):
        await csvio.import_chats(db=db, actor=member, raw=GOOD.encode(), now=MONDAY)
    rows = json.loads(csvio.to_json([{"hashtag": "x"}]))
    assert rows == [{"hashtag": "x"}]
