"""What the instance entity counts (``stats``): people, posts and other domains known.

Apps read /api/v1/instance at every start; the counts are kept for a minute per process so
that those reads cost no table scan."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.posts.models import Post

KEEP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Stats:
    user_count: int
    status_count: int
    domain_count: int


_cached: tuple[float, str, Stats] | None = None


async def stats(session: AsyncSession, *, key: str = "") -> Stats:
    """The counts for the database ``key`` names (its URL), at most a minute old."""
    global _cached
    now = time.monotonic()
    if _cached is not None and _cached[1] == key and now - _cached[0] < KEEP_SECONDS:
        return _cached[2]
    users = await session.scalar(select(func.count()).select_from(Account))
    posts = await session.scalar(
        select(func.count())
        .select_from(Post)
        .where(Post.deleted_at.is_(None), Post.reblog_of_id.is_(None))
    )
    # Every account here is this server's: no other domain is known (bridged accounts will
    # add theirs).
    counted = Stats(int(users or 0), int(posts or 0), 0)
    _cached = (now, key, counted)
    return counted


def forget() -> None:
    """Count afresh on the next read (tests)."""
    global _cached
    _cached = None
