"""The notifications feature's part in writing posts, likes, reposts, edits and follows,
registered at start-up (posts/steps.py, accounts/steps.py; ``hashchat/features.py`` calls
:func:`register`). posts/ and accounts/ know nothing of notifications: these steps run in the
transaction that writes what they tell about, so a notification is committed with its cause.

- a new post: ``mention`` for each person it mentions and for the author of the post it
  replies to; ``status`` for followers who asked to hear of each post (``notify``);
- a repost: ``reblog``; a like: ``favourite``; an edit: ``update`` for those who reposted it;
- a follow: ``follow``.

Each costs a few queries per *batch* of posts (the write path's unit), not per post.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account, Follow
from hashchat.accounts.steps import AccountSteps, Followed
from hashchat.notifications.service import notify
from hashchat.posts.entities import gather, status_entity
from hashchat.posts.models import Post
from hashchat.posts.steps import Batch, Edit, Like, Repost, RepostThen, Steps, WriteStep


async def _accounts(session: AsyncSession, ids: set[int]) -> dict[int, Account]:
    if not ids:
        return {}
    rows = await session.scalars(select(Account).where(Account.id.in_(ids)))
    return {a.id: a for a in rows}


async def notify_new_posts(batch: Batch) -> None:
    """``mention`` for the people a post mentions or replies to; ``status`` for followers who
    asked for it."""
    created = batch.created()
    if not created:
        return
    session = batch.session
    mentioned: dict[int, set[int]] = {}  # post id -> recipients
    for c in created:
        people = {int(m["id"]) for m in c.entity.get("mentions", [])}
        if c.post.in_reply_to_account_id is not None:
            people.add(c.post.in_reply_to_account_id)
        people.discard(c.post.account_id)
        mentioned[c.post.id] = people
    author_ids = {c.post.account_id for c in created}
    watchers: dict[int, set[int]] = defaultdict(set)  # author -> followers with notify
    rows = await session.execute(
        select(Follow.followee_id, Follow.follower_id).where(
            Follow.followee_id.in_(author_ids), Follow.notify.is_(True)
        )
    )
    for followee, follower in rows:
        watchers[followee].add(follower)
    everyone = author_ids | {i for s in mentioned.values() for i in s}
    everyone |= {i for s in watchers.values() for i in s}
    accounts = await _accounts(session, everyone)
    for c in created:
        author = accounts[c.post.account_id]
        for recipient_id in sorted(mentioned[c.post.id]):
            await notify(
                session, recipient=accounts[recipient_id], type="mention",
                from_account=author, status=c.entity, now=batch.now,
            )  # fmt: skip
        for recipient_id in sorted(watchers.get(c.post.account_id, set()) - mentioned[c.post.id]):
            await notify(
                session, recipient=accounts[recipient_id], type="status",
                from_account=author, status=c.entity, now=batch.now,
            )  # fmt: skip


async def check_repost(repost: Repost) -> RepostThen | None:
    if repost.original_account_id == repost.author_id:
        return None

    async def notify_repost(written: Repost) -> None:
        session = written.session
        original = await session.get(Post, written.original_id)
        if original is None:
            return
        accounts = await _accounts(session, {written.author_id, written.original_account_id})
        status = status_entity(original, await gather(session, [original]))
        await notify(
            session, recipient=accounts[written.original_account_id], type="reblog",
            from_account=accounts[written.author_id], status=status, now=written.now,
        )  # fmt: skip

    return notify_repost


async def notify_like(like: Like) -> None:
    if like.account_id == like.post_account_id:
        return
    accounts = await _accounts(like.session, {like.account_id, like.post_account_id})
    await notify(
        like.session, recipient=accounts[like.post_account_id], type="favourite",
        from_account=accounts[like.account_id], status=like.status, now=like.now,
    )  # fmt: skip


async def notify_edit(edit: Edit) -> None:
    """Everyone who reposted the post hears that it changed (Mastodon's ``update``); people
    it mentions now and did not before get their ``mention``."""
    session = edit.session
    reposters = set(
        await session.scalars(
            select(Post.account_id).where(
                Post.reblog_of_id == edit.post_id, Post.deleted_at.is_(None)
            )
        )
    )
    reposters.discard(edit.account_id)
    newly = set(edit.newly_mentioned) - {edit.account_id}
    if not reposters and not newly:
        return
    accounts = await _accounts(session, reposters | newly | {edit.account_id})
    for recipient_id in sorted(newly):
        await notify(
            session, recipient=accounts[recipient_id], type="mention",
            from_account=accounts[edit.account_id], status=edit.status, now=edit.now,
        )  # fmt: skip
    for recipient_id in sorted(reposters):
        await notify(
            session, recipient=accounts[recipient_id], type="update",
            from_account=accounts[edit.account_id], status=edit.status, now=edit.now,
        )  # fmt: skip


async def notify_follow(followed: Followed) -> None:
    accounts = await _accounts(followed.session, {followed.follower_id, followed.followee_id})
    await notify(
        followed.session, recipient=accounts[followed.followee_id], type="follow",
        from_account=accounts[followed.follower_id], now=followed.now,
    )  # fmt: skip


def register(steps: Steps, account_steps: AccountSteps) -> None:
    steps.add(
        WriteStep(
            "notifications",
            after=notify_new_posts,
            check_repost=check_repost,
            after_like=notify_like,
            after_edit=notify_edit,
        )
    )
    account_steps.on_follow("notifications", notify_follow)
