"""What a person keeps: bookmarks (only they see them) and the posts they liked, as lists
(Mastodon's /api/v1/bookmarks and /api/v1/favourites), newest first, paged by post id."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.errors import NotFound
from hashchat.parsing import find_id
from hashchat.posts.models import Bookmark, Favourite, Post
from hashchat.posts.service import insert_ignore
from hashchat.posts.timelines import Page, _run
from hashchat.storage.engine import Database


async def _post(session: AsyncSession, post_id: object) -> Post:
    post = await session.get(Post, find_id(post_id, field="id", message="Record not found"))
    if post is None or post.deleted_at is not None:
        raise NotFound("Record not found", field="id")
    if post.reblog_of_id is not None:  # bookmarking a repost keeps what it reposts
        return await _post(session, post.reblog_of_id)
    return post


async def bookmark(*, db: Database, account: Account, post_id: object) -> Post:
    """Keep a post; keeping it twice is harmless."""
    async with db.write() as session:
        post = await _post(session, post_id)
        await session.execute(
            insert_ignore(session, Bookmark).values(account_id=account.id, post_id=post.id)
        )
    return post


async def unbookmark(*, db: Database, account: Account, post_id: object) -> Post:
    async with db.write() as session:
        post = await _post(session, post_id)
        await session.execute(
            delete(Bookmark).where(Bookmark.account_id == account.id, Bookmark.post_id == post.id)
        )
    return post


async def bookmarks(session: AsyncSession, *, account_id: int, page: Page) -> list[Post]:
    kept = select(Bookmark.post_id.label("id")).where(Bookmark.account_id == account_id)
    return [p for p in await _run(session, kept, page) if p.deleted_at is None]


async def favourites(session: AsyncSession, *, account_id: int, page: Page) -> list[Post]:
    liked = select(Favourite.post_id.label("id")).where(Favourite.account_id == account_id)
    return [p for p in await _run(session, liked, page) if p.deleted_at is None]
