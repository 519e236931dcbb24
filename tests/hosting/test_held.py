"""A session held at other times than scheduled: started days early it keeps its length (not
"minute 0 to 5943"), and once it is over the chat's page, the agenda and ``next_occurrence``
move on to the next one; the reconciler's next pass does not bring it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import select

from hashchat.accounts.models import Account
from hashchat.config import Settings
from hashchat.directory import service
from hashchat.errors import Invalid
from hashchat.hosting import questions, sessions
from hashchat.hosting.classify import chat_keys
from hashchat.hosting.models import ChatSession
from hashchat.jobs.reconciler import Reconciler
from hashchat.jobs.steps import default_steps
from hashchat.storage.engine import Database

# Wednesday 4 March 2026, 20:00 in London is 20:00 UTC (before the clocks change).
START = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
MONDAY = START - timedelta(days=2, hours=6)  # Monday 14:00


def at(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def agenda_times(client: httpx.AsyncClient, day: str) -> list[str]:
    found = (await client.get(f"/api/v1/chats/agenda?start={day}&time_zone=UTC")).json()
    return [o["starts_at"] for d in found["days"] for o in d["occurrences"] if d["date"] == day]


async def test_starting_early_keeps_the_length_and_ending_moves_the_directory_on(
    client: httpx.AsyncClient, db: Database, settings: Settings, host: Account
) -> None:
    with time_machine.travel(START - timedelta(days=3), tick=False) as clock:
        await service.create_chat(
            db=db, actor=host,
            data={"hashtag": "RunChat", "title": "Runs itself", "starts_on": "2026-03-04",
                  "start_time": "20:00", "time_zone": "Europe/London", "duration_minutes": 60,
                  "repeat": "weekly", "weekday": "WE"},
        )  # fmt: skip
        chat_keys.forget()
        loop = Reconciler(db, settings, default_steps())
        while (await loop.run_once()).moved:
            pass
        async with db.read() as session:
            made = await session.scalar(select(ChatSession).order_by(ChatSession.starts_at))
        assert made is not None and made.starts_at == START

        clock.move_to(MONDAY)
        started = await sessions.start_now(db=db, actor=host, session_id=made.id)
        assert (started.starts_at, started.ends_at) == (MONDAY, MONDAY + timedelta(minutes=60))
        assert sessions.length_minutes(started) == 60
        # The script takes minutes within the hour it now has, not the days to Wednesday.
        await questions.add_question(db=db, actor=host, session_id=made.id, text="Hi?",
                                     offset_minutes=59)  # fmt: skip
        with pytest.raises(Invalid, match="0 to 59 minutes"):
            await questions.add_question(db=db, actor=host, session_id=made.id, text="Later?",
                                         offset_minutes=60)  # fmt: skip
        chat = (await client.get("/api/v1/chats/RunChat")).json()
        assert chat["next_occurrence"]["starts_at"] == at(MONDAY)
        assert chat["next_occurrence"]["ends_at"] == at(MONDAY + timedelta(minutes=60))
        assert await agenda_times(client, "2026-03-02") == [at(MONDAY)]
        assert await agenda_times(client, "2026-03-04") == []

        clock.move_to(MONDAY + timedelta(minutes=10))
        await sessions.end_now(db=db, actor=host, session_id=made.id)
        week_later = START + timedelta(days=7)
        chat = (await client.get("/api/v1/chats/RunChat")).json()
        assert chat["next_occurrence"]["starts_at"] == at(week_later)
        assert await agenda_times(client, "2026-03-04") == []
        page = (await client.get("/chats/RunChat")).text
        assert "4 March" not in page and "Wed 4 Mar" not in page

        # Wednesday 20:00 comes: the reconciler leaves the next occurrence where it is.
        clock.move_to(START + timedelta(minutes=5))
        await loop.run_once()
        chat = (await client.get("/api/v1/chats/RunChat")).json()
        assert chat["next_occurrence"]["starts_at"] == at(week_later)
        async with db.read() as session:
            ended = await session.get(ChatSession, made.id)
        assert ended is not None and ended.state == "ended"


async def test_the_console_says_before_starting_that_the_length_is_kept(
    client: httpx.AsyncClient, db: Database, host: Account, make_session: Any
) -> None:
    from tests.hosting.test_pages import log_in

    later = await make_session(start=3 * 24 * 60, minutes=45)
    await log_in(client, "hostess")
    page = (await client.get(f"/chats/HostChat/sessions/{later.id}")).text
    assert "runs its 45 minutes from then" in page
    # A session over two days says on which day it ends.
    long = await make_session(start=60, minutes=36 * 60)
    page = (await client.get(f"/chats/HostChat/sessions/{long.id}?tz=UTC")).text
    end = long.ends_at
    assert f"– {end:%a} {end.day} {end:%b}, {end:%H:%M} " in page
