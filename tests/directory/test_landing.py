"""The landing page (/): what is live now and what starts in the next day, in the viewer's
time zone, each with a Join button; the stream moved to /home for signed-in people; a chat's
page says how long until it starts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import time_machine

from hashchat.posts import service as posts
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY, MakeChat
from tests.directory.test_pages import sign_in, text_of


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=False):  # Monday 23 February 2026, 12:00 UTC
        yield


async def three_chats(make_chat: MakeChat) -> None:
    common = {"time_zone": "UTC", "repeat": "weekly", "starts_on": "2026-02-23"}
    await make_chat(hashtag="OnNow", title="On now", start_time="11:30", weekday="MO", **common)
    await make_chat(
        hashtag="Later", title="Later today", start_time="15:00", weekday="MO", **common
    )
    await make_chat(
        hashtag="Wednesday", title="Midweek", start_time="20:00", weekday="WE", **common
    )


async def test_a_guest_sees_what_is_live_and_what_starts_soon_with_join_buttons(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    await three_chats(make_chat)
    author = await make_account("someone")
    await posts.create_post(db=db, author=author, text="an unordered stream #random")
    page = await client.get("/?tz=Europe/Paris")
    assert page.status_code == 200
    html = page.text
    live = html.split('id="live-title"')[1].split('id="soon-title"')[0]
    soon = html.split('id="soon-title"')[1]
    assert "#OnNow" in live and 'href="/live/OnNow"' in live
    assert "live now" in text_of(live) and "until 13:30" in text_of(live)  # Paris: UTC+1
    assert "#Later" in soon and 'href="/live/Later"' in soon
    assert "16:00" in text_of(soon) and "starts in 3 h" in text_of(soon)
    assert "Midweek" not in html  # two days ahead: not "soon"
    assert re.search(r'>Join<span class="dir-sr"> #Later</span></a>', soon)
    assert "an unordered stream" not in html  # the stream is no longer the start page
    assert 'data-countdown data-starts="2026-02-23T15:00:00Z"' in soon


async def test_signed_in_people_keep_a_way_to_their_timeline_and_are_offered_chats(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    await three_chats(make_chat)
    me = await make_account("newbie", time_zone="America/New_York")
    await posts.create_post(db=db, author=me, text="my own words #random")
    await sign_in(client, "newbie")
    html = (await client.get("/")).text
    assert "until 07:30" in text_of(html)  # their profile's zone
    assert 'href="/home"' in html and 'href="/welcome"' in html
    timeline = await client.get("/home")
    assert "my own words" in timeline.text and 'action="/posts"' in timeline.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert csrf
    await client.post("/chats/Later/follow", data={"csrf_token": csrf[1]})
    assert 'href="/welcome"' not in (await client.get("/")).text  # they follow one now


async def test_nothing_on_says_so(client: httpx.AsyncClient) -> None:
    html = text_of((await client.get("/")).text)
    assert "No chat is on right now." in html
    assert "Nothing starts in the next 24 hours." in html


async def test_a_chats_page_counts_down_to_its_next_occurrence(
    client: httpx.AsyncClient, make_chat: MakeChat
) -> None:
    await three_chats(make_chat)
    wednesday = (await client.get("/chats/Wednesday")).text
    line = wednesday.split('class="countdown"')[1].split("</p>")[0]
    assert "starts in 2 days, 8 h" in line
    assert 'data-starts="2026-02-25T20:00:00Z" data-ends="2026-02-25T21:00:00Z"' in line
    assert wednesday.index('class="countdown"') < wednesday.index("Log in to follow")
    assert "live now" in (await client.get("/chats/OnNow")).text.split('class="countdown"')[1]
