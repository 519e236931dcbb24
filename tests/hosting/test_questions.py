"""Question scripts: written ahead, asked by the reconciler at their minute exactly once, and
edited, reordered, skipped or asked by hand while the chat is on."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatHost
from hashchat.errors import Forbidden, Invalid
from hashchat.hosting import questions
from hashchat.hosting.models import ChatRole, ChatSession, Question, SessionPost
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.hosting.conftest import MakeSession

SCRIPT = [
    {"text": "What got you writing?", "offset_minutes": 5},
    {"text": "Where do you write best?", "offset_minutes": 20},
    {"text": "One tip for a new writer?", "offset_minutes": 40},
]


async def posted_texts(db: Database, session_id: int) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Post.text)
            .join(SessionPost, SessionPost.post_id == Post.id)
            .where(SessionPost.session_id == session_id, SessionPost.kind == "question")
            .order_by(Post.id)
        )
        return list(rows)


async def states(db: Database, session_id: int) -> list[tuple[int, str, str]]:
    async with db.read() as session:
        found = await questions.questions_of(session, session_id)
        return [(q.number, q.state, q.text) for q in found]


async def test_the_script_is_asked_at_its_minutes_once_each(
    db: Database, host: Account, make_session: MakeSession
) -> None:
    live = await make_session(start=-10)  # started ten minutes ago
    await questions.set_script(db=db, actor=host, session_id=live.id, items=SCRIPT)

    asked, wake = await questions.post_due(db=db, now=utcnow())
    assert asked == 1  # Q1 was due at minute 5
    assert wake == live.starts_at + timedelta(minutes=20)
    again, _ = await questions.post_due(db=db, now=utcnow())  # a second pass, or a restart
    assert again == 0
    assert await posted_texts(db, live.id) == ["Q1: What got you writing? #HostChat"]

    later = live.starts_at + timedelta(minutes=41)
    asked, wake = await questions.post_due(db=db, now=later)
    assert asked == 2
    assert wake is None
    assert await posted_texts(db, live.id) == [
        "Q1: What got you writing? #HostChat",
        "Q2: Where do you write best? #HostChat",
        "Q3: One tip for a new writer? #HostChat",
    ]
    assert [s for _, s, _ in await states(db, live.id)] == ["posted"] * 3
    async with db.read() as session:
        authors = set(await session.scalars(select(Post.account_id)))
    assert authors == {host.id}


async def test_two_passes_at_once_ask_each_question_once(
    db: Database, host: Account, make_session: MakeSession
) -> None:
    live = await make_session(start=-50)
    await questions.set_script(db=db, actor=host, session_id=live.id, items=SCRIPT)
    results = await asyncio.gather(*(questions.post_due(db=db, now=utcnow()) for _ in range(4)))
    assert sum(asked for asked, _ in results) == 3
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Post))
    assert count == 3
    assert len(await posted_texts(db, live.id)) == 3


async def test_questions_wait_while_the_session_is_not_live(
    db: Database, host: Account, make_session: MakeSession
) -> None:
    later = await make_session(start=30)
    await questions.set_script(db=db, actor=host, session_id=later.id, items=SCRIPT)
    asked, wake = await questions.post_due(db=db, now=utcnow() + timedelta(minutes=40))
    assert asked == 0  # due by the clock, but the session has not gone live
    assert wake is None or wake > utcnow()
    with pytest.raises(Invalid, match="scheduled"):
        first = (await states(db, later.id))[0]
        async with db.read() as session:
            q = await session.scalar(select(Question).where(Question.number == first[0]))
        assert q is not None
        await questions.post_now(db=db, actor=host, question_id=q.id)


async def test_answers_are_threaded_under_the_question(
    db: Database, host: Account, make_account: MakeAccount, live_session: ChatSession
) -> None:
    reader = await make_account("reader")
    q1 = await questions.ask_now(
        db=db, actor=host, session_id=live_session.id, text="Favourite poet?"
    )
    assert q1.number == 1 and q1.state == "posted" and q1.post_id is not None
    typed = await posts.create_post(db=db, author=reader, text="A1: Szymborska #hostchat")
    reply = await posts.create_post(
        db=db, author=reader, text="@hostess Mary Oliver", in_reply_to_id=q1.post_id
    )
    talk = await posts.create_post(db=db, author=reader, text="hello all #HostChat")
    async with db.read() as session:
        rows = {
            r.post_id: (r.kind, r.number)
            for r in await session.scalars(
                select(SessionPost).where(SessionPost.session_id == live_session.id)
            )
        }
    assert rows[typed.id] == ("answer", 1)
    assert rows[reply.id] == ("answer", 1)  # no hashtag, but a reply to Q1
    assert rows[talk.id] == ("chat", None)


async def test_skipping_and_asking_by_hand_keep_the_numbers_in_step(
    db: Database, host: Account, make_session: MakeSession
) -> None:
    live = await make_session(start=-1)
    made = await questions.set_script(db=db, actor=host, session_id=live.id, items=SCRIPT)
    # Skip the script's Q1 (waiting): the next one asked is still Q1.
    await questions.skip(db=db, actor=host, question_id=made[0].id)
    assert [(n, s) for n, s, _ in await states(db, live.id)] == [
        (1, "scheduled"),
        (2, "scheduled"),
        (1, "skipped"),
    ]
    # The host types a Q1 of their own: the script's questions move up to follow it.
    await posts.create_post(db=db, author=host, text="Q1: Who are you tonight? #HostChat")
    assert await states(db, live.id) == [
        (1, "posted", "Who are you tonight? #HostChat"),
        (2, "scheduled", "Where do you write best?"),
        (3, "scheduled", "One tip for a new writer?"),
        (1, "skipped", "What got you writing?"),
    ]
    # A question asked now (a board pick) takes Q2; the script follows as Q3.
    picked = await questions.ask_now(
        db=db, actor=host, session_id=live.id, text="From the board: pens or keys?", source="board"
    )
    assert picked.number == 2
    await questions.post_now(db=db, actor=host, question_id=made[2].id)  # out of order
    assert await posted_texts(db, live.id) == [
        "Q1: Who are you tonight? #HostChat",
        "Q2: From the board: pens or keys? #HostChat",
        "Q3: One tip for a new writer? #HostChat",
    ]
    assert [(n, s) for n, s, _ in await states(db, live.id)][-2:] == [
        (4, "scheduled"),
        (1, "skipped"),
    ]


async def test_edit_and_reorder_while_waiting_but_not_once_asked(
    db: Database, host: Account, make_session: MakeSession
) -> None:
    live = await make_session(start=-1)
    made = await questions.set_script(db=db, actor=host, session_id=live.id, items=SCRIPT)
    await questions.edit_question(
        db=db, actor=host, question_id=made[1].id, text="Where, and when?", offset_minutes=25
    )
    reordered = await questions.reorder(
        db=db, actor=host, session_id=live.id, order=[made[2].id, made[0].id, made[1].id]
    )
    assert [(q.number, q.text, q.offset_minutes) for q in reordered] == [
        (1, "One tip for a new writer?", 5),  # the times stay in their slots
        (2, "What got you writing?", 25),
        (3, "Where, and when?", 40),
    ]
    await questions.post_now(db=db, actor=host, question_id=made[2].id)
    with pytest.raises(Invalid, match="cannot be edited"):
        await questions.edit_question(db=db, actor=host, question_id=made[2].id, text="changed")
    with pytest.raises(Invalid, match="every question still waiting"):
        await questions.reorder(db=db, actor=host, session_id=live.id, order=[made[0].id])
    with pytest.raises(Invalid, match="posted already"):
        await questions.skip(db=db, actor=host, question_id=made[2].id)


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"text": "", "offset_minutes": 5}, "questions[1].text", "needs some text"),
        ({"text": "x" * 280, "offset_minutes": 5}, "questions[1].text", "over the limit"),
        ({"text": "Late?", "offset_minutes": 60}, "questions[1].offset_minutes", "inside"),
        ({"text": "Early?", "offset_minutes": -1}, "questions[1].offset_minutes", "inside"),
        ({"text": "When?", "offset_minutes": "soon"}, "questions[1].offset_minutes", "whole"),
        ("just text", "questions[1]", "text, offset_minutes"),
    ],
)
async def test_a_bad_script_is_refused_whole(
    db: Database,
    host: Account,
    make_session: MakeSession,
    item: object,
    field: str,
    message: str,
) -> None:
    later = await make_session(start=60)
    await questions.set_script(db=db, actor=host, session_id=later.id, items=SCRIPT[:1])
    with pytest.raises(Invalid, match=message) as raised:
        await questions.set_script(db=db, actor=host, session_id=later.id, items=[SCRIPT[1], item])
    assert raised.value.field == field
    assert [t for _, _, t in await states(db, later.id)] == ["What got you writing?"]


@pytest.mark.parametrize("role", ["member", "moderator", "guest"])
async def test_only_hosts_write_and_run_the_script(
    db: Database,
    host: Account,
    chat: Chat,
    make_account: MakeAccount,
    live_session: ChatSession,
    role: str,
) -> None:
    other = await make_account("someone")
    if role != "member":
        async with db.write() as session:
            session.add(ChatRole(chat_id=chat.id, account_id=other.id, role=role))
    with pytest.raises(Forbidden, match="hosts"):
        await questions.set_script(db=db, actor=other, session_id=live_session.id, items=SCRIPT)
    with pytest.raises(Forbidden):
        await questions.ask_now(db=db, actor=other, session_id=live_session.id, text="Mine?")
    made = await questions.set_script(db=db, actor=host, session_id=live_session.id, items=SCRIPT)
    for attempt in (
        questions.post_now(db=db, actor=other, question_id=made[0].id),
        questions.skip(db=db, actor=other, question_id=made[0].id),
        questions.edit_question(db=db, actor=other, question_id=made[0].id, text="x"),
    ):
        with pytest.raises(Forbidden):
            await attempt
    if role == "guest":  # a guest may put a board question to the chat
        asked = await questions.ask_now(
            db=db, actor=other, session_id=live_session.id, text="Picked?", source="board"
        )
        assert asked.number == 1


async def test_a_cohost_and_an_admin_may_run_it(
    db: Database, chat: Chat, make_account: MakeAccount, live_session: ChatSession
) -> None:
    admin = await make_account("admin", role="admin")
    cohost = await make_account("cohost")
    async with db.write() as session:
        session.add(ChatHost(chat_id=chat.id, account_id=cohost.id, role="cohost"))
    asked = await questions.ask_now(db=db, actor=cohost, session_id=live_session.id, text="Hi?")
    assert asked.number == 1
    asked = await questions.ask_now(db=db, actor=admin, session_id=live_session.id, text="Yo?")
    assert asked.number == 2
