"""Contiguous ids for everything a viewer can see happen.

Posts and stream events share one id space, taken from a counter row inside the write
transaction. Because the row is locked until commit, transactions that take ids commit in id
order, and a rolled-back transaction gives its ids back: the committed ids are gap-free and
ordered by commit. That is what lets a stream resume from "the last id I saw" with no gap and no
duplicate, across processes (docs/events.md).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base

EVENTS = "events"


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


async def take_ids(session: AsyncSession, count: int, *, name: str = EVENTS) -> int:
    """Reserve ``count`` ids and return the first; the caller uses first .. first+count-1."""
    if count < 1:
        raise ValueError("count must be at least 1")
    result = await session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + count)
        .returning(Counter.value)
    )
    last = result.scalar_one_or_none()
    if last is None:  # the migration seeds the row; this only guards a hand-made database
        raise RuntimeError(f"counter {name!r} is missing; run `hashchat db upgrade`")
    return int(last) - count + 1


async def lock_ids(session: AsyncSession, *, name: str = EVENTS) -> None:
    """Take the counter's lock now, before this transaction locks rows that a post's write
    also changes (a post's counts, an author's) and then takes ids.

    The post writer takes ids first and then bumps the parent's reply count and the author's
    post count. A like that bumped the post first and took its id after would hold the post and
    wait for the counter while the writer held the counter and waited for the post: a deadlock
    (PostgreSQL aborts one after a second). Taking the counter first makes the order the same
    everywhere. SQLite needs nothing: its writers are one at a time already (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "sqlite":
        return
    await session.execute(select(Counter.value).where(Counter.name == name).with_for_update())


async def last_id(session: AsyncSession, *, name: str = EVENTS) -> int:
    """The highest id handed out and committed (as seen by this session's snapshot)."""
    value = await session.scalar(select(Counter.value).where(Counter.name == name))
    return int(value or 0)
