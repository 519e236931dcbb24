"""Chat health: how many posts each occurrence had, and the "may be inactive" flag.

Once an occurrence's window has passed, the reconciler counts the posts carrying the chat's
hashtag (matched as posts match it: NFKC + casefold; reposts and deleted posts left out) from
``BEFORE`` ahead of its start to ``AFTER`` past its end, since people say hello early and
answer late. When the last ``QUIET_RUN`` occurrences counted each had at most ``QUIET_POSTS``
posts, the chat is flagged "may be inactive": it shows a badge, ranks lower, and its hosts (or,
for a chat without hosts, the admins) are told, once. A busy occurrence clears the flag by
itself; a host can clear it by hand ("confirm active"), after which only occurrences from
then on count, or pause or retire the chat. Only occurrences after a chat was listed count.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatHost, ChatOccurrence
from hashchat.notifications.service import notify
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.storage.engine import Database

BEFORE = timedelta(minutes=15)
AFTER = timedelta(minutes=30)
QUIET_POSTS = 2
QUIET_RUN = 3
BATCH = 200


async def count_posts(
    session: AsyncSession, tag_key: str, start: datetime, end: datetime
) -> tuple[int, int]:
    """(posts, distinct authors) with the hashtag written in [start, end)."""
    row = (
        await session.execute(
            select(func.count(Post.id), func.count(distinct(Post.account_id)))
            .select_from(PostTag)
            .join(Tag, Tag.id == PostTag.tag_id)
            .join(Post, Post.id == PostTag.post_id)
            .where(
                Tag.key == tag_key,
                PostTag.reblog.is_(False),
                Post.deleted_at.is_(None),
                Post.created_at >= start,
                Post.created_at < end,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def measure(*, db: Database, now: datetime) -> int:
    """Count the posts of every occurrence whose window has passed and that is not counted
    yet, then re-judge the chats concerned. Returns how many occurrences it counted."""
    async with db.write() as session:
        rows = (
            await session.execute(
                select(ChatOccurrence, Chat.tag_key)
                .join(Chat, Chat.id == ChatOccurrence.chat_id)
                .where(ChatOccurrence.measured_at.is_(None), ChatOccurrence.ends_at <= now - AFTER)
                .order_by(ChatOccurrence.ends_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True, of=ChatOccurrence)
            )
        ).all()
        chats: set[int] = set()
        for occurrence, tag_key in rows:
            posts, people = await count_posts(
                session, tag_key, occurrence.starts_at - BEFORE, occurrence.ends_at + AFTER
            )
            await session.execute(
                update(ChatOccurrence)
                .where(
                    ChatOccurrence.chat_id == occurrence.chat_id,
                    ChatOccurrence.local_date == occurrence.local_date,
                )
                .values(posts_count=posts, participants_count=people, measured_at=now)
                .execution_options(synchronize_session=False)
            )
            chats.add(occurrence.chat_id)
        for chat_id in sorted(chats):
            # Locked, so that two passes judging one chat at once do not both tell its hosts.
            chat = await session.get(Chat, chat_id, with_for_update=True, populate_existing=True)
            if chat is not None:
                await judge(session, chat, now=now)
    return len(rows)


async def recent(session: AsyncSession, chat: Chat, *, limit: int = 12) -> list[ChatOccurrence]:
    """The latest counted occurrences, oldest first."""
    rows = await session.scalars(
        select(ChatOccurrence)
        .where(ChatOccurrence.chat_id == chat.id, ChatOccurrence.measured_at.is_not(None))
        .order_by(ChatOccurrence.starts_at.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


async def judge(session: AsyncSession, chat: Chat, *, now: datetime) -> None:
    """Flag or clear "may be inactive" from the last counted occurrences."""
    since = max(filter(None, [chat.listed_at, chat.health_reset_at]), default=None)
    query = select(ChatOccurrence.posts_count).where(
        ChatOccurrence.chat_id == chat.id, ChatOccurrence.measured_at.is_not(None)
    )
    if since is not None:
        query = query.where(ChatOccurrence.starts_at >= since)
    counts = [
        int(c or 0)
        for c in await session.scalars(
            query.order_by(ChatOccurrence.starts_at.desc()).limit(QUIET_RUN)
        )
    ]
    quiet = len(counts) == QUIET_RUN and all(c <= QUIET_POSTS for c in counts)
    if quiet and chat.inactive_since is None and chat.status == "active":
        chat.inactive_since = now
        await _tell_hosts(session, chat, now=now)
    elif chat.inactive_since is not None and counts and counts[0] > QUIET_POSTS:
        chat.inactive_since = None  # it came back to life


async def _tell_hosts(session: AsyncSession, chat: Chat, *, now: datetime) -> None:
    hosts = list(
        await session.scalars(
            select(Account)
            .join(ChatHost, ChatHost.account_id == Account.id)
            .where(ChatHost.chat_id == chat.id)
        )
    )
    if not hosts:
        hosts = list(await session.scalars(select(Account).where(Account.role == "admin")))
    text = (
        f"#{chat.hashtag} may be inactive: its last {QUIET_RUN} occurrences had "
        f"{QUIET_POSTS} posts or fewer. Confirm it is active, pause it or retire it."
    )
    for host in hosts:
        await notify(session, recipient=host, type="chat.inactive", text=text, chat=chat, now=now)


class HasStatus(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def inactive_since(self) -> datetime | None: ...


def health_status(chat: HasStatus) -> str:
    """ "retired", "paused", "inactive" (may be), or "ok"."""
    if chat.status != "active":
        return chat.status
    return "inactive" if chat.inactive_since is not None else "ok"
