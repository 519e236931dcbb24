"""The session console shows its hosts who is in the room: how many watch now (every process's
report, as the room counts them) and who posted lately, as plain HTML; nobody else sees it."""

from __future__ import annotations

import re

import httpx

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.live import presence
from hashchat.posts import service as posts
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.hosting.conftest import MakeSession
from tests.hosting.test_pages import log_in


def presence_of(html: str) -> str:
    found = re.search(r'<div class="host-presence".*?</div>', html, re.S)
    assert found, "no presence on the console"
    return " ".join(re.sub(r"<[^>]+>", " ", found[0]).split())


async def test_the_host_sees_who_watches_and_posts_from_the_console(
    client: httpx.AsyncClient,
    db: Database,
    host: Account,
    chat: Chat,
    make_account: MakeAccount,
    make_session: MakeSession,
) -> None:
    live = await make_session(start=-5)
    path = f"/chats/HostChat/sessions/{live.id}"
    lena = await make_account("lena")
    await posts.create_post(db=db, author=lena, text="A1: hello #HostChat")
    # two server processes report their open streams of the room
    await presence.report(db=db, process="one", counts={"hostchat": 3}, now=utcnow())
    await presence.report(db=db, process="two", counts={"hostchat": 2, "other": 9}, now=utcnow())
    await log_in(client, "hostess")
    page = (await client.get(path)).text
    said = presence_of(page)
    assert said.startswith("5 watching now")
    assert "1 posting in the last 5 minutes" in said and said.endswith(": @lena")
    assert 'data-host-presence data-tag="HostChat"' in page

    client.cookies.clear()
    await log_in(client, "lena")  # a participant: the session page, no console, no count
    assert 'class="host-presence"' not in (await client.get(path)).text


async def test_an_ended_session_has_no_presence_line(
    client: httpx.AsyncClient, host: Account, chat: Chat, make_session: MakeSession
) -> None:
    over = await make_session(start=-120, minutes=60, state="ended")
    await log_in(client, "hostess")
    page = (await client.get(f"/chats/HostChat/sessions/{over.id}")).text
    assert "The session has ended" in page and 'class="host-presence"' not in page
