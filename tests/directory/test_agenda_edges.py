"""The agenda at its edges: an occurrence already under way when a chat is listed, one that
crosses midnight into today, and weeks far beyond the stored occurrences (expanded from the
schedules on demand, the same as the chat's own occurrence list)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import time_machine

from hashchat.directory import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY, MakeChat

# Wednesday 25 February 2026, 20:30 in New York: the weekly 20:00 chat is half-way through.
HALF_WAY = datetime(2026, 2, 26, 1, 30, tzinfo=UTC)


def hashtags(agenda: dict[str, Any], day: int) -> list[tuple[str, bool]]:
    return [(o["chat"]["hashtag"], o["live"]) for o in agenda["days"][day]["occurrences"]]


async def test_a_chat_listed_during_its_occurrence_is_live_and_on_todays_agenda(
    client: httpx.AsyncClient, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    with time_machine.travel(HALF_WAY, tick=False):
        await make_chat(host, hashtag="latechat", now=HALF_WAY)
        entity = (await client.get("/api/v1/chats/latechat")).json()
        assert entity["live"] is True
        assert entity["next_occurrence"]["starts_at"] == "2026-02-26T01:00:00.000Z"
        live = (await client.get("/api/v1/chats?live=true")).json()
        assert [c["hashtag"] for c in live] == ["latechat"]
        agenda = (await client.get("/api/v1/chats/agenda?tz=America/New_York")).json()
        assert agenda["start"] == "2026-02-25"
        assert hashtags(agenda, 0) == [("latechat", True)]
        assert agenda["total"] == 1
        page = await client.get("/chats?tz=America/New_York")
        assert "#latechat" in page.text.split("Live now</h2>")[1].split("</section>")[0]


async def test_an_occurrence_from_the_night_before_is_on_todays_agenda(
    client: httpx.AsyncClient, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="nightowls", start_time="23:30", duration_minutes=90)
    # Thursday 26 February, 00:10 in New York: Wednesday's 23:30 chat runs to 01:00.
    just_after_midnight = datetime(2026, 2, 26, 5, 10, tzinfo=UTC)
    with time_machine.travel(just_after_midnight, tick=False):
        agenda = (await client.get("/api/v1/chats/agenda?tz=America/New_York")).json()
        assert agenda["start"] == "2026-02-26"
        assert hashtags(agenda, 0) == [("nightowls", True)]
        assert agenda["days"][0]["occurrences"][0]["viewer_start"] == "2026-02-25T23:30-05:00"
        page = await client.get("/chats/agenda?tz=America/New_York")
        assert page.status_code == 200
        first_day = page.text.split('id="day-1"')[1].split('id="day-2"')[0]
        assert "#nightowls" in first_day and "Wed 23:30" in first_day
    # the week before still has it on its Wednesday
    week = (await client.get("/api/v1/chats/agenda?tz=America/New_York&start=2026-02-19")).json()
    assert hashtags(week, 6) == [("nightowls", False)]


async def occurrences(client: httpx.AsyncClient, tag: str, start: date) -> list[str]:
    end = start + timedelta(days=7)
    response = await client.get(
        f"/api/v1/chats/{tag}/occurrences?from={start}&to={end}&tz=America/New_York"
    )
    assert response.status_code == 200, response.text
    return [o["starts_at"] for o in response.json()]


async def test_weeks_beyond_the_stored_occurrences_are_expanded_on_demand(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    """Occurrences are stored 63 days ahead; a week past that was silently empty. Every week
    asked for, near or years ahead, lists what each chat's own occurrence list says."""
    host = await make_account("host")
    with time_machine.travel(MONDAY, tick=False):
        await make_chat(host, hashtag="weekly", title="Weekly writers")
        await make_chat(host, hashtag="monthly", repeat="monthly", weekday="TH", nth=-1)
        await make_chat(
            host,
            hashtag="daily",
            repeat="custom",
            rrule="FREQ=DAILY;INTERVAL=3",
            start_time="07:15",
        )
        await make_chat(
            host, hashtag="ending", repeat="custom", rrule="FREQ=WEEKLY;BYDAY=FR;UNTIL=20270101"
        )
        await make_chat(host, hashtag="sydney", time_zone="Australia/Sydney", weekday="SU")
        await service.skip_occurrence(db=db, actor=host, tag="weekly", day="2027-06-16")
        await service.move_occurrence(
            db=db, actor=host, tag="weekly", day="2027-06-23", to="2027-06-24T18:00"
        )
        await service.set_status(db=db, actor=host, tag="sydney", status="paused")
        tags = ["weekly", "monthly", "daily", "ending", "sydney"]
        starts = [date(2026, 4, 20) + timedelta(days=n) for n in (0, 3, 7)]  # across day 63
        starts += [date(2026, 12, 28), date(2027, 6, 14), date(2027, 6, 21), date(2031, 3, 3)]
        for start in starts:
            response = await client.get(f"/api/v1/chats/agenda?tz=America/New_York&start={start}")
            agenda = response.json()
            listed = sorted(
                (o["starts_at"], o["chat"]["hashtag"])
                for d in agenda["days"]
                for o in d["occurrences"]
            )
            expected = []
            for tag in tags:
                expected += [(s, tag) for s in await occurrences(client, tag, start)]
            expected.sort()
            assert listed == expected, start
            assert agenda["total"] == len(expected)
        far = (await client.get("/api/v1/chats/agenda?tz=America/New_York&start=2031-03-03")).json()
        wednesday = far["days"][2]["occurrences"]  # 5 March 2031
        assert [o["starts_at"] for o in wednesday if o["chat"]["hashtag"] == "weekly"] == [
            "2031-03-06T01:00:00.000Z"  # 20:00 EST
        ]
        assert "ending" not in {o["chat"]["hashtag"] for d in far["days"] for o in d["occurrences"]}
        june = (
            await client.get("/api/v1/chats/agenda?tz=America/New_York&start=2027-06-14")
        ).json()
        assert "weekly" not in {o["chat"]["hashtag"] for o in june["days"][2]["occurrences"]}
        moved = (
            await client.get("/api/v1/chats/agenda?tz=America/New_York&start=2027-06-21")
        ).json()
        thursday = [(o["chat"]["hashtag"], o["moved"]) for o in moved["days"][3]["occurrences"]]
        assert ("weekly", True) in thursday
        # the filters choose the chats as they do nearer
        found = await client.get(
            "/api/v1/chats/agenda?tz=America/New_York&start=2031-03-03&q=writers"
        )
        assert {o["chat"]["hashtag"] for d in found.json()["days"] for o in d["occurrences"]} == {
            "weekly"
        }
        page = await client.get("/chats/agenda?tz=America/New_York&start=2031-03-03")
        assert "#weekly" in page.text and "#ending" not in page.text
