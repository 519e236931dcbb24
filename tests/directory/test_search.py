"""Finding chats: full text, topic and language, day and time in the viewer's own zone (across
the weeks when New York and London change their clocks on different dates), live now,
starting soon, the week's agenda, and "may be inactive" chats ranked lower."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hashchat.directory import search
from hashchat.directory.models import Chat
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY, MakeChat


async def find(
    db: Database, now: datetime = MONDAY, zone: str = "Europe/London", **params: object
) -> list[str]:
    async with db.read() as session:
        filters = search.parse_filters({k: v for k, v in params.items()}, zone=zone)
        found = await search.search_chats(session, filters, now=now)
    return [c.hashtag for c in found.chats]


async def test_full_text_search_over_hashtag_title_topics_and_description(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="pythonchat", title="Python chat", topics="programming")
    await make_chat(host, hashtag="gardenchat", title="Balcony gardening", topics="plants")
    await make_chat(
        host,
        hashtag="edchat",
        title="Education chat",
        topics="teaching",
        description="Teachers talk about **gardening** projects with pupils",
    )
    assert await find(db, q="python") == ["pythonchat"]  # a prefix of the hashtag
    assert await find(db, q="PROGRAMMING") == ["pythonchat"]
    assert await find(db, q="teach") == ["edchat"]
    # both match "gardening"; the one with it in its title comes first
    assert await find(db, q="gardening") == ["gardenchat", "edchat"]
    assert await find(db, q="gardening pupils") == ["edchat"]  # every word must match
    assert await find(db, q="knitting") == []
    # what people type is never an operator of the query language
    for typed in ['"python', "python*", "python (", "python -", "python'", "(python)^"]:
        assert await find(db, q=typed) == ["pythonchat"], typed
    assert await find(db, q="python OR gardening") == []  # OR is a word here, not an operator
    assert sorted(await find(db, q="!!! ???")) == ["edchat", "gardenchat", "pythonchat"]


async def test_full_text_index_follows_edits_and_deletions(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    from hashchat.directory import service

    host = await make_account("host")
    await make_chat(host, hashtag="bookchat", title="Book club")
    assert await find(db, q="novels") == []
    await service.update_chat(
        db=db, actor=host, tag="bookchat", data={"title": "Novels and short stories"}, now=MONDAY
    )
    assert await find(db, q="novels") == ["bookchat"]
    assert await find(db, q="club") == []
    async with db.write() as session:
        await session.execute(Chat.__table__.delete())
    assert await find(db, q="novels") == []


async def test_topic_and_language_filters(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="writechat", topics="Writing, fiction", language="en")
    await make_chat(host, hashtag="buchchat", topics="books, writing", language="de")
    await make_chat(host, hashtag="corredores", topics="running", language="es")
    assert sorted(await find(db, topic="writing")) == ["buchchat", "writechat"]
    assert await find(db, topic="WRITING", language="de") == ["buchchat"]
    assert await find(db, topic="#running") == ["corredores"]
    assert await find(db, language="fr") == []


async def test_day_and_time_are_the_viewers_across_the_weeks_new_york_and_london_differ(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    # 20:00 in New York on Wednesdays: 01:00 Thursday in London, except from 8 to 29 March
    # 2026 (America has changed its clocks, Europe not yet), when it is 00:00.
    await make_chat(host, hashtag="nychat", time_zone="America/New_York", start_time="20:00")
    # 19:00 in London on Thursdays: 14:00 in New York, 15:00 in those three weeks.
    await make_chat(
        host, hashtag="ukchat", time_zone="Europe/London", start_time="19:00", weekday="TH"
    )
    march_9 = datetime(2026, 3, 9, 12, tzinfo=UTC)
    april_6 = datetime(2026, 4, 6, 12, tzinfo=UTC)
    london_midnight = {"days": "thu", "from": "00:00", "to": "00:30"}
    assert await find(db, now=march_9, **london_midnight) == ["nychat"]
    assert await find(db, now=april_6, **london_midnight) == []
    assert await find(db, now=april_6, days="thu", **{"from": "01:00", "to": "01:30"}) == ["nychat"]
    # "Wednesday night" in London (22:00 to 06:00) holds the 01:00 Thursday start.
    assert await find(db, now=april_6, days="wed", time="night") == ["nychat"]
    assert await find(db, now=april_6, days="thu", time="night") == []
    new_york = "America/New_York"
    assert await find(
        db, now=march_9, zone=new_york, days="thu", **{"from": "15:00", "to": "15:30"}
    ) == ["ukchat"]
    assert (
        await find(db, now=april_6, zone=new_york, days="thu", **{"from": "15:00", "to": "15:30"})
        == []
    )
    assert await find(db, now=april_6, zone=new_york, days="thu", time="afternoon") == ["ukchat"]
    # a tz parameter overrides the viewer's own zone
    assert await find(
        db, now=april_6, zone=new_york, tz="Europe/London", days="wed", time="night"
    ) == ["nychat"]


async def test_live_now_and_starting_within_hours(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="nychat", time_zone="America/New_York", start_time="20:00")
    await make_chat(host, hashtag="latechat", time_zone="America/New_York", start_time="23:00")
    during = datetime(2026, 2, 26, 1, 30, tzinfo=UTC)  # Wed 20:30 in New York
    assert await find(db, now=during, live="true") == ["nychat"]
    assert await find(db, now=during, within_hours="3") == ["latechat"]
    assert await find(db, now=during, within_hours="1") == []
    async with db.read() as session:
        live = await search.live_now(session, now=during)
        soon = await search.starting_soon(session, now=during, hours=3)
        listed = await search.search_chats(session, search.Filters(), now=during)
    assert [h.chat.hashtag for h in live] == ["nychat"]
    assert [h.chat.hashtag for h in soon] == ["latechat"]
    assert listed.live_ids == {live[0].chat.id}


async def test_the_week_agenda_in_the_viewers_zone(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="nychat", time_zone="America/New_York", start_time="20:00")
    await make_chat(
        host, hashtag="tokyochat", time_zone="Asia/Tokyo", start_time="09:00", weekday="SA"
    )
    paused = await make_chat(host, hashtag="pausedchat", time_zone="UTC", weekday="FR")
    from hashchat.directory import service

    await service.set_status(db=db, actor=host, tag=paused.hashtag, status="paused", now=MONDAY)
    async with db.read() as session:
        week = await search.agenda(
            session,
            search.parse_filters({}, zone="Europe/London"),
            start=date(2026, 3, 9),
            now=MONDAY,
        )
        tokyo_view = await search.agenda(
            session, search.parse_filters({}, zone="Asia/Tokyo"), start=date(2026, 3, 9), now=MONDAY
        )
    assert week.total == 2 and week.end == date(2026, 3, 15)
    placed = {
        (d.date.isoformat(), s.chat.hashtag, s.local_start.strftime("%H:%M"))
        for d in week.days
        for s in d.slots
    }
    # Wednesday 11 March, 20:00 in New York is Thursday 00:00 in London that week;
    # Saturday 14 March 09:00 in Tokyo is Saturday 00:00 in London.
    assert placed == {("2026-03-12", "nychat", "00:00"), ("2026-03-14", "tokyochat", "00:00")}
    tokyo = {
        (d.date.isoformat(), s.chat.hashtag, s.local_start.strftime("%H:%M"))
        for d in tokyo_view.days
        for s in d.slots
    }
    assert tokyo == {("2026-03-12", "nychat", "09:00"), ("2026-03-14", "tokyochat", "09:00")}
    async with db.read() as session:
        capped = await search.agenda(
            session, search.Filters(zone="UTC"), start=date(2026, 3, 9), now=MONDAY, limit=1
        )
    assert capped.total == 2 and capped.shown == 1


async def test_may_be_inactive_chats_rank_lower(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    quiet = await make_chat(host, hashtag="aquietchat", title="Writing chat")
    await make_chat(host, hashtag="zbusychat", title="Writing chat")
    assert await find(db, q="writing") == ["aquietchat", "zbusychat"]  # a tie: by id
    async with db.write() as session:
        flagged = await session.get(Chat, quiet.id)
        assert flagged is not None
        flagged.inactive_since = MONDAY  # as the health step does
    assert await find(db, q="writing") == ["zbusychat", "aquietchat"]
    assert await find(db) == ["zbusychat", "aquietchat"]
    assert await find(db, status="inactive") == ["aquietchat"]
    assert await find(db, status="active") == ["zbusychat"]


async def test_paging_and_bad_filters(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    import pytest

    from hashchat.errors import Invalid

    host = await make_account("host")
    for _ in range(3):
        await make_chat(host)
    assert len(await find(db, limit="2")) == 2
    assert len(await find(db, limit="2", offset="2")) == 1
    for params, field in [
        ({"tz": "Europe/Nowhere"}, "tz"),
        ({"days": "someday"}, "days"),
        ({"time": "teatime"}, "time"),
        ({"from": "19:00"}, "from"),
        ({"from": "19:00", "to": "7pm"}, "to"),
        ({"within_hours": "1000"}, "within_hours"),
        ({"status": "sleeping"}, "status"),
        ({"live": "maybe"}, "live"),
    ]:
        with pytest.raises(Invalid) as caught:
            search.parse_filters(params, zone="UTC")
        assert caught.value.field == field, params
    assert search.viewer_intervals(
        search.Filters(days=(2,), zone="Europe/London"), now=MONDAY, days=7
    )[0] == (
        datetime(2026, 2, 25, 0, 0, tzinfo=UTC),
        datetime(2026, 2, 26, 0, 0, tzinfo=UTC),
    )
