"""Mastodon's Poll entity, read for a page of posts at once.

Kept apart from polls.py (which writes posts) so that posts/entities.py can attach polls to
Status entities without an import cycle. A page of posts costs one indexed query on
``polls.post_id``; options and the viewer's votes are read only when the page has a poll.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.entities import _iso
from hashchat.hosting.models import Poll, PollOption, PollVote
from hashchat.storage.base import utcnow


def poll_entity(
    poll: Poll,
    options: Iterable[PollOption],
    *,
    now: datetime | None = None,
    own_votes: list[int] | None = None,
    viewer_id: int | None = None,
    author_id: int | None = None,
) -> dict[str, Any]:
    """The Poll; ``voted`` and ``own_votes`` only for a signed-in viewer (``viewer_id``), as
    Mastodon does. Its author counts as having voted (they see the results, and cannot vote)."""
    now = now or utcnow()
    entity: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": _iso(poll.expires_at),
        "expired": poll.expires_at <= now,
        "multiple": poll.multiple,
        "votes_count": poll.votes_count,
        "voters_count": poll.voters_count,
        "options": [
            {"title": o.title, "votes_count": o.votes_count}
            for o in sorted(options, key=lambda o: o.position)
        ],
        "emojis": [],
    }
    if viewer_id is not None:
        mine = own_votes or []
        entity["voted"] = bool(mine) or viewer_id == author_id
        entity["own_votes"] = mine
    return entity


async def load_polls(
    session: AsyncSession, post_ids: Collection[int], *, viewer_id: int | None = None
) -> dict[int, dict[str, Any]]:
    """Poll entities by post id for the posts that have one."""
    if not post_ids:
        return {}
    from hashchat.posts.models import Post

    rows = list(
        await session.execute(
            select(Poll, Post.account_id)
            .join(Post, Post.id == Poll.post_id)
            .where(Poll.post_id.in_(post_ids))
        )
    )
    if not rows:
        return {}
    polls: dict[int, Poll] = {}
    authors: dict[int, int] = {}
    for poll, author_id in rows:
        polls[poll.id], authors[poll.id] = poll, author_id
    options: dict[int, list[PollOption]] = defaultdict(list)
    for option in await session.scalars(
        select(PollOption).where(PollOption.poll_id.in_(list(polls)))
    ):
        options[option.poll_id].append(option)
    votes: dict[int, list[int]] = defaultdict(list)
    if viewer_id is not None:
        for poll_id, position in await session.execute(
            select(PollVote.poll_id, PollVote.position).where(
                PollVote.poll_id.in_(list(polls)), PollVote.account_id == viewer_id
            )
        ):
            votes[poll_id].append(position)
    now = utcnow()
    return {
        poll.post_id: poll_entity(
            poll,
            options[poll.id],
            now=now,
            own_votes=sorted(votes[poll.id]),
            viewer_id=viewer_id,
            author_id=authors[poll.id],
        )
        for poll in polls.values()
    }
