"""Who is in a room now: the people watching it, across every server process, and the people
posting in it lately.

Each process's hub knows only its own viewers (``Hub.viewers_of``). What every process shares is
the database, so each one reports its own counts there every ``presence_interval`` seconds
(:class:`Reporter`, one per ``hashchat serve`` process), one row per hashtag it has viewers
of; a room's count is the sum of the rows renewed within :data:`FRESH`. A process that stops
cleanly takes its rows away; one that dies stops renewing them, and they stop counting after
``FRESH``. Redis is not involved: with Redis down the counts stay exact (streams then reach
viewers from the log, docs/events.md). An open stream is counted, not a person: a person with
the room open in two tabs counts twice, and a room left open in a background tab counts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.live.models import RoomPresence
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.posts.timelines import left_out
from hashchat.realtime.hub import Hub
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)
FRESH = timedelta(seconds=20)  # a report older than this is a process that is gone
FORGET = timedelta(hours=1)  # rows of processes gone this long are deleted
POSTING_WINDOW = timedelta(minutes=5)
POSTING_SHOWN = 20


async def report(*, db: Database, process: str, counts: dict[str, int], now: datetime) -> None:
    """Replace ``process``'s rows with ``counts`` (tag key -> open streams), in one transaction;
    rows of processes silent for an hour go too."""
    async with db.write() as session:
        await session.execute(delete(RoomPresence).where(RoomPresence.process == process))
        await session.execute(delete(RoomPresence).where(RoomPresence.seen_at < now - FORGET))
        session.add_all(
            RoomPresence(tag_key=key[:140], process=process, viewers=n, seen_at=now)
            for key, n in sorted(counts.items())
            if n > 0
        )


async def watching(session: AsyncSession, tag_key: str, *, now: datetime) -> int:
    """The open streams of ``tag_key`` on every process that reported within :data:`FRESH`."""
    total = await session.scalar(
        select(func.coalesce(func.sum(RoomPresence.viewers), 0)).where(
            RoomPresence.tag_key == tag_key, RoomPresence.seen_at >= now - FRESH
        )
    )
    return int(total or 0)


async def posting(session: AsyncSession, tag_key: str, *, now: datetime) -> list[Account]:
    """The people who posted with the hashtag in the last :data:`POSTING_WINDOW`, latest first
    (at most :data:`POSTING_SHOWN`); what the chat's moderation hides does not count."""
    tag_id = await session.scalar(select(Tag.id).where(Tag.key == tag_key))
    if tag_id is None:
        return []
    query = (
        select(Post.account_id, func.max(Post.id).label("last"))
        .join(PostTag, PostTag.post_id == Post.id)
        .where(
            PostTag.tag_id == tag_id,
            PostTag.reblog.is_(False),
            Post.deleted_at.is_(None),
            Post.created_at >= now - POSTING_WINDOW,
        )
        .group_by(Post.account_id)
        .order_by(func.max(Post.id).desc())
        .limit(POSTING_SHOWN)
    )
    rule = left_out([tag_key])
    if rule is not None:
        query = query.where(~rule)
    ids = [row.account_id for row in await session.execute(query)]
    if not ids:
        return []
    found = {a.id: a for a in await session.scalars(select(Account).where(Account.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@dataclass
class Presence:
    watching: int
    posting: list[Account]
    as_of: datetime


async def room_presence(session: AsyncSession, tag_key: str) -> Presence:
    now = utcnow()
    return Presence(
        await watching(session, tag_key, now=now), await posting(session, tag_key, now=now), now
    )


class Reporter:
    """This process's reports: its hub's viewers per hashtag, every ``interval`` seconds."""

    def __init__(self, db: Database, hub: Hub, *, interval: float) -> None:
        self.db = db
        self.hub = hub
        self.interval = interval
        self.process = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None
        self._reported = False  # rows of ours may be in the table

    def counts(self) -> dict[str, int]:
        return {key[4:]: n for key, n in self.hub.viewers_of("tag:").items()}

    async def tick(self) -> None:
        counts = self.counts()
        if counts or self._reported:
            await report(db=self.db, process=self.process, counts=counts, now=utcnow())
            self._reported = bool(counts)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="room-presence")

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                await self.tick()
                failing = False
            except Exception:
                if not failing:  # once per outage; the rows expire on their own meanwhile
                    log.warning("presence: cannot report this process's viewers", exc_info=True)
                failing = True
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        await cancelled(self._task)
        self._task = None
        if self._reported:  # leave cleanly: our viewers are gone with us
            with contextlib.suppress(Exception):
                await report(db=self.db, process=self.process, counts={}, now=utcnow())


def presence_entity(tag: str, found: Presence) -> dict[str, Any]:
    from hashchat.accounts.entities import account_entity

    return {
        "tag": tag,
        "watching": found.watching,
        "posting": [account_entity(a) for a in found.posting],
        "posting_window_minutes": int(POSTING_WINDOW.total_seconds() // 60),
        "as_of": found.as_of.isoformat().replace("+00:00", "Z"),
    }
