"""What a chat's moderation hides: one rule, read by every place that shows a chat's posts.

A post is hidden in a chat when

- the chat's hosts or moderators hid it (``hidden_posts``), or it is a repost of one they hid;
- or its author is muted in the chat now (``room_restrictions``, a mute that has not run out),
  and the post is in the chat: it carries the chat's hashtag (a repost: the original's tags) or
  belongs to one of the chat's sessions (a reply without the hashtag).

While a mute lasts it covers the person's posts from before it too; once it is lifted or runs
out they come back. A hidden post stays on its author's profile, in their followers' home
timelines and in its thread: moderation is about the chat, not the person's account.

Every reader applies this one predicate in SQL (``~hidden_in(chat_id)`` beside its own
conditions, the ``Post`` row in its FROM): the room and its "by question" view, the session
page, the transcript and its four exports, the catch-up, analytics, and the hashtag's page and
timeline (``hidden_under_tags``, registered with posts/timelines.py, which may not import
hosting). Each clause is an index lookup per row: ``hidden_posts`` by (chat, post),
``room_restrictions`` by (chat, account).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from hashchat.directory.models import Chat
from hashchat.hosting.models import HiddenPost, RoomRestriction
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow

ChatRef = int | ColumnElement[int] | InstrumentedAttribute[int]  # a chat id, or its column


def muted_now(chat: ChatRef, account: InstrumentedAttribute[int], now: datetime) -> Any:
    """A mute of ``account`` in ``chat`` that lasts at ``now``."""
    return (
        exists()
        .where(
            RoomRestriction.chat_id == chat,
            RoomRestriction.account_id == account,
            RoomRestriction.kind == "mute",
            or_(RoomRestriction.until.is_(None), RoomRestriction.until > now),
        )
        .correlate_except(RoomRestriction)  # the post and the chat come from the query
    )


def hidden_in(chat: ChatRef, *, now: datetime | None = None) -> Any:
    """True for the query's ``Post`` row when the moderation of ``chat`` (an id, or a column
    of the enclosing query such as ``ChatSession.chat_id``) hides it. The caller knows the
    post is in the chat (a session's post, or one with its hashtag)."""
    at = now or utcnow()
    hid = exists().where(HiddenPost.chat_id == chat, HiddenPost.post_id == Post.id)
    hid_original = exists().where(
        HiddenPost.chat_id == chat, HiddenPost.post_id == Post.reblog_of_id
    )
    return or_(
        hid.correlate_except(HiddenPost),
        and_(Post.reblog_of_id.is_not(None), hid_original.correlate_except(HiddenPost)),
        muted_now(chat, Post.account_id, at),
    )


def hidden_under_tags(tag_keys: Iterable[str], *, now: datetime | None = None) -> Any:
    """True for the query's ``Post`` row (one carrying one of ``tag_keys``) when the
    moderation of any listed chat of those hashtags hides it: the rule for a hashtag's page
    and timeline, and a mixer of several chats."""
    keys = sorted(set(tag_keys))
    return exists(select(Chat.id).where(Chat.tag_key.in_(keys), hidden_in(Chat.id, now=now)))
