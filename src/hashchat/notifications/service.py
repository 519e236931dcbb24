"""Notifications: written inside the caller's transaction together with what they tell about,
and recorded as a ``notification`` event on the person's ``user:<id>`` stream so that a live
client gets it (and a client that resumes gets what it missed).

The types hashchat sends are its own (Mastodon clients skip types they do not know):

| type | sent to | when |
| --- | --- | --- |
| ``chat.reminder`` | a follower who asked to be reminded | N minutes before an occurrence |
| ``chat.inactive`` | the chat's hosts (admins if none) | three quiet occurrences in a row |
| ``chat.submitted`` | admins | a listing waits for approval |
| ``chat.approved`` / ``chat.rejected`` | whoever submitted it | an admin decided |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.errors import Invalid, NotFound
from hashchat.notifications.entities import notification_entity
from hashchat.notifications.models import Marker, Notification
from hashchat.parsing import check_id, find_id
from hashchat.posts.timelines import Page
from hashchat.realtime.events import record
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.storage.sequence import take_ids

TYPES = (
    "chat.reminder",
    "chat.inactive",
    "chat.submitted",
    "chat.approved",
    "chat.rejected",
    "chat.host_invited",
    "bridge.broken",  # a linked account's token stopped working (bridges/)
)
TIMELINES = ("home", "notifications")


def user_stream(account_id: int) -> str:
    """The stream of one person's private events (delivered by the streaming layer)."""
    return f"user:{account_id}"


async def notify(
    session: AsyncSession,
    *,
    recipient: Account,
    type: str,
    text: str,
    from_account: Account | None = None,
    chat: Chat | None = None,
    starts_at: datetime | None = None,
    now: datetime | None = None,
) -> Notification:
    """Write a notification for ``recipient`` and its stream event, in the caller's
    transaction: both are committed with the change they tell about, or neither is."""
    if type not in TYPES:
        raise ValueError(f"unknown notification type {type!r}")
    notification_id = await take_ids(session, 1)
    notification = Notification(
        id=notification_id,
        account_id=recipient.id,
        type=type,
        from_account_id=from_account.id if from_account else None,
        chat_id=chat.id if chat else None,
        starts_at=starts_at,
        text=text,
        created_at=now or utcnow(),
    )
    session.add(notification)
    entity = notification_entity(notification, account=from_account or recipient, chat=chat)
    await record(
        session,
        kind="notification",
        payload=orjson.dumps(entity).decode(),
        streams=[user_stream(recipient.id)],
        event_id=notification_id,
    )
    return notification


@dataclass(frozen=True, slots=True)
class Listed:
    notifications: list[Notification]
    accounts: dict[int, Account]
    chats: dict[int, Chat]

    def entities(self, recipient: Account) -> list[dict[str, Any]]:
        return [
            notification_entity(
                n,
                account=self.accounts.get(n.from_account_id or 0, recipient),
                chat=self.chats.get(n.chat_id or 0),
            )
            for n in self.notifications
        ]


def parse_page(**params: object) -> Page:
    try:
        return Page.parse(**params)
    except Invalid as exc:
        raise Invalid(exc.message.replace("post id", "notification id"), field=exc.field) from None


def check_types(values: object, *, field: str) -> list[str]:
    if values in (None, "", []):
        return []
    items = values if isinstance(values, list) else [values]
    return [str(v) for v in items if str(v)]


async def list_notifications(
    session: AsyncSession,
    *,
    account_id: int,
    page: Page,
    types: list[str] | None = None,
    exclude_types: list[str] | None = None,
) -> Listed:
    """One page of a person's notifications, newest first (Mastodon's paging)."""
    query = select(Notification).where(Notification.account_id == account_id)
    if types:
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
    return await _related(session, rows)


async def _related(session: AsyncSession, rows: list[Notification]) -> Listed:
    account_ids = {n.from_account_id for n in rows if n.from_account_id}
    chat_ids = {n.chat_id for n in rows if n.chat_id}
    accounts = {
        a.id: a for a in await session.scalars(select(Account).where(Account.id.in_(account_ids)))
    }
    chats = {c.id: c for c in await session.scalars(select(Chat).where(Chat.id.in_(chat_ids)))}
    return Listed(rows, accounts, chats)


async def get_notification(
    session: AsyncSession, *, account_id: int, notification_id: object
) -> Listed:
    key = find_id(notification_id, field="id", message="Record not found")
    row = await session.get(Notification, key)
    if row is None or row.account_id != account_id:
        raise NotFound("Record not found", field="id")
    return await _related(session, [row])


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


async def unread_count(session: AsyncSession, *, account_id: int) -> int:
    """Notifications newer than the person's ``notifications`` marker."""
    last = await session.scalar(
        select(Marker.last_read_id).where(
            Marker.account_id == account_id, Marker.timeline == "notifications"
        )
    )
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.account_id == account_id, Notification.id > (last or 0))
    )
    return int(count or 0)
