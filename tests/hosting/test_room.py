"""A hosted chat's live room: the chat by question (answers gathered under each question), on
the page and over the stream (`question`, `answer` and `session` events)."""

from __future__ import annotations

import json

import httpx

from hashchat.accounts.models import Account
from hashchat.hosting import questions, sessions
from hashchat.hosting.models import ChatSession
from hashchat.posts import service as posts
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.hosting.conftest import MakeSession
from tests.realtime.conftest import server, sse

__all__ = ["server"]  # the fixture, used by name below


async def test_the_room_shows_the_chat_by_question(
    client: httpx.AsyncClient,
    db: Database,
    host: Account,
    make_account: MakeAccount,
    live_session: ChatSession,
) -> None:
    reader = await make_account("reader")
    q1 = await questions.ask_now(db=db, actor=host, session_id=live_session.id, text="Why <b>?")
    await questions.ask_now(db=db, actor=host, session_id=live_session.id, text="And then?")
    answer = await posts.create_post(db=db, author=reader, text="A1: because #hostchat")
    await posts.create_post(db=db, author=reader, text="just saying hi #hostchat")
    await posts.create_post(db=db, author=reader, text="thread reply", in_reply_to_id=q1.post_id)

    timeline = await client.get("/live/hostchat")
    assert timeline.status_code == 200
    assert "By question" in timeline.text
    assert "data-questions hidden" in timeline.text  # time order first

    grouped = await client.get("/live/hostchat?view=questions")
    page = grouped.text
    assert "data-questions hidden" not in page
    q1_section = page.split('data-number="1"')[1].split('data-number="2"')[0]
    assert "Q1: Why &lt;b&gt;?" in q1_section
    assert "A1: because" in q1_section and "thread reply" in q1_section
    assert "just saying hi" not in q1_section
    assert "<span data-answer-count>2</span>" in q1_section
    q2_section = page.split('data-number="2"')[1]
    assert "<span data-answer-count>0</span>" in q2_section
    config = json.loads(page.split('id="room-config">')[1].split("</script>")[0])
    assert config["answers"][str(answer.id)] == 1
    assert config["session"]["id"] == str(live_session.id)

    mixer = await client.get("/live?tags=hostchat,other")
    assert "By question" not in mixer.text  # a mixer shows time order only


async def test_questions_answers_and_the_session_arrive_on_the_chat_stream(
    server: str,
    db: Database,
    host: Account,
    make_account: MakeAccount,
    make_session: MakeSession,
) -> None:
    reader = await make_account("reader")
    later = await make_session(start=30)
    await questions.set_script(
        db=db,
        actor=host,
        session_id=later.id,
        items=[{"text": "Opening question?", "offset_minutes": 0}],
    )
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=HostChat") as stream:
        await sessions.start_now(db=db, actor=host, session_id=later.id)
        started = await stream.until("session")
        assert json.loads(started.data)["state"] == "live"
        asked, _ = await questions.post_due(db=db, now=utcnow())
        assert asked == 1
        update = await stream.until("update")
        assert "Q1: Opening question?" in json.loads(update.data)["content"]
        question = json.loads((await stream.until("question")).data)
        assert (question["number"], question["status_id"]) == (1, update.id)
        written = await posts.create_post(db=db, author=reader, text="A1 - me! #hostchat")
        answer = json.loads((await stream.until("answer")).data)
        assert answer == {
            "session_id": str(later.id),
            "question": 1,
            "status_id": str(written.id),
            "late": False,
        }


async def test_moderators_get_room_controls_and_polls_show_in_the_room(
    client: httpx.AsyncClient,
    db: Database,
    host: Account,
    make_account: MakeAccount,
    live_session: ChatSession,
) -> None:
    from hashchat.hosting import polls

    reader = await make_account("reader")
    await polls.create_session_poll(
        db=db,
        actor=host,
        session_id=live_session.id,
        question="Morning or night?",
        options=["Morning", "Night"],
        expires_in=600,
    )
    await posts.create_post(db=db, author=reader, text="hello #hostchat")
    anonymous = (await client.get("/live/hostchat")).text
    assert 'data-mod="hide"' not in anonymous
    poll = anonymous.split('class="poll"')[1]
    assert "Morning" in poll and "0 voted" in poll
    login = await client.get("/login")
    from tests.conftest import csrf_from

    await client.post(
        "/login",
        data={"login": "hostess", "password": "correct horse battery",
              "csrf_token": csrf_from(login.text)},
    )  # fmt: skip
    hosting = (await client.get("/live/hostchat")).text
    reader_post = hosting.split(f'data-account="{reader.id}"')[1].split("</article>")[0]
    assert 'data-mod="hide"' in reader_post and 'data-mod="ban"' in reader_post
    config = json.loads(hosting.split('id="room-config">')[1].split("</script>")[0])
    assert config["can"] == {"run": True, "moderate": True}
