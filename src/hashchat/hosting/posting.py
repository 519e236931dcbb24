"""The hosting feature's part in writing posts, registered with the write path at start-up
(posts/steps.py; ``hashchat/features.py`` calls :func:`register`):

1. the chat rooms' rules (bans, locks, slow mode, mutes) judge new posts and reposts with a
   listed chat's hashtag, and a muted person's post is followed by its ``hide`` event
   (room_rules.py);
2. each new post is placed in its chat session, as a question, an answer or talk (classify.py);
3. a poll posted in a session is kept with it; polls are written with their posts and loaded
   for the Status entity (polls.py, poll_entity.py).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.hosting import room_rules
from hashchat.hosting.classify import classify
from hashchat.hosting.poll_entity import load_polls
from hashchat.hosting.polls import attach_to_sessions, write_poll
from hashchat.posts.batch import Created
from hashchat.posts.polls import PollDraft
from hashchat.posts.steps import Batch, Repost, RepostThen, StatusPart, Steps, Then, WriteStep


async def check_room_rules(batch: Batch) -> Then | None:
    verdict = await room_rules.judge(batch.session, list(batch.drafts), batch.going, batch.now)
    if verdict is None:
        return None
    for i, error in verdict.refused.items():
        batch.refuse(i, error)
    if not verdict.to_hide:
        return None

    async def hide_muted(written: Batch) -> None:
        created = [r if isinstance(r, Created) else None for r in written.results]
        await room_rules.hide_muted(written.session, verdict, created)

    return hide_muted


async def check_repost_rules(repost: Repost) -> RepostThen | None:
    verdict = await room_rules.judge_repost(
        repost.session, repost.author_id, repost.tag_keys, repost.now
    )
    if verdict is None:
        return None

    async def hide_repost(written: Repost) -> None:
        await room_rules.hide_repost(written.session, verdict, written.id)

    return hide_repost


async def place_in_sessions(batch: Batch) -> None:
    await classify(batch.session, batch.created(), batch.now)


async def keep_polls_with_sessions(batch: Batch) -> None:
    polled = [
        r.post.id
        for d, r in zip(batch.drafts, batch.results, strict=True)
        if d.poll is not None and isinstance(r, Created)
    ]
    if polled:
        await attach_to_sessions(batch.session, polled)


async def _write_poll(
    session: AsyncSession, value: Any, post_id: int, tag_keys: list[str], now: datetime
) -> Any:
    assert isinstance(value, PollDraft)
    return await write_poll(session, post_id=post_id, draft=value, tag_keys=tag_keys, now=now)


async def _load_polls(
    session: AsyncSession, post_ids: Collection[int], viewer_id: int | None
) -> dict[int, Any]:
    return await load_polls(session, post_ids, viewer_id=viewer_id)


def register(steps: Steps) -> None:
    steps.add(
        WriteStep("hosting.room_rules", check=check_room_rules, check_repost=check_repost_rules)
    )
    steps.add(WriteStep("hosting.classify", after=place_in_sessions))
    steps.add(WriteStep("hosting.polls", after=keep_polls_with_sessions))
    steps.add_part(StatusPart("poll", write=_write_poll, load=_load_polls))
