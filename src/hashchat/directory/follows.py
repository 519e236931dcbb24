"""Following chats (with an optional reminder) and the personal calendar feed's secret."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hashchat.accounts.models import Account
from hashchat.directory import reminders
from hashchat.directory.models import CalendarToken, Chat, ChatFollow, Reminder
from hashchat.directory.service import get_chat, visible_chat
from hashchat.directory.validation import check_remind_minutes
from hashchat.errors import Invalid, NotFound
from hashchat.security import digest, new_token
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")  # what new_token(24) makes


async def follow_chat(
    *,
    db: Database,
    account: Account,
    tag: str,
    remind_minutes: object = None,
    remind_by_email: bool = True,
    now: datetime | None = None,
) -> ChatFollow:
    """Follow a chat, or change the reminder of a follow; a reminder for the next occurrence is
    planned in the same transaction (so one due within seconds is not late)."""
    minutes = check_remind_minutes(remind_minutes)
    now = now or utcnow()
    async with db.write() as session:
        chat = await visible_chat(session, tag, account)
        return await _follow(session, account, chat, minutes, remind_by_email, now)


MAX_AT_ONCE = 20


async def follow_chats(
    *,
    db: Database,
    account: Account,
    tags: list[str],
    remind_minutes: object = None,
    remind_by_email: bool = True,
    now: datetime | None = None,
) -> list[ChatFollow]:
    """Follow several chats at once (a newcomer's picks), each with the same reminder, in one
    transaction: a tag that is not listed refuses them all (NotFound), nothing half done."""
    minutes = check_remind_minutes(remind_minutes)
    wanted = list(dict.fromkeys(t.strip().lstrip("#") for t in tags if t.strip()))
    if not wanted:
        raise Invalid("pick at least one chat to follow", field="chat")
    if len(wanted) > MAX_AT_ONCE:
        raise Invalid(f"follow at most {MAX_AT_ONCE} chats at once", field="chat")
    now = now or utcnow()
    async with db.write() as session:
        chats = [await visible_chat(session, tag, account) for tag in wanted]
        return [await _follow(session, account, c, minutes, remind_by_email, now) for c in chats]


async def _follow(
    session: AsyncSession,
    account: Account,
    chat: Chat,
    minutes: int | None,
    remind_by_email: bool,
    now: datetime,
) -> ChatFollow:
    follow = await session.get(ChatFollow, (account.id, chat.id))
    if follow is None:
        follow = ChatFollow(account_id=account.id, chat_id=chat.id, created_at=now)
        session.add(follow)
        await session.execute(
            update(Chat).where(Chat.id == chat.id).values(followers_count=Chat.followers_count + 1)
        )
    follow.remind_minutes = minutes
    follow.remind_by_email = remind_by_email
    await session.flush()
    await reminders.replan_follow(session, follow, chat, now=now)
    return follow


async def unfollow_chat(*, db: Database, account: Account, tag: str) -> bool:
    """Stop following (reminders not yet sent go too); True if there was a follow."""
    async with db.write() as session:
        chat = await get_chat(session, tag)
        follow = await session.get(ChatFollow, (account.id, chat.id))
        if follow is None:
            return False
        await session.delete(follow)
        await reminders.drop_pending(session, account_id=account.id, chat_id=chat.id)
        await session.execute(
            update(Chat)
            .where(Chat.id == chat.id, Chat.followers_count > 0)
            .values(followers_count=Chat.followers_count - 1)
        )
    return True


async def follow_of(
    session: AsyncSession, account: Account | None, chat: Chat
) -> ChatFollow | None:
    if account is None:
        return None
    return await session.get(ChatFollow, (account.id, chat.id))


async def followed_chats(session: AsyncSession, account_id: int) -> list[tuple[Chat, ChatFollow]]:
    """The chats a person follows, soonest first (those with nothing ahead last)."""
    rows = await session.execute(
        select(Chat, ChatFollow)
        .join(ChatFollow, ChatFollow.chat_id == Chat.id)
        .where(ChatFollow.account_id == account_id)
        .order_by(Chat.next_start.is_(None), Chat.next_start, Chat.tag_key)
    )
    return [(chat, follow) for chat, follow in rows]


async def pending_reminders(session: AsyncSession, account_id: int) -> list[Reminder]:
    rows = await session.scalars(
        select(Reminder)
        .where(Reminder.account_id == account_id, Reminder.sent_at.is_(None))
        .order_by(Reminder.due_at)
    )
    return list(rows)


# -- the personal calendar feed ------------------------------------------------------------------


async def new_calendar_token(*, db: Database, account_id: int) -> str:
    """A new secret for the person's feed URL (the old one stops working). Only its SHA-256 is
    kept, so the URL is shown once, when it is made."""
    token = new_token(24)
    async with db.write() as session:
        row = await session.get(CalendarToken, account_id)
        if row is None:
            session.add(CalendarToken(account_id=account_id, token_hash=digest(token)))
        else:
            row.token_hash = digest(token)
            row.created_at = utcnow()
    return token


async def calendar_token_made(session: AsyncSession, account_id: int) -> datetime | None:
    row = await session.get(CalendarToken, account_id)
    return row.created_at if row else None


async def account_for_calendar(session: AsyncSession, token: str) -> Account:
    """The owner of a calendar feed token (see :func:`account_for_secret`)."""
    return await account_for_secret(
        session, token, CalendarToken.account_id, CalendarToken.token_hash,
        "there is no calendar at this address: the link is mistyped or was replaced by a new "
        "one (get the current link on your chats page)",
    )  # fmt: skip


async def account_for_secret(
    session: AsyncSession,
    token: str,
    account_id: InstrumentedAttribute[int],
    token_hash: InstrumentedAttribute[str | None],
    message: str,
    *,
    field: str | None = None,
) -> Account:
    """The owner of a secret feed URL's token, found by its SHA-256 in ``token_hash``; NotFound
    with ``message`` (one message for malformed and unknown tokens alike, saying what to do)
    otherwise."""
    if not TOKEN_RE.match(token):
        raise NotFound(message, field=field)
    owner = await session.scalar(select(account_id).where(token_hash == digest(token)))
    account = await session.get(Account, owner) if owner else None
    if account is None:
        raise NotFound(message, field=field)
    return account
