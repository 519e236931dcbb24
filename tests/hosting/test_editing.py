"""An edited answer stays under its question: editing never moves a post out of the chat
session it was placed in, even when the edit drops its "A1" and its hashtag."""

from __future__ import annotations

from sqlalchemy import select

from hashchat.accounts.models import Account
from hashchat.hosting import questions
from hashchat.hosting.models import ChatSession, SessionPost
from hashchat.posts import editing
from hashchat.posts import service as posts
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount


async def test_an_edited_answer_stays_under_its_question(
    db: Database, host: Account, make_account: MakeAccount, live_session: ChatSession
) -> None:
    reader = await make_account("reader")
    q1 = await questions.ask_now(db=db, actor=host, session_id=live_session.id, text="Best poet?")
    answer = await posts.create_post(db=db, author=reader, text="A1: Szymborska #hostchat")
    await editing.edit_post(
        db=db, editor=reader, post_id=answer.id,
        edit=editing.check_edit(text="Wisława Szymborska, without a doubt"),
    )  # fmt: skip
    async with db.read() as session:
        row = await session.scalar(select(SessionPost).where(SessionPost.post_id == answer.id))
    assert row is not None and (row.kind, row.number) == ("answer", 1)
    assert row.session_id == live_session.id and q1.number == 1
