"""The session page: everyone sees the questions with their answers; the hosts get a console
that runs the session with plain forms (no JavaScript needed)."""

from __future__ import annotations

import httpx

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession
from hashchat.posts import service as posts
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, csrf_from
from tests.hosting.conftest import MakeSession


async def log_in(client: httpx.AsyncClient, handle: str) -> str:
    page = await client.get("/login")
    token = csrf_from(page.text)
    done = await client.post(
        "/login",
        data={"login": handle, "password": "correct horse battery", "csrf_token": token},
    )
    assert done.status_code == 303, done.text
    return csrf_from((await client.get("/")).text)


async def test_a_host_scripts_starts_and_asks_from_the_page(
    client: httpx.AsyncClient,
    db: Database,
    host: Account,
    chat: Chat,
    make_account: MakeAccount,
    make_session: MakeSession,
) -> None:
    later = await make_session(start=45)
    path = f"/chats/HostChat/sessions/{later.id}"
    token = await log_in(client, "hostess")
    page = await client.get(path)
    assert page.status_code == 200
    assert "Run the session" in page.text and "Start now" in page.text

    for text, offset in (("What brings you <here>?", "5"), ("Best advice?", "")):
        added = await client.post(
            f"{path}/run",
            data={"csrf_token": token, "action": "add", "text": text, "offset_minutes": offset},
        )
        assert added.status_code == 303, added.text
    bad = await client.post(
        f"{path}/run",
        data={"csrf_token": token, "action": "add", "text": "Too late?", "offset_minutes": "75"},
    )
    assert bad.status_code == 422
    assert "the offset must be inside the session: 0 to 59 minutes" in bad.text
    assert ">Too late?</textarea>" in bad.text  # the draft is kept

    page = await client.get(path)
    assert "What brings you &lt;here&gt;?" in page.text  # escaped
    assert "<here>" not in page.text
    started = await client.post(f"{path}/run", data={"csrf_token": token, "action": "start"})
    assert started.status_code == 303
    page = await client.get(path)
    assert "Live now" in page.text
    first = page.text.split('data-question="')[1].split('"')[0]
    asked = await client.post(
        f"{path}/run", data={"csrf_token": token, "action": "ask", "question": first}
    )
    assert asked.status_code == 303

    reader = await make_account("reader")
    await posts.create_post(db=db, author=reader, text="A1: the people #hostchat")
    public = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with public:
        seen = await public.get(path)
    assert seen.status_code == 200
    assert "Run the session" not in seen.text
    assert "Q1: What brings you &lt;here&gt;?" in seen.text
    assert "A1: the people" in seen.text
    assert "Best advice?" not in seen.text  # not asked yet: only hosts see the script
    chat_page = await client.get("/chats/HostChat")
    assert path in chat_page.text


async def test_the_console_refuses_people_who_do_not_host(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    live_session: ChatSession,
) -> None:
    await make_account("visitor")
    path = f"/chats/HostChat/sessions/{live_session.id}"
    token = await log_in(client, "visitor")
    page = await client.get(path)
    assert "Run the session" not in page.text
    refused = await client.post(
        f"{path}/run", data={"csrf_token": token, "action": "ask_new", "text": "Mine?"}
    )
    assert refused.status_code == 403
    assert "only the chat&#39;s hosts can do that" in refused.text
    forged = await client.post(f"{path}/run", data={"action": "end"})
    assert forged.status_code == 403  # no CSRF token
    missing = await client.get("/chats/HostChat/sessions/987654")
    assert missing.status_code == 404
