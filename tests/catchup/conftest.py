"""A session rita missed: #HostChat, which she follows, asked Q1 and people answered, talked,
liked, reposted and shared links; she follows ann. Who talked with whom (replies):
bob - ann, cat - bob, dan - ann, dan - hostess."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from hashchat.accounts import service as accounts
from hashchat.accounts.models import Account
from hashchat.directory import follows
from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession
from hashchat.posts import service as posts
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.hosting.conftest import MakeSession, chat, host, make_session

__all__ = ["chat", "host", "make_session"]


@dataclass
class Missed:
    chat: Chat
    chat_session: ChatSession
    reader: Account
    people: dict[str, Account]
    ids: dict[str, int]


@pytest.fixture
async def missed(
    db: Database, chat: Chat, host: Account, make_account: MakeAccount, make_session: MakeSession
) -> Missed:
    people = {"hostess": host}
    for handle in ("rita", "ann", "bob", "cat", "dan", "eve"):
        people[handle] = await make_account(handle)
    reader = people["rita"]
    await follows.follow_chat(db=db, account=reader, tag="HostChat")
    await accounts.follow(db=db, follower_id=reader.id, followee_id=people["ann"].id)
    current = await make_session(start=-50, minutes=40)
    ids: dict[str, int] = {}

    async def say(key: str, who: str, text: str, reply: str | None = None) -> None:
        made = await posts.create_post(
            db=db, author=people[who], text=text, in_reply_to_id=ids[reply] if reply else None
        )
        ids[key] = made.id

    await say("q1", "hostess", "Q1: Favourite writing tool? #HostChat")
    await say("ann_a1", "ann", "A1: a pencil #HostChat")
    await say("bob_a1", "bob", "A1: a notebook #HostChat", reply="ann_a1")
    await say("cat_reply", "cat", "agreed, https://example.org/guide #HostChat", reply="bob_a1")
    await say(
        "dan_a1", "dan", "A1: my hands <3 https://example.org/guide #HostChat", reply="ann_a1"
    )
    await say("dan_coffee", "dan", "also coffee #HostChat", reply="q1")
    await say("rita_a1", "rita", "A1: a keyboard https://other.org/x #HostChat")
    for who in ("bob", "cat"):
        await posts.favourite(db=db, account=people[who], post_id=ids["dan_a1"])
    await posts.favourite(db=db, account=reader, post_id=ids["cat_reply"])
    await posts.reblog(db=db, account=people["eve"], post_id=ids["ann_a1"])
    for who in ("eve", "bob"):
        await posts.reblog(db=db, account=people[who], post_id=ids["dan_a1"])
    async with db.write() as session:
        await session.execute(
            update(ChatSession)
            .where(ChatSession.id == current.id)
            .values(state="ended", ends_at=utcnow() - timedelta(minutes=5))
        )
    return Missed(chat, current, reader, people, ids)
