"""A session whose every figure is worked out by hand (the numbers are in ``EXPECTED``).

#HostChat's earlier session had one post, by ann. In this session (60 minutes, 15 of grace,
starting on a whole minute T0) the host asks Q1 and Q2; ann, bob and cat answer Q1 and ann
answers Q2; bob replies to ann's answer; cat says hello after the window; a post by cat is
deleted. dan and eve only repost (ann's A1 post); ann reposts Q1. bob and cat like ann's A1, the
host likes ann's A2. Followers: fay follows ann, bob and dan; gus follows ann; bob follows ann;
hal follows dan; ivy follows nobody who took part (zed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, update

from hashchat.accounts import service as accounts
from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession, SessionPost
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.hosting.conftest import MakeSession, chat, host, make_session

__all__ = ["chat", "host", "make_session"]

# Seconds after T0 at which each post of the session was written.
WRITTEN_AT = {
    "q1": 0, "q2": 30, "ann_a1": 65, "bob_a1": 119.9, "cat_a1": 120, "ann_a2": 600,
    "bob_reply": 74 * 60 + 59, "cat_hello": 80 * 60,
}  # fmt: skip

EXPECTED = {
    "participants": 4,  # hostess, ann, bob, cat
    "repost_only": 2,  # dan, eve (ann reposted too, but she wrote)
    "posts": 8,  # the deleted one left out
    "replies": 1,  # bob's reply to ann
    "questions": 2,
    "answers": 4,
    "late_posts": 0,
    "reposts": 3,
    "likes": 3,
    "first_time": 3,
    "returning": 1,  # ann wrote in the earlier session
    "reach": 4,  # fay, gus, bob, hal: fay follows three of them and counts once
    "reach_if_summed": 6,  # ann 3 + bob 1 + dan 2
}
PER_MINUTE = {0: 2, 1: 2, 2: 1, 10: 1, 74: 1}  # 75 one-minute buckets; cat's hello is outside


@dataclass
class Story:
    chat: Chat
    earlier: ChatSession
    chat_session: ChatSession
    t0: datetime
    people: dict[str, Account]
    ids: dict[str, int]

    @property
    def path(self) -> str:
        return f"/chats/HostChat/sessions/{self.chat_session.id}/analytics"


@pytest.fixture
async def story(
    db: Database, chat: Chat, host: Account, make_account: MakeAccount, make_session: MakeSession
) -> Story:
    people = {"hostess": host}
    for handle in ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "zed"):
        people[handle] = await make_account(handle)
    earlier = await make_session(start=-600, minutes=60)
    before = await posts.create_post(db=db, author=people["ann"], text="my first time here")
    async with db.write() as session:
        await session.execute(
            insert(SessionPost).values(post_id=before.id, session_id=earlier.id, kind="chat")
        )
    current = await make_session(start=-30, minutes=60)
    ids: dict[str, int] = {}

    async def say(key: str, who: str, text: str, reply: str | None = None) -> None:
        made = await posts.create_post(
            db=db, author=people[who], text=text, in_reply_to_id=ids[reply] if reply else None
        )
        ids[key] = made.id

    await say("q1", "hostess", "Q1: What do you read? #HostChat")
    await say("q2", "hostess", "Q2: Where do you read? #HostChat")
    await say("ann_a1", "ann", "A1: novels #HostChat")
    await say("bob_a1", "bob", "A1: the news #HostChat")
    await say("cat_a1", "cat", "A1 poems #HostChat")
    await say("ann_a2", "ann", "A2: on the train #HostChat")
    await say("bob_reply", "bob", "novels are the best", reply="ann_a1")
    await say("cat_hello", "cat", "hello all #HostChat")
    await say("cat_oops", "cat", "oops #HostChat")
    await posts.delete_post(db=db, actor=people["cat"], post_id=ids["cat_oops"])
    for who in ("dan", "eve"):
        await posts.reblog(db=db, account=people[who], post_id=ids["ann_a1"])
    await posts.reblog(db=db, account=people["ann"], post_id=ids["q1"])
    for who in ("bob", "cat"):
        await posts.favourite(db=db, account=people[who], post_id=ids["ann_a1"])
    await posts.favourite(db=db, account=people["hostess"], post_id=ids["ann_a2"])
    for follower, followee in (("fay", "ann"), ("fay", "bob"), ("fay", "dan"), ("gus", "ann"),
                               ("bob", "ann"), ("hal", "dan"), ("ivy", "zed")):  # fmt: skip
        await accounts.follow(
            db=db, follower_id=people[follower].id, followee_id=people[followee].id
        )
    # The session on whole minutes, and each post at its second.
    t0 = (utcnow() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    async with db.write() as session:
        await session.execute(
            update(ChatSession)
            .where(ChatSession.id == current.id)
            .values(starts_at=t0, ends_at=t0 + timedelta(minutes=60))
        )
        for key, seconds in WRITTEN_AT.items():
            await session.execute(
                update(Post)
                .where(Post.id == ids[key])
                .values(created_at=t0 + timedelta(seconds=seconds))
            )
        fresh = await session.get(ChatSession, current.id)
        assert fresh is not None
    current.starts_at, current.ends_at = t0, t0 + timedelta(minutes=60)
    return Story(chat, earlier, current, t0, people, ids)
