"""Mastodon's ``poll`` notification: when a poll has ended, its author and everyone who voted
hear of it. A reconciler step (notifications/steps.py): the end of a poll is a time, not a
write, so the step asks the database which polls have ended and were not yet told about."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from hashchat.accounts.models import Account
from hashchat.hosting.models import Poll, PollVote
from hashchat.notifications.models import Notification
from hashchat.notifications.service import notify
from hashchat.posts.entities import gather, status_entity
from hashchat.posts.models import Post
from hashchat.storage.engine import Database

# A poll that ended longer ago than this (the server was down for a week) is not told about.
LOOK_BACK = timedelta(days=7)
BATCH = 50


async def notify_ended_polls(*, db: Database, now: datetime) -> tuple[int, datetime | None]:
    """Tell about each poll that has ended; returns how many, and when the next one ends."""
    told = 0
    async with db.read() as session:
        due = list(
            await session.scalars(
                select(Poll.id)
                .where(
                    Poll.expires_at <= now,
                    Poll.expires_at > now - LOOK_BACK,
                    ~exists().where(
                        Notification.status_id == Poll.post_id, Notification.type == "poll"
                    ),
                )
                .order_by(Poll.expires_at)
                .limit(BATCH)
            )
        )
        upcoming = await session.scalar(
            select(Poll.expires_at).where(Poll.expires_at > now).order_by(Poll.expires_at).limit(1)
        )
    for poll_id in due:
        told += await _tell(db, poll_id, now)
    return told, upcoming


async def _tell(db: Database, poll_id: int, now: datetime) -> int:
    async with db.write() as session:
        # Locked, then checked again: two processes' passes tell about a poll once.
        poll = await session.scalar(select(Poll).where(Poll.id == poll_id).with_for_update())
        if poll is None:
            return 0
        already = await session.scalar(
            select(Notification.id).where(
                Notification.status_id == poll.post_id, Notification.type == "poll"
            )
        )
        post = await session.get(Post, poll.post_id)
        if already is not None or post is None or post.deleted_at is not None:
            return 0
        status = status_entity(post, await gather(session, [post]))
        voter_ids = set(
            await session.scalars(select(PollVote.account_id).where(PollVote.poll_id == poll.id))
        )
        people = {
            a.id: a
            for a in await session.scalars(
                select(Account).where(Account.id.in_(voter_ids | {post.account_id}))
            )
        }
        author = people[post.account_id]
        for account_id in [post.account_id, *sorted(voter_ids - {post.account_id})]:
            await notify(
                session, recipient=people[account_id], type="poll",
                from_account=author, status=status, now=now,
            )  # fmt: skip
    return 1
