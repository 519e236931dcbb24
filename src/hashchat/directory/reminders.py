"""Reminders as rows: planned for a follower's next occurrence, then moved from due to sent by
the reconciler, exactly once.

A follow with "remind me N minutes before" gets one pending ``reminders`` row, for the chat's
next occurrence (``chats.next_start``), due N minutes before it. Sending claims the row with a
conditional UPDATE (``sent_at IS NULL``) and writes the in-app notification, its stream event
and the email (in the outbox) in that same transaction: committed together, or not at all. A
second process, or the same one after a restart, finds the row sent and does nothing.

A reminder whose occurrence has ended by the time it is seen (the server was down) is marked
``missed`` instead of telling someone about a chat that is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.config import Settings
from hashchat.directory import links
from hashchat.directory.models import Chat, ChatFollow, ChatHost, Reminder
from hashchat.notifications.email import queue_email
from hashchat.notifications.service import notify
from hashchat.storage.engine import Database

BATCH = 200


async def drop_pending(
    session: AsyncSession, *, account_id: int | None = None, chat_id: int
) -> None:
    query = delete(Reminder).where(Reminder.chat_id == chat_id, Reminder.sent_at.is_(None))
    if account_id is not None:
        query = query.where(Reminder.account_id == account_id)
    await session.execute(query)


def _due(follow: ChatFollow, chat: Chat, now: datetime) -> Reminder | None:
    if follow.remind_minutes is None or chat.next_start is None or chat.next_start <= now:
        return None
    if chat.status != "active" or chat.review != "approved":
        return None
    return Reminder(
        account_id=follow.account_id,
        chat_id=chat.id,
        starts_at=chat.next_start,
        due_at=chat.next_start - timedelta(minutes=follow.remind_minutes),
    )


async def _add_unless_present(session: AsyncSession, reminder: Reminder) -> None:
    present = await session.scalar(
        select(Reminder.id).where(
            Reminder.account_id == reminder.account_id,
            Reminder.chat_id == reminder.chat_id,
            Reminder.starts_at == reminder.starts_at,
        )
    )
    if present is None:  # sent already for this occurrence: never twice
        session.add(reminder)


async def replan_follow(
    session: AsyncSession, follow: ChatFollow, chat: Chat, *, now: datetime
) -> None:
    """After a follow changed: its unsent reminder is replaced by the one it now asks for."""
    await drop_pending(session, account_id=follow.account_id, chat_id=chat.id)
    reminder = _due(follow, chat, now)
    if reminder is not None:
        await _add_unless_present(session, reminder)


async def replan_chat(session: AsyncSession, chat: Chat, *, now: datetime) -> None:
    """After a chat's schedule or status changed: unsent reminders for an occurrence that is no
    longer its next one go, and each reminding follower gets one for the new next one."""
    stale = delete(Reminder).where(Reminder.chat_id == chat.id, Reminder.sent_at.is_(None))
    if chat.next_start is not None:
        stale = stale.where(Reminder.starts_at != chat.next_start)
    await session.execute(stale)
    follows = await session.scalars(
        select(ChatFollow).where(
            ChatFollow.chat_id == chat.id, ChatFollow.remind_minutes.is_not(None)
        )
    )
    for follow in list(follows):
        reminder = _due(follow, chat, now)
        if reminder is not None:
            await _add_unless_present(session, reminder)


async def plan(*, db: Database, now: datetime) -> tuple[int, datetime | None]:
    """The reconciler's planning: a reminder for each reminding follow whose chat has moved on
    to an occurrence it has none for yet. Runs after sending, so that a reminder left unsent
    for the previous occurrence was marked missed before its row is replaced. Returns how many
    it planned and the earliest of their due times."""
    async with db.write() as session:
        rows = await session.execute(
            select(ChatFollow, Chat)
            .join(Chat, Chat.id == ChatFollow.chat_id)
            .where(
                ChatFollow.remind_minutes.is_not(None),
                Chat.status == "active",
                Chat.review == "approved",
                Chat.next_start > now,
                ~exists().where(
                    and_(
                        Reminder.account_id == ChatFollow.account_id,
                        Reminder.chat_id == ChatFollow.chat_id,
                        Reminder.starts_at == Chat.next_start,
                    )
                ),
            )
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=ChatFollow)
        )
        planned = 0
        earliest: datetime | None = None
        for follow, chat in rows:
            await drop_pending(session, account_id=follow.account_id, chat_id=chat.id)
            reminder = _due(follow, chat, now)
            if reminder is not None:
                session.add(reminder)
                planned += 1
                if earliest is None or reminder.due_at < earliest:
                    earliest = reminder.due_at
    return planned, earliest


@dataclass(frozen=True, slots=True)
class Sent:
    sent: int
    missed: int
    next_due: datetime | None


def _in_words(minutes: int) -> str:
    if minutes <= 0:
        return "now"
    if minutes < 60:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    if hours >= 24 and not rest and hours % 24 == 0:
        days = hours // 24
        return f"in {days} day{'s' if days != 1 else ''}"
    text = f"in {hours} hour{'s' if hours != 1 else ''}"
    return text + (f" {rest} minutes" if rest else "")


def reminder_text(chat: Chat, starts_at: datetime, now: datetime, zone: str) -> tuple[str, str]:
    """(the notification's sentence, the email's subject)."""
    local = starts_at.astimezone(ZoneInfo(zone))
    minutes = round((starts_at - now).total_seconds() / 60)
    if minutes < 0:
        when = f"started {-minutes} minute{'s' if minutes != -1 else ''} ago"
    else:
        when = f"starts {_in_words(minutes)}"
    at = (
        f"{local:%H:%M} {zone}"
        if local.date() == now.astimezone(local.tzinfo).date()
        else (f"{local:%A %H:%M} {zone}")
    )
    text = f"#{chat.hashtag} {when} ({at}): {chat.title}"
    subject = f"#{chat.hashtag} {when}: {chat.title}"
    return text, subject


def _email_body(account: Account, chat: Chat, text: str) -> str:
    page = links.chat(chat.hashtag)
    return (
        f"Hello {account.name},\n\n"
        f"{text}\n\n"
        f"Join the chat: {urls.live(chat.hashtag)}\n"
        f"About the chat: {page}\n\n"
        f"You get this email because you follow #{chat.hashtag} on hashchat with a reminder.\n"
        f"To change or stop it, open {page}\n"
    )


async def send_due(*, db: Database, settings: Settings, now: datetime) -> Sent:
    """Send every reminder due at ``now`` (one transaction per batch)."""
    sent = missed = 0
    async with db.write() as session:
        due = list(
            await session.scalars(
                select(Reminder)
                .where(Reminder.sent_at.is_(None), Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        for reminder in due:
            chat = await session.get(Chat, reminder.chat_id)
            account = await session.get(Account, reminder.account_id)
            follow = await session.get(ChatFollow, (reminder.account_id, reminder.chat_id))
            if chat is None or account is None:
                continue
            ended = now >= reminder.starts_at + timedelta(minutes=chat.duration_minutes)
            outcome = "missed" if ended or follow is None else "sent"
            claimed = await session.execute(
                update(Reminder)
                .where(Reminder.id == reminder.id, Reminder.sent_at.is_(None))
                .values(sent_at=now, outcome=outcome)
                .execution_options(synchronize_session=False)
            )
            if not getattr(claimed, "rowcount", 0):
                continue  # another process sent it
            if outcome == "missed":
                missed += 1
                continue
            assert follow is not None
            text, subject = reminder_text(chat, reminder.starts_at, now, account.time_zone)
            host_id = await session.scalar(
                select(ChatHost.account_id)
                .where(ChatHost.chat_id == chat.id)
                .order_by(ChatHost.position)
                .limit(1)
            )
            host = await session.get(Account, host_id) if host_id else None
            await notify(
                session,
                recipient=account,
                type="chat.reminder",
                text=text,
                from_account=host,
                chat=chat,
                starts_at=reminder.starts_at,
                now=now,
            )
            if account.email and follow.remind_by_email:
                queue_email(
                    session,
                    settings=settings,
                    to=account.email,
                    subject=subject,
                    body=_email_body(account, chat, text),
                    now=now,
                )
            sent += 1
    async with db.read() as session:
        next_due = await session.scalar(
            select(Reminder.due_at)
            .where(Reminder.sent_at.is_(None))
            .order_by(Reminder.due_at)
            .limit(1)
        )
    return Sent(sent, missed, next_due)
