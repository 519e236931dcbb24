"""Moderation in a chat's room: hide a post, mute or ban a person (for a while or until lifted),
slow mode and lock on a session, and the audit log that records every one of them.

Who may: ``moderate`` (hosts, co-hosts, moderators, admins) hides, mutes and bans; ``run``
(hosts, co-hosts, admins) sets slow mode and locks (hosting/roles.py). A moderator cannot act on
the chat's hosts, only an admin on an admin, and nobody mutes or bans themselves. Input is
checked first (``check_*``); each action then writes its change and its audit row in one
transaction, whose events (``hide``, ``session``) leave only after the commit.

What the rules do to new posts is in hosting/room_rules.py; what hidden posts and mutes keep
out of every place a chat's posts are shown is one rule, in hosting/visibility.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import parsing
from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatHost
from hashchat.directory.service import get_chat
from hashchat.errors import Forbidden, Invalid, NotFound
from hashchat.hosting import roles
from hashchat.hosting.audit import record_action
from hashchat.hosting.models import (
    ChatSession,
    HiddenPost,
    ModerationAction,
    RoomRestriction,
    SessionPost,
)
from hashchat.hosting.room_events import (
    recent_posts_of,
    reposts_of,
    tell_hidden,
    tell_shown,
)
from hashchat.hosting.sessions import announce, get_session
from hashchat.parsing import find_id
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

MAX_MINUTES = 30 * 24 * 60  # a timed mute or ban lasts at most 30 days; longer: until lifted
MAX_SLOW_MODE = 3600
DEFAULT_LOG, MAX_LOG = 20, 100
KINDS = ("mute", "ban")
PAST = {"mute": "muted", "ban": "banned"}


# -- checks ------------------------------------------------------------------------------------


def check_id(value: object, *, field: str, what: str) -> int:
    return find_id(value, field=field, message=f"no such {what}")


def check_minutes(minutes: object) -> int | None:
    """A mute's or ban's length: 1 to MAX_MINUTES, or None (until lifted)."""
    if minutes is None or minutes == "":
        return None
    if isinstance(minutes, bool):
        raise Invalid("minutes must be a whole number", field="minutes")
    try:
        value = int(str(minutes))
    except ValueError:
        raise Invalid("minutes must be a whole number", field="minutes") from None
    if not 1 <= value <= MAX_MINUTES:
        raise Invalid(
            f"minutes must be 1 to {MAX_MINUTES} (30 days); leave it out for until lifted",
            field="minutes",
        )
    return value


def check_seconds(seconds: object) -> int:
    """Slow mode: 0 (off) to MAX_SLOW_MODE seconds between one person's posts."""
    if seconds is None or seconds == "":
        raise Invalid("seconds is required", field="seconds")
    if isinstance(seconds, bool):
        raise Invalid("seconds must be a whole number", field="seconds")
    try:
        value = int(str(seconds))
    except ValueError:
        raise Invalid("seconds must be a whole number", field="seconds") from None
    if not 0 <= value <= MAX_SLOW_MODE:
        raise Invalid(f"slow mode is 0 (off) to {MAX_SLOW_MODE} seconds", field="seconds")
    return value


async def check_target(
    session: AsyncSession, chat: Chat, actor: Account, target_id: int, *, verb: str,
    field: str = "account_id",
) -> Account:  # fmt: skip
    """The person acted on, if ``actor`` may act on them in ``chat``."""
    target = await session.get(Account, target_id)
    if target is None:
        raise NotFound("no such account", field=field)
    if target.id == actor.id:
        raise Invalid(f"you cannot {verb} yourself", field=field)
    if target.is_admin and not actor.is_admin:
        raise Forbidden(f"only an admin can {verb} an admin", field=field)
    if (
        not actor.is_admin
        and await session.get(ChatHost, (chat.id, target.id)) is not None
        and await session.get(ChatHost, (chat.id, actor.id)) is None
    ):
        raise Forbidden(f"moderators cannot {verb} the chat's hosts", field=field)
    return target


# -- entities ----------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _person(account: Account | None) -> dict[str, str] | None:
    if account is None:
        return None
    return {"id": str(account.id), "acct": account.handle, "display_name": account.display_name}


def hidden_entity(chat: Chat, post_id: int, hidden: bool) -> dict[str, Any]:
    return {"chat": chat.hashtag, "status_id": str(post_id), "hidden": hidden}


def restriction_entity(
    chat: Chat, account: Account, restriction: RoomRestriction | None
) -> dict[str, Any]:
    kind = restriction.kind if restriction is not None else None
    return {
        "chat": chat.hashtag,
        "account": _person(account),
        "muted": kind == "mute",
        "banned": kind == "ban",
        "until": _iso(restriction.until) if restriction is not None else None,
    }


@dataclass(frozen=True, slots=True)
class LogPage:
    entries: list[dict[str, Any]]
    next_max_id: int | None  # where the next (older) page starts, None at the end


# -- helpers -----------------------------------------------------------------------------------


def may_moderate_room(chat: Chat, actor: Account) -> bool:
    """Whether the room's moderation is open to the chat's hosts and moderators: once the
    listing is vouched for (directory/hosts.py); admins always."""
    return actor.is_admin or chat.vouched_at is not None


async def _chat_for(session: AsyncSession, tag: str, actor: Account) -> Chat:
    chat = await get_chat(session, tag)
    await roles.require(session, chat.id, actor, "moderate")
    if not may_moderate_room(chat, actor):
        raise Forbidden(
            f"#{chat.hashtag}'s room can be moderated once an admin approves the listing (or "
            "for a host who had used the hashtag before listing it)"
        )
    return chat


async def active_restriction(
    session: AsyncSession, chat_id: int, account_id: int, now: datetime
) -> RoomRestriction | None:
    found = await session.get(RoomRestriction, (chat_id, account_id))
    if found is None or (found.until is not None and found.until <= now):
        return None
    return found


# -- hiding posts ------------------------------------------------------------------------------


async def _post_in_chat(session: AsyncSession, chat: Chat, post_id: int) -> Post:
    """The post, if it is in the chat: it carries the chat's hashtag, or belongs to one of its
    sessions (a reply under a question, written without the hashtag)."""
    post = await session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound("no such post", field="status_id")
    tagged = await session.scalar(
        select(PostTag.post_id)
        .join(Tag, Tag.id == PostTag.tag_id)
        .where(PostTag.post_id == post_id, Tag.key == chat.tag_key)
    )
    placed = await session.scalar(
        select(SessionPost.post_id)
        .join(ChatSession, ChatSession.id == SessionPost.session_id)
        .where(SessionPost.post_id == post_id, ChatSession.chat_id == chat.id)
    )
    if tagged is None and placed is None:
        raise Invalid(
            f"the post is not in #{chat.hashtag}: it lacks the hashtag", field="status_id"
        )
    return post


async def hide_post(*, db: Database, actor: Account, tag: str, status_id: object) -> dict[str, Any]:
    """Hide a post from the chat's room: left out of the room's listing, and a ``hide`` event
    tells open rooms to remove it. The post stays on its author's profile and in the tag
    timeline. Hiding a hidden post changes nothing."""
    post_id = check_id(status_id, field="status_id", what="post")
    async with db.write() as session:
        chat = await _chat_for(session, tag, actor)
        post = await _post_in_chat(session, chat, post_id)
        if post.account_id != actor.id:
            await check_target(session, chat, actor, post.account_id, verb="hide posts of",
                               field="status_id")  # fmt: skip
        if await session.get(HiddenPost, (chat.id, post.id)) is not None:
            return hidden_entity(chat, post.id, True)
        session.add(
            HiddenPost(chat_id=chat.id, post_id=post.id, by_id=actor.id, created_at=utcnow())
        )
        await record_action(
            session, chat, actor.id, "hide", account_id=post.account_id, post_id=post.id
        )
        await session.flush()
        await tell_hidden(session, chat, [post.id])
    return hidden_entity(chat, post.id, True)


async def unhide_post(
    *, db: Database, actor: Account, tag: str, status_id: object
) -> dict[str, Any]:
    """Let a hidden post back into the chat: an ``unhide`` event (with the Status) for it and
    each repost of it tells open rooms to show them again, unless its author is muted there.
    Unhiding a post that is not hidden changes nothing."""
    post_id = check_id(status_id, field="status_id", what="post")
    async with db.write() as session:
        chat = await _chat_for(session, tag, actor)
        hidden = await session.get(HiddenPost, (chat.id, post_id))
        if hidden is None:
            await _post_in_chat(session, chat, post_id)  # a clear 404/422 for a wrong id
            return hidden_entity(chat, post_id, False)
        post = await session.get(Post, post_id)
        await session.delete(hidden)
        await record_action(session, chat, actor.id, "unhide", post_id=post_id,
                            account_id=post.account_id if post else None)  # fmt: skip
        await tell_shown(session, chat, [post_id, *await reposts_of(session, post_id)])
    return hidden_entity(chat, post_id, False)


# -- muting and banning ------------------------------------------------------------------------


async def restrict(
    *, db: Database, actor: Account, tag: str, kind: str, account_id: object,
    minutes: object = None,
) -> dict[str, Any]:  # fmt: skip
    """Mute (while it lasts, the room leaves out their posts with the chat's hashtag, those
    written before and during it; open rooms get a ``hide`` for each of the last day's) or ban
    (they cannot post with it) a person in a chat, for ``minutes`` or until lifted. A person has
    one restriction per chat: banning a muted person replaces the mute, and the other way
    round."""
    assert kind in KINDS
    target_id = check_id(account_id, field="account_id", what="account")
    length = check_minutes(minutes)
    now = utcnow()
    until = now + timedelta(minutes=length) if length is not None else None
    async with db.write() as session:
        chat = await _chat_for(session, tag, actor)
        target = await check_target(session, chat, actor, target_id, verb=kind)
        restriction = await session.get(RoomRestriction, (chat.id, target.id))
        if restriction is None:
            restriction = RoomRestriction(chat_id=chat.id, account_id=target.id)
            session.add(restriction)
        restriction.kind, restriction.until = kind, until
        restriction.by_id, restriction.created_at = actor.id, now
        detail = f"for {length} minutes" if length is not None else "until lifted"
        await record_action(session, chat, actor.id, kind, account_id=target.id, detail=detail)
        if kind == "mute":
            await tell_hidden(session, chat, await recent_posts_of(session, chat, target.id, now))
        entity = restriction_entity(chat, target, restriction)
    return entity


async def lift(
    *, db: Database, actor: Account, tag: str, kind: str, account_id: object
) -> dict[str, Any]:
    """Unmute or unban. Unmuting tells open rooms to show the person's last day's posts there
    again (an ``unhide`` each, as muting sent a ``hide``); unbanning changes nothing a room
    shows, only what they may post next. Lifting what is not there (or has run out) changes
    nothing; unmuting a banned person is refused, so a ban is never lifted by the wrong
    button."""
    assert kind in KINDS
    target_id = check_id(account_id, field="account_id", what="account")
    now = utcnow()
    async with db.write() as session:
        chat = await _chat_for(session, tag, actor)
        target = await check_target(session, chat, actor, target_id, verb=f"un{kind}")
        current = await active_restriction(session, chat.id, target.id, now)
        if current is not None and current.kind != kind:
            raise Invalid(
                f"@{target.handle} is {PAST[current.kind]}, not {PAST[kind]}",
                field="account_id",
            )
        await session.execute(
            delete(RoomRestriction).where(
                RoomRestriction.chat_id == chat.id, RoomRestriction.account_id == target.id
            )
        )
        if current is not None:
            await record_action(session, chat, actor.id, f"un{kind}", account_id=target.id)
            if kind == "mute":
                back = await recent_posts_of(session, chat, target.id, now)
                await tell_shown(session, chat, back)
        entity = restriction_entity(chat, target, None)
    return entity


async def restrictions(session: AsyncSession, *, actor: Account, tag: str) -> list[dict[str, Any]]:
    """Who is muted or banned in the chat now, newest first (for its hosts and moderators)."""
    chat = await _chat_for(session, tag, actor)
    rows = await session.execute(
        select(RoomRestriction, Account)
        .join(Account, Account.id == RoomRestriction.account_id)
        .where(
            RoomRestriction.chat_id == chat.id,
            or_(RoomRestriction.until.is_(None), RoomRestriction.until > utcnow()),
        )
        .order_by(RoomRestriction.created_at.desc())
    )
    return [restriction_entity(chat, account, found) for found, account in rows]


# -- slow mode and lock ------------------------------------------------------------------------


async def _runnable(
    session: AsyncSession, actor: Account, session_id: object
) -> tuple[ChatSession, Chat]:
    chat_session, chat = await get_session(session, session_id)
    await roles.require_in_session(session, chat_session, actor, "run")
    if chat_session.state not in ("scheduled", "live"):
        raise Invalid(f"the session has {chat_session.state}", field="state")
    return chat_session, chat


async def set_slow_mode(
    *, db: Database, actor: Account, session_id: object, seconds: object
) -> tuple[ChatSession, Chat]:
    """One post per ``seconds`` per person in the session (0: off); a ``session`` event."""
    value = check_seconds(seconds)
    async with db.write() as session:
        chat_session, chat = await _runnable(session, actor, session_id)
        if chat_session.slow_mode_seconds != value:
            chat_session.slow_mode_seconds = value
            detail = f"{value} seconds" if value else "off"
            await record_action(session, chat, actor.id, "slow_mode",
                                session_id=chat_session.id, detail=detail)  # fmt: skip
            await announce(session, chat_session, chat)
    return chat_session, chat


async def set_locked(
    *, db: Database, actor: Account, session_id: object, locked: bool
) -> tuple[ChatSession, Chat]:
    """Lock (only hosts, moderators and guests post while it is live) or unlock a session."""
    async with db.write() as session:
        chat_session, chat = await _runnable(session, actor, session_id)
        if chat_session.locked != locked:
            chat_session.locked = locked
            await record_action(session, chat, actor.id, "lock" if locked else "unlock",
                                session_id=chat_session.id)  # fmt: skip
            await announce(session, chat_session, chat)
    return chat_session, chat


# -- the audit log -----------------------------------------------------------------------------


def check_log_page(max_id: object, limit: object) -> tuple[int | None, int]:
    before = parsing.check_id(
        max_id, field="max_id", message="max_id must be an entry id (a number)"
    )
    size = DEFAULT_LOG
    if limit not in (None, ""):
        try:
            size = int(str(limit))
        except ValueError:
            raise Invalid("limit must be a number", field="limit") from None
        if size < 1:
            raise Invalid("limit must be at least 1", field="limit")
        size = min(size, MAX_LOG)
    return before, size


async def audit_log(
    session: AsyncSession, *, actor: Account, tag: str, max_id: object = None,
    limit: object = None,
) -> LogPage:  # fmt: skip
    """The chat's moderation actions, newest first, ``limit`` at a time before ``max_id``;
    readable by its hosts and moderators (and admins)."""
    before, size = check_log_page(max_id, limit)
    chat = await _chat_for(session, tag, actor)
    query = select(ModerationAction).where(ModerationAction.chat_id == chat.id)
    if before is not None:
        query = query.where(ModerationAction.id < before)
    rows = list(await session.scalars(query.order_by(ModerationAction.id.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    people_ids = {r.actor_id for r in rows} | {
        r.target_account_id for r in rows if r.target_account_id is not None
    }
    people = {
        a.id: a
        for a in await session.scalars(select(Account).where(Account.id.in_(people_ids)))
    } if people_ids else {}  # fmt: skip
    entries = [
        {
            "id": str(r.id),
            "chat": chat.hashtag,
            "session_id": str(r.session_id) if r.session_id is not None else None,
            "action": r.action,
            "actor": _person(people.get(r.actor_id)),
            "target_account": _person(people.get(r.target_account_id))
            if r.target_account_id is not None
            else None,
            "target_status_id": str(r.target_post_id) if r.target_post_id is not None else None,
            "detail": r.detail,
            "created_at": _iso(r.created_at),
        }
        for r in rows
    ]
    return LogPage(entries, rows[-1].id if more and rows else None)
