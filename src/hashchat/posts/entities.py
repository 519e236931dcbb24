"""Mastodon's Status and Tag entities, built from posts in batches (a fixed number of queries
per page, whatever its length)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import urls
from hashchat.accounts.entities import _iso, account_entity
from hashchat.accounts.models import Account
from hashchat.posts.models import Bookmark, Favourite, Mention, Pin, Post, PostTag
from hashchat.posts.steps import steps


class PostLike(Protocol):
    """What a Status is built from: a Post row, or a just-written post (posts/batch.py)."""

    id: int
    account_id: int
    text: str
    content_html: str
    language: str | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    reblog_of_id: int | None
    created_at: datetime
    replies_count: int
    reblogs_count: int
    favourites_count: int
    origin: str | None
    origin_uri: str | None
    origin_url: str | None


@dataclass(slots=True)
class Related:
    """What a status needs besides its own row, gathered once for a whole page."""

    accounts: dict[int, Account] = field(default_factory=dict)
    account_entities: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    mentions: dict[int, list[Account]] = field(default_factory=lambda: defaultdict(list))
    originals: dict[int, PostLike] = field(default_factory=dict)
    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    parts: dict[str, dict[int, Any]] = field(default_factory=dict)  # name -> by post id
    viewer: bool = False


def tag_entity(name: str, *, following: bool | None = None) -> dict[str, Any]:
    entity: dict[str, Any] = {"name": name, "url": urls.tag(name), "history": []}
    if following is not None:
        entity["following"] = following
    return entity


def status_entity(post: PostLike, related: Related) -> dict[str, Any]:
    author = related.accounts[post.account_id]
    account = related.account_entities.get(author.id)
    if account is None:  # the same person is on a page many times: build it once
        account = related.account_entities[author.id] = account_entity(author)
    reblog = None
    if post.reblog_of_id is not None:
        original = related.originals.get(post.reblog_of_id)
        reblog = status_entity(original, related) if original is not None else None
    tags = related.tags.get(post.id, [])
    here = urls.post(author.handle, post.id)
    origin = None
    if post.origin is not None:  # from another network: its own URI and address (bridges/)
        origin = {"network": post.origin, "uri": post.origin_uri, "url": post.origin_url}
    entity: dict[str, Any] = {
        "id": str(post.id),
        "uri": post.origin_uri if origin else here,
        "url": post.origin_url if origin else here,
        "created_at": _iso(post.created_at),
        "edited_at": _iso(edited) if (edited := getattr(post, "edited_at", None)) else None,
        "account": account,
        "content": post.content_html,
        "text": post.text,
        "visibility": "public",
        "sensitive": False,
        "spoiler_text": "",
        "language": post.language,
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": str(post.in_reply_to_account_id)
        if post.in_reply_to_account_id
        else None,
        "reblog": reblog,
        "replies_count": post.replies_count,
        "reblogs_count": post.reblogs_count,
        "favourites_count": post.favourites_count,
        "media_attachments": [],
        "mentions": [
            {
                "id": str(a.id),
                "username": a.handle,
                "acct": a.handle,
                "url": urls.profile(a.handle),
            }
            for a in related.mentions.get(post.id, [])
        ],
        "tags": [{"name": name, "url": urls.tag(name)} for name in tags],
        "emojis": [],
        "card": None,
        "poll": None,
        "application": None,
        "origin": origin,  # hashchat's own: null for a post made here
    }
    for name, values in related.parts.items():  # fields other features keep (posts/steps.py)
        entity[name] = values.get(post.id)
    if related.viewer:
        entity["favourited"] = post.id in related.favourited
        entity["reblogged"] = post.id in related.reblogged
        entity["muted"] = False
        entity["bookmarked"] = post.id in related.bookmarked
        entity["pinned"] = post.id in related.pinned
    return entity


async def gather(
    session: AsyncSession, posts: Sequence[Post], *, viewer_id: int | None = None
) -> Related:
    related = Related(viewer=viewer_id is not None)
    original_ids = {p.reblog_of_id for p in posts if p.reblog_of_id is not None}
    if original_ids:
        for original in await session.scalars(select(Post).where(Post.id.in_(original_ids))):
            related.originals[original.id] = original
    every = [*posts, *related.originals.values()]
    ids = {p.id for p in every}
    account_ids = {p.account_id for p in every}
    if ids:
        rows = await session.execute(
            select(PostTag.post_id, PostTag.name).where(
                PostTag.post_id.in_(ids), PostTag.reblog.is_(False)
            )
        )
        for post_id, name in rows:
            related.tags[post_id].append(name)
        mention_rows = await session.execute(
            select(Mention.post_id, Account)
            .join(Account, Account.id == Mention.account_id)
            .where(Mention.post_id.in_(ids))
        )
        for post_id, account in mention_rows:
            related.mentions[post_id].append(account)
    if account_ids:
        for account in await session.scalars(select(Account).where(Account.id.in_(account_ids))):
            related.accounts[account.id] = account
    if ids:
        for part in steps.ready().parts.values():
            related.parts[part.name] = await part.load(session, ids, viewer_id)
    if viewer_id is not None and ids:
        related.favourited = set(
            await session.scalars(
                select(Favourite.post_id).where(
                    Favourite.account_id == viewer_id, Favourite.post_id.in_(ids)
                )
            )
        )
        reblogged = await session.scalars(
            select(Post.reblog_of_id).where(
                Post.account_id == viewer_id,
                Post.reblog_of_id.in_(ids),
                Post.deleted_at.is_(None),
            )
        )
        related.reblogged = {i for i in reblogged if i is not None}
        related.pinned = set(
            await session.scalars(
                select(Pin.post_id).where(Pin.account_id == viewer_id, Pin.post_id.in_(ids))
            )
        )
        related.bookmarked = set(
            await session.scalars(
                select(Bookmark.post_id).where(
                    Bookmark.account_id == viewer_id, Bookmark.post_id.in_(ids)
                )
            )
        )
    return related


async def render_statuses(
    session: AsyncSession, posts: Iterable[Post], *, viewer_id: int | None = None
) -> list[dict[str, Any]]:
    page = list(posts)
    related = await gather(session, page, viewer_id=viewer_id)
    return [status_entity(post, related) for post in page]
