"""Writes that meet on one post or one person never deadlock: likes, reposts, follows and
edits take the id counter before the rows they change, as the post writer does (it takes ids,
then bumps the parent's reply count and the author's post count). On PostgreSQL a deadlock is
found after a second and one side fails with 40P01; this test makes them meet, many at once."""

from __future__ import annotations

import asyncio

from hashchat.accounts import service as accounts
from hashchat.posts import service
from hashchat.posts.models import Post
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount


async def test_likes_reposts_and_replies_to_one_post_at_once_all_go_through(
    db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("busy")
    post = await service.create_post(db=db, author=author, text="Q1: anything? #lockorder")
    people = [await make_account(f"fan{i}") for i in range(12)]

    async def fan(person: object) -> None:
        await service.favourite(db=db, account=person, post_id=post.id)  # type: ignore[arg-type]
        await service.create_post(db=db, author=person, text="A1 #lockorder",  # type: ignore[arg-type]
                                  in_reply_to_id=post.id)  # fmt: skip
        await service.reblog(db=db, account=person, post_id=post.id)  # type: ignore[arg-type]
        await accounts.follow(db=db, follower_id=person.id, followee_id=author.id)  # type: ignore[attr-defined]
        await service.create_post(db=db, author=author, text="thanks #lockorder",
                                  in_reply_to_id=post.id)  # fmt: skip

    for _ in range(3):
        await asyncio.gather(*(fan(p) for p in people))
    async with db.read() as session:
        fresh = await session.get(Post, post.id)
        assert fresh is not None
        assert fresh.favourites_count == 12 and fresh.reblogs_count == 12
        assert fresh.replies_count == 3 * 12 * 2
