"""A past session told as a story: a host asks Q1 and Q2, people answer (with and without the
hashtag), reply, like and repost, share a link; the session ends; then two people answer Q1
late (a reply to the question, and "A1: ..." in the thread) and one answers a question that was
never asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession
from hashchat.posts import service as posts
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.hosting.conftest import MakeSession, chat, host, live_session, make_session

__all__ = ["chat", "host", "live_session", "make_session"]


@dataclass
class Story:
    chat: Chat
    chat_session: ChatSession
    host: Account
    people: dict[str, Account]
    ids: dict[str, int]

    @property
    def path(self) -> str:
        return f"/chats/HostChat/sessions/{self.chat_session.id}/transcript"


async def end(db: Database, chat_session: ChatSession) -> None:
    """The session is over, its grace period too."""
    over = utcnow() - timedelta(hours=1)
    async with db.write() as session:
        await session.execute(
            update(ChatSession)
            .where(ChatSession.id == chat_session.id)
            .values(state="ended", ends_at=over, ended_at=over, grace_minutes=0)
        )
    chat_session.state, chat_session.ends_at, chat_session.ended_at = "ended", over, over


@pytest.fixture
async def story(
    db: Database, host: Account, chat: Chat, make_account: MakeAccount, make_session: MakeSession
) -> Story:
    live = await make_session(start=-30)
    people = {h: await make_account(h, display_name=h.title()) for h in
              ("ana", "ben", "cat", "dan", "eve", "fay", "gus")}  # fmt: skip
    ids: dict[str, int] = {}

    async def say(key: str, who: Account, text: str, reply: str | None = None) -> None:
        made = await posts.create_post(
            db=db, author=who, text=text, in_reply_to_id=ids[reply] if reply else None
        )
        ids[key] = made.id

    await say("hello", host, "Welcome to #HostChat! Reading tonight.")
    await say("q1", host, "Q1: What do you read <b>first</b>? #HostChat")
    await say("ana", people["ana"], "A1: novels & *poems* #HostChat")
    await say("ben", people["ben"], "essays, then the news", reply="q1")  # no hashtag
    await say("cat", people["cat"], "same here, novels first", reply="ana")  # discussion
    await say("link", people["gus"], "This helped me https://example.com/read?a=1&b=2 #HostChat")
    await say("q2", host, "Q2: Where do you read? #HostChat")
    await say("ana2", people["ana"], "A2 - on the train #HostChat")
    for liker in ("cat", "dan", "eve"):
        await posts.favourite(db=db, account=people[liker], post_id=ids["ben"])
    await posts.reblog(db=db, account=people["gus"], post_id=ids["ben"])
    await end(db, live)
    await say("dan", people["dan"], "late, but: comics", reply="q1")  # a late reply to Q1
    await say("eve", people["eve"], "A1: letters, always", reply="ana")  # "A1" in the thread
    await say("fay", people["fay"], "A7: what about audio books?", reply="q1")  # no Q7
    return Story(chat, live, host, people, ids)
