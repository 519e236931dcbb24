"""What a chat's moderation hides: one rule, read by every place that shows a chat's posts.

A post is hidden in a chat when

- the chat's hosts or moderators hid it (``hidden_posts``), or it is a repost of one they hid;
- or its author is muted in the chat now (``room_restrictions``, a mute that has not run out),
  and the post is in the chat: it carries the chat's hashtag (a repost: the original's tags) or
  belongs to one of the chat's sessions (a reply without the hashtag).

While a mute lasts it covers the person's posts from before it too; once it is lifted or runs
out they come back. A hidden post stays on its author's profile, in their followers' home
timelines and in its thread: moderation is about the chat, not the person's account.

Every reader applies this one predicate in SQL (``shown_in(chat_id)`` beside its own
conditions, the ``Post`` row in its FROM): the room and its "by question" view, the session
page, the transcript and its four exports, the catch-up, analytics, and the hashtag's page and
timeline (``hidden_under_tags``, registered with posts/timelines.py, which may not import
hosting). The hidden posts and muted people of a chat are few: each is read once per query
into a set that every row is looked up in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from hashchat.directory.models import Chat
from hashchat.hosting.models import HiddenPost, RoomRestriction
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow

ChatRef = int | ColumnElement[int] | InstrumentedAttribute[int]  # a chat id, or its column


def _neither(post_ids: Any, account_ids: Any, post_id: Any = Post.id) -> Any:
    """The post is not among ``post_ids`` nor reposts one of them, and its author is not among
    ``account_ids``. Uncorrelated subqueries: each is read once per query into a small set
    instead of running once per row (a transcript reads 100,000 rows), and written as separate
    conditions (not a negated OR) so that SQLite still starts from the most selective index."""
    return and_(
        post_id.not_in(post_ids),
        or_(Post.reblog_of_id.is_(None), Post.reblog_of_id.not_in(post_ids)),
        Post.account_id.not_in(account_ids),
    )


def _lasts(now: datetime) -> Any:
    return and_(
        RoomRestriction.kind == "mute",
        or_(RoomRestriction.until.is_(None), RoomRestriction.until > now),
    )


def shown_in(chat: ChatRef, *, now: datetime | None = None, post_id: Any = Post.id) -> Any:
    """True for the query's ``Post`` row unless the moderation of ``chat`` (an id, or a column
    of the enclosing query such as ``ChatSession.chat_id``) hides it. The caller knows the
    post is in the chat (a session's post, or one with its hashtag). ``post_id``: the column
    the post's id is tested on, when the query joins one (``SessionPost.post_id``: SQLite then
    starts from the session's index rather than from every post that is not a repost)."""
    at = now or utcnow()
    if isinstance(chat, int):
        return _neither(
            select(HiddenPost.post_id).where(HiddenPost.chat_id == chat),
            select(RoomRestriction.account_id).where(RoomRestriction.chat_id == chat, _lasts(at)),
            post_id,
        )
    # Several chats in one query (the catch-up): pairs of (chat, post) and (chat, person).
    hidden = select(HiddenPost.chat_id, HiddenPost.post_id)
    return and_(
        tuple_(chat, post_id).not_in(hidden),
        or_(Post.reblog_of_id.is_(None), tuple_(chat, Post.reblog_of_id).not_in(hidden)),
        tuple_(chat, Post.account_id).not_in(
            select(RoomRestriction.chat_id, RoomRestriction.account_id).where(_lasts(at))
        ),
    )


def hidden_in(chat: ChatRef, *, now: datetime | None = None) -> Any:
    """The opposite of :func:`shown_in`: the chat's moderation hides the ``Post`` row."""
    return ~shown_in(chat, now=now)


def hidden_under_tags(tag_keys: Iterable[str], *, now: datetime | None = None) -> Any:
    """True for the query's ``Post`` row (one carrying one of ``tag_keys``) when the
    moderation of any listed chat of those hashtags hides it: the rule for a hashtag's page
    and timeline, and a mixer of several chats (a person muted in one of them is left out of
    the whole mixer)."""
    at = now or utcnow()
    chats = select(Chat.id).where(Chat.tag_key.in_(sorted(set(tag_keys))))
    return ~_neither(
        select(HiddenPost.post_id).where(HiddenPost.chat_id.in_(chats)),
        select(RoomRestriction.account_id).where(RoomRestriction.chat_id.in_(chats), _lasts(at)),
    )
