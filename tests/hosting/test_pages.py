"""The session page: everyone sees the questions with their answers; the hosts get a console
that runs the session with plain forms (no JavaScript needed)."""

from __future__ import annotations

from typing import Any

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


async def shown_after(client: httpx.AsyncClient, answer: httpx.Response, path: str) -> str:
    """A form that failed: the browser is sent back to the session page (post/redirect/get,
    never left on the POST-only URL), which shows the error once."""
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.split("#")[0] == path, location
    page = await client.get(location)
    assert page.status_code == 200
    again = await client.get(path)
    assert 'class="field-error"' not in again.text, "shown once"
    return page.text


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
    shown = await shown_after(client, bad, path)
    assert "the offset must be inside the session: 0 to 59 minutes" in shown
    assert ">Too late?</textarea>" in shown  # the draft is kept

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
    assert "only the chat&#39;s hosts can do that" in await shown_after(client, refused, path)
    forged = await client.post(f"{path}/run", data={"action": "end"})
    assert forged.status_code == 403  # no CSRF token
    missing = await client.get("/chats/HostChat/sessions/987654")
    assert missing.status_code == 404


async def test_the_board_and_a_poll_from_the_page(
    client: httpx.AsyncClient,
    app: object,
    db: Database,
    host: Account,
    make_account: MakeAccount,
    live_session: ChatSession,
) -> None:
    await make_account("asker")
    path = f"/chats/HostChat/sessions/{live_session.id}"
    host_token = await log_in(client, "hostess")
    opened = await client.post(f"{path}/board", data={"csrf_token": host_token, "action": "open"})
    assert opened.status_code == 303, opened.text
    made = await client.post(
        f"{path}/polls",
        data={"csrf_token": host_token, "action": "create", "question": "Tea or coffee?",
              "options": "Tea\nCoffee\n", "minutes": "10"},
    )  # fmt: skip
    assert made.status_code == 303, made.text
    one_option = await client.post(
        f"{path}/polls",
        data={"csrf_token": host_token, "action": "create", "question": "Only?",
              "options": "Yes", "minutes": "10"},
    )  # fmt: skip
    assert "2 to 6 options" in await shown_after(client, one_option, path)

    asker = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with asker:
        token = await log_in(asker, "asker")
        sent = await asker.post(
            f"{path}/board",
            data={"csrf_token": token, "action": "submit", "text": "How do you <begin>?",
                  "anonymous": "on"},
        )  # fmt: skip
        assert sent.status_code == 303, sent.text
        page = (await asker.get(path)).text
        assert "1 waiting for a moderator" in page
        assert "“How do you &lt;begin&gt;?” (waiting for a moderator)" in page
        poll_id = page.split('data-poll="')[1].split('"')[0]
        voted = await asker.post(
            f"{path}/polls", data={"csrf_token": token, "poll": poll_id, "choices": "1"}
        )
        assert voted.status_code == 303, voted.text
        again = await asker.post(
            f"{path}/polls", data={"csrf_token": token, "poll": poll_id, "choices": "0"}
        )
        assert "field-error" in await shown_after(asker, again, path)

    page = (await client.get(path)).text
    assert "Waiting for a moderator" in page and "from @asker (shown without name)" in page
    item = page.split('name="item" value="')[1].split('"')[0]
    approved = await client.post(
        f"{path}/board", data={"csrf_token": host_token, "action": "approve", "item": item}
    )
    assert approved.status_code == 303
    picked = await client.post(
        f"{path}/board", data={"csrf_token": host_token, "action": "pick", "item": item}
    )
    assert picked.status_code == 303, picked.text
    public = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with public:
        seen = (await public.get(path)).text
    assert "answered as Q1" in seen and "asked anonymously" in seen
    assert "Q1: How do you &lt;begin&gt;?" in seen
    coffee = seen.split('class="poll-title">Coffee')[1][:80]
    assert "100% (1)" in coffee
    assert "1 voted" in seen


async def test_slow_mode_lock_and_the_moderation_log_from_the_page(
    client: httpx.AsyncClient,
    db: Database,
    host: Account,
    make_account: MakeAccount,
    live_session: ChatSession,
) -> None:
    path = f"/chats/HostChat/sessions/{live_session.id}"
    token = await log_in(client, "hostess")
    slowed = await client.post(
        f"{path}/run", data={"csrf_token": token, "action": "slow_mode", "seconds": "30"}
    )
    assert slowed.status_code == 303, slowed.text
    locked = await client.post(f"{path}/run", data={"csrf_token": token, "action": "lock"})
    assert locked.status_code == 303
    bad = await client.post(
        f"{path}/run", data={"csrf_token": token, "action": "slow_mode", "seconds": "forever"}
    )
    assert "seconds must be a whole number" in await shown_after(client, bad, path)
    page = (await client.get(path)).text
    assert "Unlock the room" in page
    assert '<option value="30" selected>one post per 30 s</option>' in page
    log = page.split('id="audit"')[1]
    assert "slow mode" in log and "lock" in log and "@hostess" in log
    member = await make_account("member")
    refused = await posts_fail(db, member)
    assert "locked" in refused


async def posts_fail(db: Database, author: Account) -> str:
    from hashchat.errors import DomainError

    try:
        await posts.create_post(db=db, author=author, text="let me in #hostchat")
    except DomainError as error:
        return error.message
    raise AssertionError("the post went through a locked room")


async def test_moderators_unhide_unmute_and_unban_from_the_page(
    client: httpx.AsyncClient, db: Database, crew: Any, live_session: ChatSession
) -> None:
    from hashchat.hosting import moderation

    rude = await posts.create_post(db=db, author=crew.member, text="A1: rude #HostChat")
    await moderation.hide_post(db=db, actor=crew.host, tag="HostChat", status_id=rude.id)
    await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="mute",
                              account_id=crew.member.id, minutes=60)  # fmt: skip
    await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="ban",
                              account_id=crew.guest.id)  # fmt: skip
    path = f"/chats/HostChat/sessions/{live_session.id}"
    token = await log_in(client, "modesty")
    section = (await client.get(path)).text.split('id="audit"')[1]
    assert "@memberly</a> muted for all until" in section
    assert "@guesto</a> banned until lifted" in section
    assert "Unmute @memberly" in section and "Unban @guesto" in section
    assert section.count('value="unhide"') == 1

    for data in ({"action": "unhide", "status_id": str(rude.id)},
                 {"action": "unmute", "account_id": str(crew.member.id)},
                 {"action": "unban", "account_id": str(crew.guest.id)}):  # fmt: skip
        done = await client.post(f"{path}/moderation", data={"csrf_token": token, **data})
        assert done.status_code == 303 and done.headers["location"] == f"{path}#audit"
    section = (await client.get(path)).text.split('id="audit"')[1]
    assert "Nobody is muted or banned in #HostChat" in section
    assert 'value="unhide"' not in section and 'value="unmute"' not in section
    assert "unhide @memberly" in section and "unmute @memberly" in section
    assert "unban @guesto" in section
    async with db.read() as session:
        assert await moderation.restrictions(session, actor=crew.host, tag="HostChat") == []
    # A member cannot; the error comes back on the page.
    member = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with member:
        other = await log_in(member, "memberly")
        refused = await member.post(f"{path}/moderation", data={
            "csrf_token": other, "action": "unmute", "account_id": str(crew.guest.id)})  # fmt: skip
        assert "only the chat&#39;s hosts and moderators" in await shown_after(
            member, refused, path
        )


async def test_moving_a_question_keeps_its_minute_or_asks_first(
    client: httpx.AsyncClient, db: Database, host: Account, make_session: MakeSession
) -> None:
    from hashchat.hosting import questions

    later = await make_session(start=120)
    path = f"/chats/HostChat/sessions/{later.id}"
    token = await log_in(client, "hostess")
    await questions.set_script(db=db, actor=host, session_id=later.id, items=[
        {"text": "First?", "offset_minutes": 10}, {"text": "Second?", "offset_minutes": 20},
        {"text": "By hand?", "offset_minutes": None}])  # fmt: skip

    async def script() -> list[tuple[str, int | None]]:
        async with db.read() as session:
            found = await questions.questions_of(session, later.id)
        return [(q.text, q.offset_minutes) for q in found]

    page = (await client.get(path)).text
    ids = page.split('name="order" value="')[1].split('"')[0]
    second = ids.split(",")[1]
    asked = await client.post(f"{path}/run", data={
        "csrf_token": token, "action": "up", "question": second, "order": ids})  # fmt: skip
    shown = await shown_after(client, asked, path)
    assert "Q2 is asked at minute 20 and Q1 at minute 10" in shown
    assert await script() == [("First?", 10), ("Second?", 20), ("By hand?", None)], "unchanged"
    assert 'value="swap"' in shown
    swapped = await client.post(f"{path}/run", data={
        "csrf_token": token, "action": "swap", "direction": "up", "question": second,
        "order": ids})  # fmt: skip
    assert swapped.status_code == 303
    assert await script() == [("Second?", 10), ("First?", 20), ("By hand?", None)]
    # A question asked by hand moves without taking anyone's minute.
    page = (await client.get(path)).text
    ids = page.split('name="order" value="')[1].split('"')[0]
    moved = await client.post(f"{path}/run", data={
        "csrf_token": token, "action": "up", "question": ids.split(",")[2], "order": ids})  # fmt: skip
    assert moved.status_code == 303 and moved.headers["location"].endswith("#script")
    found = await script()
    assert sorted(found, key=lambda q: q[0]) == [("By hand?", None), ("First?", 20),
                                                 ("Second?", 10)]  # fmt: skip


async def test_a_live_sessions_page_says_what_is_happening(
    client: httpx.AsyncClient, make_session: MakeSession
) -> None:
    live = await make_session(start=-5)
    await make_session(start=7 * 24 * 60)
    page = (await client.get(f"/chats/HostChat/sessions/{live.id}")).text
    assert "No questions were asked" not in page
    assert "No questions yet: each one appears here" in page
    others = page.split('id="others-title"')[1]
    current = others.split('aria-current="page">')[1].split("</a>")[0]
    assert current == f"{live.starts_at:%a} {live.starts_at.day} {live.starts_at:%b %Y, %H:%M}"
    assert "live now" in others
