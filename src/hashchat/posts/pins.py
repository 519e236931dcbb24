"""Pinned posts: a person pins up to five of their own posts to their profile (Mastodon's
pin/unpin and ``pinned=true`` on account statuses), newest pin first."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.errors import Invalid, NotFound
from hashchat.parsing import find_id
from hashchat.posts.models import Pin, Post
from hashchat.storage.engine import Database

MAX_PINS = 5


async def _own_post(session: AsyncSession, post_id: object, account: Account) -> Post:
    post = await session.get(Post, find_id(post_id, field="id", message="Record not found"))
    if post is None or post.deleted_at is not None:
        raise NotFound("Record not found", field="id")
    if post.account_id != account.id:
        raise Invalid("you can pin only your own posts", field="id")
    if post.reblog_of_id is not None:
        raise Invalid("a repost cannot be pinned", field="id")
    return post


async def pin(*, db: Database, account: Account, post_id: object) -> Post:
    """Pin one of one's own posts; pinning twice is harmless; at most five."""
    async with db.write() as session:
        post = await _own_post(session, post_id, account)
        if await session.get(Pin, (account.id, post.id)) is not None:
            return post
        pinned = await session.scalar(
            select(func.count()).select_from(Pin).where(Pin.account_id == account.id)
        )
        if int(pinned or 0) >= MAX_PINS:
            raise Invalid(f"at most {MAX_PINS} posts can be pinned; unpin one first", field="id")
        session.add(Pin(account_id=account.id, post_id=post.id))
    return post


async def unpin(*, db: Database, account: Account, post_id: object) -> Post:
    async with db.write() as session:
        post = await _own_post(session, post_id, account)
        await session.execute(
            delete(Pin).where(Pin.account_id == account.id, Pin.post_id == post.id)
        )
    return post


async def pinned_posts(session: AsyncSession, *, account_id: int) -> list[Post]:
    """The account's pinned posts, the latest pinned first (deleted ones left out)."""
    rows = await session.scalars(
        select(Post)
        .join(Pin, Pin.post_id == Post.id)
        .where(Pin.account_id == account_id, Post.deleted_at.is_(None))
        .order_by(Pin.created_at.desc(), Post.id.desc())
    )
    return list(rows)
