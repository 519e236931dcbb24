"""Notifications: written inside the caller's transaction together with what they tell about,
and recorded as a ``notification`` event on the person's ``user:<id>`` stream so that a live
client gets it (and a client that resumes gets what it missed).

Mastodon's types, sent by the steps this feature registers (notifications/posting.py):

| type | sent to | when |
| --- | --- | --- |
| ``mention`` | each person mentioned, and the author of the post replied to | a post is written |
| ``status`` | followers who asked for it (``notify=true`` on the follow) | a post is written |
| ``reblog`` | the author | their post is reposted |
| ``favourite`` | the author | their post is liked |
| ``follow`` | the person followed | someone follows them |
| ``poll`` | the poll's author and everyone who voted | the poll has ended (the reconciler) |
| ``update`` | everyone who reposted the post | a post is edited |

and hashchat's own, which Mastodon clients get only when they ask (``types[]=chat.*``): on the
streams they come as ``chat.notification`` events, so an app that knows only Mastodon's
``notification`` never sees a type it cannot show:

| type | sent to | when |
| --- | --- | --- |
| ``chat.reminder`` | a follower who asked to be reminded | N minutes before an occurrence |
| ``chat.inactive`` | the chat's hosts (admins if none) | three quiet occurrences in a row |
| ``chat.submitted`` | admins | a listing waits for approval |
| ``chat.approved`` / ``chat.rejected`` | whoever submitted it | an admin decided |

Nobody is notified by someone they muted (with notifications) or blocked, or who blocked them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account, AccountBlock, AccountMute
from hashchat.directory.models import Chat
from hashchat.errors import Invalid, NotFound
from hashchat.notifications import push
from hashchat.notifications.entities import notification_entity
from hashchat.notifications.models import Marker, Notification
from hashchat.parsing import check_id, find_id
from hashchat.posts.entities import render_statuses
from hashchat.posts.models import Post
from hashchat.posts.timelines import Page
from hashchat.realtime.events import record
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.storage.sequence import take_ids

MASTODON_TYPES = ("mention", "status", "reblog", "follow", "favourite", "poll", "update")
CHAT_TYPES = (
    "chat.reminder",
    "chat.inactive",
    "chat.submitted",
    "chat.approved",
    "chat.rejected",
    "chat.host_invited",
    "bridge.broken",  # a linked account's token stopped working (bridges/)
)
TYPES = MASTODON_TYPES + CHAT_TYPES
CHAT_EVENT = "chat.notification"  # the stream event of hashchat's own types
TIMELINES = ("home", "notifications")


def user_stream(account_id: int) -> str:
    """The stream of one person's private events (delivered by the streaming layer)."""
    return f"user:{account_id}"


async def notify(
    session: AsyncSession,
    *,
    recipient: Account,
    type: str,
    text: str = "",
    from_account: Account | None = None,
    chat: Chat | None = None,
    starts_at: datetime | None = None,
    status: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Notification | None:
    """Write a notification for ``recipient`` and its stream event, in the caller's
    transaction: both are committed with the change they tell about, or neither is.
    ``status`` is the Status it is about (without viewer-specific fields). None when the
    recipient does not want to hear from ``from_account`` (muted, blocked)."""
    if type not in TYPES:
        raise ValueError(f"unknown notification type {type!r}")
    if (
        from_account is not None
        and from_account.id != recipient.id
        and recipient.id in await silenced(session, [recipient.id], from_account.id)
    ):
        return None
    notification_id = await take_ids(session, 1)
    notification = Notification(
        id=notification_id,
        account_id=recipient.id,
        type=type,
        from_account_id=from_account.id if from_account else None,
        chat_id=chat.id if chat else None,
        starts_at=starts_at,
        text=text,
        status_id=int(status["id"]) if status else None,
        created_at=now or utcnow(),
    )
    session.add(notification)
    entity = notification_entity(
        notification, account=from_account or recipient, chat=chat, status=status
    )
    await record(
        session,
        kind=CHAT_EVENT if type in CHAT_TYPES else "notification",
        payload=orjson.dumps(entity).decode(),
        streams=[user_stream(recipient.id)],
        event_id=notification_id,
    )
    await push.queue(session, notification, entity)
    return notification


async def silenced(session: AsyncSession, recipient_ids: list[int], sender_id: int) -> set[int]:
    """Those of ``recipient_ids`` who must not hear from ``sender_id``: they muted them (with
    notifications, and not expired), or one of the two blocked the other."""
    if not recipient_ids:
        return set()
    now = utcnow()
    muted = await session.scalars(
        select(AccountMute.account_id).where(
            AccountMute.account_id.in_(recipient_ids),
            AccountMute.target_id == sender_id,
            AccountMute.notifications.is_(True),
            or_(AccountMute.expires_at.is_(None), AccountMute.expires_at > now),
        )
    )
    blocks = await session.execute(
        select(AccountBlock.account_id, AccountBlock.target_id).where(
            or_(
                and_(
                    AccountBlock.account_id.in_(recipient_ids), AccountBlock.target_id == sender_id
                ),
                and_(
                    AccountBlock.account_id == sender_id, AccountBlock.target_id.in_(recipient_ids)
                ),
            )
        )
    )
    found = set(muted)
    for blocker, blocked in blocks:
        found.add(blocker if blocker != sender_id else blocked)
    return found


@dataclass(frozen=True, slots=True)
class Listed:
    notifications: list[Notification]
    accounts: dict[int, Account]
    chats: dict[int, Chat]
    statuses: dict[int, dict[str, Any]] = field(default_factory=dict)

    def entities(self, recipient: Account) -> list[dict[str, Any]]:
        return [
            notification_entity(
                n,
                account=self.accounts.get(n.from_account_id or 0, recipient),
                chat=self.chats.get(n.chat_id or 0),
                status=self.statuses.get(n.status_id or 0),
            )
            for n in self.notifications
        ]


def parse_page(**params: object) -> Page:
    try:
        return Page.parse(**params)
    except Invalid as exc:
        raise Invalid(exc.message.replace("post id", "notification id"), field=exc.field) from None


def check_types(values: object, *, field: str) -> list[str]:
    """The types named (``types[]`` or ``exclude_types[]``), ``chat.*`` standing for all of
    hashchat's own. Types this server never sends (``follow_request``, ``admin.sign_up``, which
    apps exclude by habit) are left out, not refused, as Mastodon does."""
    if values in (None, "", []):
        return []
    items = values if isinstance(values, list) else [values]
    named: list[str] = []
    for item in (str(v).strip() for v in items):
        if item == "chat.*":
            named += CHAT_TYPES
        elif item in TYPES:
            named.append(item)
        elif item:
            named.append("")  # asked for, never sent: matches nothing
    return list(dict.fromkeys(named))


def mastodon_types(types: list[str], exclude_types: list[str]) -> list[str]:
    """What an API client gets: the types it named, else Mastodon's own (hashchat's chat.*
    types only when asked for), less those it excluded."""
    wanted = types or list(MASTODON_TYPES)
    return [t for t in wanted if t not in exclude_types]


async def list_notifications(
    session: AsyncSession,
    *,
    account_id: int,
    page: Page,
    types: list[str] | None = None,
    exclude_types: list[str] | None = None,
) -> Listed:
    """One page of a person's notifications, newest first (Mastodon's paging); ``types`` None
    is every type. Notifications about a post since deleted are left out."""
    query = (
        select(Notification)
        .outerjoin(Post, Post.id == Notification.status_id)
        .where(
            Notification.account_id == account_id,
            or_(Notification.status_id.is_(None), Post.deleted_at.is_(None)),
        )
    )
    if types is not None:
        query = query.where(Notification.type.in_(types))
    if exclude_types:
        query = query.where(Notification.type.not_in(exclude_types))
    if page.max_id is not None:
        query = query.where(Notification.id < page.max_id)
    if page.since_id is not None:
        query = query.where(Notification.id > page.since_id)
    if page.min_id is not None:
        query = query.where(Notification.id > page.min_id).order_by(Notification.id.asc())
    else:
        query = query.order_by(Notification.id.desc())
    rows = list(await session.scalars(query.limit(page.limit)))
    rows.sort(key=lambda n: n.id, reverse=True)
    return await _related(session, rows, viewer_id=account_id)


async def _related(session: AsyncSession, rows: list[Notification], *, viewer_id: int) -> Listed:
    account_ids = {n.from_account_id for n in rows if n.from_account_id}
    chat_ids = {n.chat_id for n in rows if n.chat_id}
    post_ids = {n.status_id for n in rows if n.status_id}
    accounts = {
        a.id: a for a in await session.scalars(select(Account).where(Account.id.in_(account_ids)))
    }
    chats = {c.id: c for c in await session.scalars(select(Chat).where(Chat.id.in_(chat_ids)))}
    statuses: dict[int, dict[str, Any]] = {}
    if post_ids:
        posts = list(await session.scalars(select(Post).where(Post.id.in_(post_ids))))
        for post, entity in zip(
            posts, await render_statuses(session, posts, viewer_id=viewer_id), strict=True
        ):
            statuses[post.id] = entity
    return Listed(rows, accounts, chats, statuses)


async def get_notification(
    session: AsyncSession, *, account_id: int, notification_id: object
) -> Listed:
    key = find_id(notification_id, field="id", message="Record not found")
    row = await session.get(Notification, key)
    if row is None or row.account_id != account_id:
        raise NotFound("Record not found", field="id")
    return await _related(session, [row], viewer_id=account_id)


async def dismiss(*, db: Database, account_id: int, notification_id: object) -> None:
    """Remove one notification (Mastodon's dismiss); someone else's is not found."""
    key = find_id(notification_id, field="id", message="Record not found")
    async with db.write() as session:
        result = await session.execute(
            delete(Notification).where(
                Notification.id == key, Notification.account_id == account_id
            )
        )
        if not getattr(result, "rowcount", 0):
            raise NotFound("Record not found", field="id")


async def clear(*, db: Database, account_id: int) -> int:
    """Remove every notification of the person; returns how many."""
    async with db.write() as session:
        result = await session.execute(
            delete(Notification).where(Notification.account_id == account_id)
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def get_markers(
    session: AsyncSession, *, account_id: int, timelines: list[str]
) -> dict[str, Marker]:
    wanted = [t for t in timelines if t in TIMELINES] or list(TIMELINES)
    rows = await session.scalars(
        select(Marker).where(Marker.account_id == account_id, Marker.timeline.in_(wanted))
    )
    return {m.timeline: m for m in rows}


async def save_marker(
    *, db: Database, account_id: int, timeline: str, last_read_id: object
) -> Marker:
    """Move a read marker (Mastodon's POST /api/v1/markers); it never moves backwards."""
    if timeline not in TIMELINES:
        raise Invalid(f"timeline is one of {', '.join(TIMELINES)}", field="timeline")
    last = check_id(last_read_id, field="last_read_id", message="last_read_id is an id")
    if last is None:
        raise Invalid("last_read_id is an id", field="last_read_id")
    async with db.write() as session:
        marker = await session.get(Marker, (account_id, timeline))
        if marker is None:
            marker = Marker(account_id=account_id, timeline=timeline, last_read_id=0, version=0)
            session.add(marker)
        if last > marker.last_read_id:
            marker.last_read_id = last
            marker.version = (marker.version or 0) + 1
            marker.updated_at = utcnow()
    return marker


async def unread_count(
    session: AsyncSession, *, account_id: int, types: list[str] | None = None
) -> int:
    """Notifications newer than the person's ``notifications`` marker (of ``types``, None for
    every type)."""
    last = await session.scalar(
        select(Marker.last_read_id).where(
            Marker.account_id == account_id, Marker.timeline == "notifications"
        )
    )
    query = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.account_id == account_id, Notification.id > (last or 0))
    )
    if types is not None:
        query = query.where(Notification.type.in_(types))
    return int(await session.scalar(query) or 0)
