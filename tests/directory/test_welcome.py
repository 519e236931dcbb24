"""The onboarding after sign-up: a newcomer picks topics and times (their own zone), is shown
chats that fit (the closest when none fits all), follows a few at once or skips; all plain
forms, and a bad pick is answered beside its field with nothing half done."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import time_machine
from sqlalchemy import select

from hashchat.directory import follows, search, suggestions
from hashchat.directory.models import Chat, ChatFollow
from hashchat.errors import NotFound
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, csrf_from
from tests.directory.conftest import MONDAY, MakeChat
from tests.directory.test_pages import sign_in, text_of


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=False):
        yield


async def some_chats(make_chat: MakeChat) -> None:
    at = {"time_zone": "Europe/London", "repeat": "weekly", "starts_on": "2026-02-23"}
    await make_chat(hashtag="PoetryEve", title="Poetry evenings", topics="writing, poetry",
                    weekday="WE", start_time="19:00", **at)  # fmt: skip
    await make_chat(hashtag="ProseAM", title="Prose mornings", topics="writing",
                    weekday="WE", start_time="08:00", **at)  # fmt: skip
    await make_chat(hashtag="Chess", title="Chess chat", topics="chess",
                    weekday="WE", start_time="19:00", **at)  # fmt: skip


async def followed(db: Database, handle: str) -> set[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Chat.hashtag)
            .join(ChatFollow, ChatFollow.chat_id == Chat.id)
            .where(ChatFollow.account_id.in_(select_account(handle)))
        )
        return set(rows)


def select_account(handle: str) -> object:
    from hashchat.accounts.models import Account

    return select(Account.id).where(Account.handle_key == handle)


async def test_sign_up_from_the_start_page_leads_to_the_welcome_and_from_a_room_back_to_it(
    client: httpx.AsyncClient,
) -> None:
    token = csrf_from((await client.get("/signup")).text)
    made = await client.post("/signup", data={"username": "newbie", "password": "long enough pw",
                                              "csrf_token": token, "next": "/"})  # fmt: skip
    assert made.status_code == 303 and made.headers["location"] == "/welcome"
    await client.post("/logout", data={"csrf_token": csrf_from((await client.get("/")).text)})
    token = csrf_from((await client.get("/signup")).text)
    made = await client.post("/signup", data={"username": "joiner", "password": "long enough pw",
                                              "csrf_token": token, "next": "/live/edchat"})  # fmt: skip
    assert made.headers["location"] == "/live/edchat"


async def test_a_newcomer_picks_topics_and_times_and_follows_what_fits(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    await some_chats(make_chat)
    await make_account("newbie", time_zone="Europe/London", email="n@example.org")
    await sign_in(client, "newbie")
    first = await client.get("/welcome")
    assert first.status_code == 200
    for topic in ("writing", "poetry", "chess"):
        assert f'name="topic" value="{topic}"' in first.text
    assert 'href="/">Skip for now</a>' in first.text
    picks = await client.get("/welcome/chats?topic=writing&day=wednesday&time=evening")
    assert picks.status_code == 200
    offered = re.findall(r'name="chat" value="([^"]+)"', picks.text)
    assert offered == ["PoetryEve"]  # writing, Wednesday evening in London; not chess
    assert "These match what you picked" in picks.text
    # what they picked rides along, so an error can show the same list again
    assert '<input type="hidden" name="time" value="evening">' in picks.text
    done = await client.post(
        "/welcome/follow",
        data={"csrf_token": csrf_from(picks.text), "chat": "PoetryEve", "remind_minutes": "30"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/chats/following"
    assert await followed(db, "newbie") == {"PoetryEve"}


async def test_when_nothing_fits_the_times_the_topics_still_find_chats(
    client: httpx.AsyncClient, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    await some_chats(make_chat)
    await make_account("newbie", time_zone="Europe/London")
    await sign_in(client, "newbie")
    page = await client.get("/welcome/chats?topic=Poetry&topic=writing&day=sunday")
    offered = re.findall(r'name="chat" value="([^"]+)"', page.text)
    assert offered == ["PoetryEve", "ProseAM"]  # two topics in common first
    assert "these are on your topics at other times" in page.text
    page = await client.get("/welcome/chats?topic=knitting")
    assert "the chats most people follow" in page.text
    assert len(re.findall(r'name="chat" value=', page.text)) == 3


async def test_bad_picks_are_answered_beside_the_field(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    await some_chats(make_chat)
    await make_account("newbie")
    await sign_in(client, "newbie")
    bad = await client.get("/welcome/chats?topic=writing&time=teatime")
    assert bad.status_code == 422
    assert 'id="time-error"' in bad.text and "morning, afternoon, evening or night" in bad.text
    assert 'value="writing" checked' in bad.text  # what they picked is kept
    many = "&".join(f"topic=t{n}" for n in range(13))
    assert (await client.get(f"/welcome/chats?{many}")).status_code == 422
    token = csrf_from((await client.get("/welcome")).text)
    none = await client.post("/welcome/follow", data={"csrf_token": token, "topic": "writing"})
    assert none.status_code == 422 and "pick at least one chat" in text_of(none.text)
    unknown = await client.post(
        "/welcome/follow",
        data={"csrf_token": token, "chat": ["PoetryEve", "NoSuchChat"], "topic": "writing"},
    )
    assert unknown.status_code == 404 and "#NoSuchChat is not" in text_of(unknown.text)
    assert 'value="PoetryEve" checked' in unknown.text
    assert await followed(db, "newbie") == set()  # nothing half done
    forged = await client.post("/welcome/follow", data={"chat": "PoetryEve"})
    assert forged.status_code == 403


async def test_guests_are_asked_to_log_in(client: httpx.AsyncClient) -> None:
    for path in ("/welcome", "/welcome/chats?topic=writing"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_following_several_is_all_or_nothing(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    await some_chats(make_chat)
    me = await make_account("newbie")
    with pytest.raises(NotFound):
        await follows.follow_chats(db=db, account=me, tags=["PoetryEve", "Nope"])
    assert await followed(db, "newbie") == set()
    made = await follows.follow_chats(db=db, account=me, tags=["PoetryEve", "#Chess", "Chess"])
    assert len(made) == 2 and await followed(db, "newbie") == {"PoetryEve", "Chess"}
    async with db.read() as session:
        counts = await session.scalars(select(Chat.followers_count).order_by(Chat.hashtag))
        assert list(counts) == [1, 1, 0]  # Chess, PoetryEve, ProseAM


async def test_suggestions_rank_topics_in_common_then_followers(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    await some_chats(make_chat)
    fan = await make_account("fan")
    await follows.follow_chats(db=db, account=fan, tags=["ProseAM"])
    async with db.read() as session:
        wishes = suggestions.check_wishes({"topic": ["writing"]}, zone="UTC")
        found = await suggestions.suggest_chats(session, wishes, now=MONDAY)
        assert [c.hashtag for c in found.chats] == [
            "ProseAM",
            "PoetryEve",
        ] and found.matched == "all"
        wishes = suggestions.check_wishes({"topic": ["writing", "poetry"]}, zone="UTC")
        found = await suggestions.suggest_chats(session, wishes, now=MONDAY)
        assert [c.hashtag for c in found.chats] == ["PoetryEve", "ProseAM"]
    assert wishes.filters == search.Filters(zone="UTC")
