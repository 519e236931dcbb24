"""What open rooms are told when moderation changes what they show: ``hide`` (a post leaves the
room) and ``unhide`` (it comes back, with the Status to show). Both go on the chat's ``tag:``
stream, recorded in the transaction of the change (docs/events.md, "Hidden posts").

A room that resumes replays them in id order after the post's own ``update``, so it ends where
a room that never disconnected did.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory.models import Chat
from hashchat.hosting.visibility import shown_in
from hashchat.posts.entities import render_statuses
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.realtime.events import Event, record_many, tag_stream
from hashchat.storage.sequence import take_ids

REACH = timedelta(hours=24)  # a mute or unmute is told about the person's posts since
REACH_POSTS = 200


def hide_payload(chat: Chat, post_id: int) -> str:
    return orjson.dumps({"status_id": str(post_id), "chat": chat.hashtag}).decode()


def hide_event(event_id: int, chat: Chat, post_id: int) -> Event:
    """``hide``: rooms of ``chat`` remove the post (and reposts of it); its author's room
    marks it instead."""
    return Event(event_id, "hide", hide_payload(chat, post_id), (tag_stream(chat.tag_key),))


async def tell_hidden(session: AsyncSession, chat: Chat, post_ids: list[int]) -> None:
    """A ``hide`` for each of ``post_ids``, in id order."""
    if not post_ids:
        return
    first = await take_ids(session, len(post_ids))
    events = [hide_event(first + n, chat, i) for n, i in enumerate(sorted(post_ids))]
    await record_many(session, events)


async def tell_shown(session: AsyncSession, chat: Chat, post_ids: list[int]) -> None:
    """An ``unhide`` for each of ``post_ids`` that the chat's moderation no longer hides (a
    post also hidden another way stays out), with its Status so open rooms put it back."""
    if not post_ids:
        return
    await session.flush()  # the lifted row must be gone for the rule below
    posts = list(
        await session.scalars(
            select(Post)
            .where(Post.id.in_(post_ids), Post.deleted_at.is_(None), shown_in(chat.id))
            .order_by(Post.id)
        )
    )
    if not posts:
        return
    statuses = await render_statuses(session, posts)
    first = await take_ids(session, len(statuses))
    events = [
        Event(
            first + n,
            "unhide",
            orjson.dumps({"status_id": s["id"], "chat": chat.hashtag, "status": s}).decode(),
            (tag_stream(chat.tag_key),),
        )
        for n, s in enumerate(statuses)
    ]
    await record_many(session, events)


async def recent_posts_of(
    session: AsyncSession, chat: Chat, account_id: int, now: datetime
) -> list[int]:
    """The person's posts (and reposts) with the chat's hashtag from the last ``REACH``, at
    most ``REACH_POSTS``: what a mute or an unmute tells open rooms about."""
    return list(
        await session.scalars(
            select(PostTag.post_id)
            .join(Tag, Tag.id == PostTag.tag_id)
            .join(Post, Post.id == PostTag.post_id)
            .where(
                Tag.key == chat.tag_key,
                Post.account_id == account_id,
                Post.deleted_at.is_(None),
                Post.created_at > now - REACH,
            )
            .order_by(PostTag.post_id.desc())
            .limit(REACH_POSTS)
        )
    )


async def reposts_of(session: AsyncSession, post_id: int) -> list[int]:
    """The live reposts of a post (at most ``REACH_POSTS``): they leave and return with it."""
    return list(
        await session.scalars(
            select(Post.id)
            .where(Post.reblog_of_id == post_id, Post.deleted_at.is_(None))
            .order_by(Post.id.desc())
            .limit(REACH_POSTS)
        )
    )
