"""A chat room's rules applied to new posts, inside the transaction that writes them
(posts/batch.py), so each draft gets its own answer and nothing is half-written.

Only posts carrying a listed chat's hashtag are looked at; for every other post the cost is one
set intersection with the cached chat keys (hosting/classify.py). For a chat's post:

- a person banned from the chat cannot post with its hashtag (Forbidden);
- in a locked live session only its hosts, co-hosts, moderators and guests can (Forbidden);
- in slow mode a person posts once per ``slow_mode_seconds`` in the session (RateLimited with
  the seconds to wait); hosts, co-hosts, moderators and admins are exempt;
- a muted person's post is written, and the room leaves it out while the mute lasts
  (hosting/visibility.py); open rooms are told by a ``hide`` event that
  follows its ``update`` in the same transaction.

A repost joins the rooms of the original's chats, so the same rules apply to it
(posts/service.py ``reblog``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatHost
from hashchat.errors import DomainError, Forbidden, RateLimited
from hashchat.hosting.classify import chat_keys
from hashchat.hosting.models import (
    ChatRole,
    ChatSession,
    RoomRestriction,
    SessionGuest,
    SessionPost,
)
from hashchat.posts.models import Post
from hashchat.realtime.events import record_many
from hashchat.storage.sequence import EVENTS, Counter, take_ids
from hashchat.text import normalize_tag

if TYPE_CHECKING:
    from hashchat.posts.batch import Created, Draft

MAY_POST_WHEN_LOCKED = frozenset({"host", "cohost", "moderator", "guest"})
SLOW_MODE_EXEMPT = frozenset({"host", "cohost", "moderator"})


@dataclass(slots=True)
class Verdict:
    refused: dict[int, DomainError] = field(default_factory=dict)  # draft index -> why
    to_hide: list[tuple[int, Chat]] = field(default_factory=list)  # muted: index, chat


def _keys(draft: Draft) -> set[str]:
    return {normalize_tag(e.text) for e in draft.entities if e.kind == "hashtag"}


async def judge(
    session: AsyncSession, drafts: list[Draft], indices: list[int], now: datetime
) -> Verdict | None:
    """The room rules for ``drafts[i]``, i in ``indices``; None when none is a chat's post."""
    listed = await chat_keys.get(session)
    if not listed:
        return None
    wanted: dict[int, set[str]] = {}
    for i in indices:
        if any(e.kind == "hashtag" for e in drafts[i].entities):
            found = _keys(drafts[i]) & listed
            if found:
                wanted[i] = found
    if not wanted:
        return None
    return await _judge(session, wanted, {i: drafts[i].author_id for i in wanted}, now)


async def judge_repost(
    session: AsyncSession, author_id: int, tag_keys: list[str], now: datetime
) -> Verdict | None:
    """The same rules for a repost, which joins the rooms of the original's hashtags: raises
    the refusal, else returns what to hide once it is written (None: nothing to do)."""
    listed = await chat_keys.get(session)
    found = set(tag_keys) & listed
    if not found:
        return None
    verdict = await _judge(session, {0: found}, {0: author_id}, now)
    if 0 in verdict.refused:
        raise verdict.refused[0]
    return verdict if verdict.to_hide else None


async def _judge(
    session: AsyncSession, wanted: dict[int, set[str]], author_of: dict[int, int], now: datetime
) -> Verdict:
    keys = set().union(*wanted.values())
    authors = set(author_of.values())
    chats = {
        c.tag_key: c for c in await session.scalars(select(Chat).where(Chat.tag_key.in_(keys)))
    }
    chat_ids = [c.id for c in chats.values()]
    restrictions = {
        (r.chat_id, r.account_id): r
        for r in await session.scalars(
            select(RoomRestriction).where(
                RoomRestriction.chat_id.in_(chat_ids),
                RoomRestriction.account_id.in_(authors),
                or_(RoomRestriction.until.is_(None), RoomRestriction.until > now),
            )
        )
    }
    live: dict[int, ChatSession] = {}
    for chat_session in await session.scalars(
        select(ChatSession)
        .where(ChatSession.chat_id.in_(chat_ids), ChatSession.state == "live")
        .order_by(ChatSession.starts_at)
    ):
        live.setdefault(chat_session.chat_id, chat_session)
    ruled = {cid: s for cid, s in live.items() if s.locked or s.slow_mode_seconds > 0}
    roles: dict[tuple[int, int], set[str]] = {}
    admins: set[int] = set()
    last_post: dict[tuple[int, int], datetime] = {}
    if ruled:
        roles = await _roles(session, list(ruled.values()), authors)
        admins = set(
            await session.scalars(
                select(Account.id).where(Account.id.in_(authors), Account.role == "admin")
            )
        )
        slow = [s for s in ruled.values() if s.slow_mode_seconds > 0]
        if slow:
            last_post = await _last_posts(session, slow, authors, now)

    verdict = Verdict()
    for i, found in wanted.items():
        author = author_of[i]
        error: DomainError | None = None
        hide: list[tuple[int, Chat]] = []
        passed: list[tuple[int, int]] = []
        for key in sorted(found):
            chat = chats.get(key)
            if chat is None:  # the cached keys are a few seconds old: a listing just went
                continue
            restriction = restrictions.get((chat.id, author))
            if restriction is not None and restriction.kind == "ban":
                error = Forbidden(f"you are banned from #{chat.hashtag}", field="status")
                break
            if restriction is not None and restriction.kind == "mute":
                hide.append((i, chat))
            ruling = ruled.get(chat.id)
            if ruling is None or author in admins:
                continue
            held = roles.get((chat.id, author), set())
            if ruling.locked and not held & MAY_POST_WHEN_LOCKED:
                error = Forbidden(
                    f"#{chat.hashtag} is locked: only its hosts, moderators and guests can post "
                    "now",
                    field="status",
                )
                break
            wait = ruling.slow_mode_seconds
            if wait and not held & SLOW_MODE_EXEMPT:
                last = last_post.get((ruling.id, author))
                if last is not None and now - last < timedelta(seconds=wait):
                    left = max(1, math.ceil(wait - (now - last).total_seconds()))
                    error = RateLimited(
                        f"#{chat.hashtag} is in slow mode: one post every {wait} seconds; "
                        f"wait {left} more",
                        retry_after=left,
                    )
                    break
                passed.append((ruling.id, author))
        if error is not None:
            verdict.refused[i] = error
            continue
        for slot in passed:  # a second post in the same batch waits like any other
            last_post[slot] = now
        verdict.to_hide += hide
    return verdict


async def _roles(
    session: AsyncSession, sessions: list[ChatSession], authors: set[int]
) -> dict[tuple[int, int], set[str]]:
    """(chat id, account id) -> roles held, for the authors in the chats of ``sessions``."""
    chat_ids = [s.chat_id for s in sessions]
    held: dict[tuple[int, int], set[str]] = {}
    for chat_id, account_id, role in await session.execute(
        select(ChatHost.chat_id, ChatHost.account_id, ChatHost.role).where(
            ChatHost.chat_id.in_(chat_ids), ChatHost.account_id.in_(authors)
        )
    ):
        held.setdefault((chat_id, account_id), set()).add(role)
    for chat_id, account_id, role in await session.execute(
        select(ChatRole.chat_id, ChatRole.account_id, ChatRole.role).where(
            ChatRole.chat_id.in_(chat_ids), ChatRole.account_id.in_(authors)
        )
    ):
        held.setdefault((chat_id, account_id), set()).add(role)
    chat_of = {s.id: s.chat_id for s in sessions}
    for session_id, account_id in await session.execute(
        select(SessionGuest.session_id, SessionGuest.account_id).where(
            SessionGuest.session_id.in_(chat_of), SessionGuest.account_id.in_(authors)
        )
    ):
        held.setdefault((chat_of[session_id], account_id), set()).add("guest")
    return held


async def _last_posts(
    session: AsyncSession, sessions: list[ChatSession], authors: set[int], now: datetime
) -> dict[tuple[int, int], datetime]:
    """(session id, account id) -> the author's latest post in that session, if recent enough
    to matter. Takes the id counter's lock first: on PostgreSQL, writers in other processes
    then queue behind this one, so two posts cannot both pass as the first."""
    await session.execute(select(Counter.value).where(Counter.name == EVENTS).with_for_update())
    longest = max(s.slow_mode_seconds for s in sessions)
    rows = await session.execute(
        select(SessionPost.session_id, Post.account_id, func.max(Post.created_at))
        .join(Post, Post.id == SessionPost.post_id)
        .where(
            SessionPost.session_id.in_([s.id for s in sessions]),
            Post.account_id.in_(authors),
            Post.created_at > now - timedelta(seconds=longest),
        )
        .group_by(SessionPost.session_id, Post.account_id)
    )
    found: dict[tuple[int, int], datetime] = {}
    for session_id, account_id, at in rows:
        if at is not None:
            found[(session_id, account_id)] = _aware(at)
    return found


def _aware(value: datetime | str) -> datetime:
    """``max()`` over a UTCDateTime column, whichever way the driver hands it back."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def hide_muted(
    session: AsyncSession, verdict: Verdict, created: list[Created | None]
) -> None:
    """Tell open rooms to drop the muted people's new posts: a ``hide`` event each, after the
    post's own ``update`` (a resuming room replays both, in that order)."""
    hides = [
        (chat, written.post.id)
        for i, chat in verdict.to_hide
        if (written := created[i]) is not None
    ]
    await _hide(session, hides)


async def hide_repost(session: AsyncSession, verdict: Verdict, repost_id: int) -> None:
    """As :func:`hide_muted`, for a muted person's repost (written after its ``update``)."""
    await _hide(session, [(chat, repost_id) for _, chat in verdict.to_hide])


async def _hide(session: AsyncSession, hides: list[tuple[Chat, int]]) -> None:
    from hashchat.hosting.room_events import hide_event

    if not hides:
        return
    first = await take_ids(session, len(hides))
    await record_many(
        session, [hide_event(first + n, chat, post_id) for n, (chat, post_id) in enumerate(hides)]
    )
