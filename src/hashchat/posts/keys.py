"""``Idempotency-Key`` on ``POST /api/v1/statuses`` (Mastodon's header): a client that never got
the answer to a post (the connection broke, a 503 while the commit's fate was unknown) sends
it again with the same key and gets the post it made, not a second one.

A key is an account's, kept :data:`KEEP` (Mastodon keeps them an hour). The writer looks keys
up inside the transaction that writes the batch, after taking the event counter's lock
(storage/sequence.py): every post's transaction takes that lock, so two posts with one key,
from two processes at once, are decided one after the other and the second finds the first's
key. Two with one key in the same batch: the first is written, the second answers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.errors import DomainError, Invalid
from hashchat.posts.models import PostKey
from hashchat.storage.sequence import lock_ids

if TYPE_CHECKING:
    from hashchat.posts.batch import Created, Draft

KEEP = timedelta(hours=1)
HEADER = "Idempotency-Key"
MAX_LENGTH = 128


class AlreadyPosted(DomainError):
    """This key made a post already: answer that post (the API does; 409 elsewhere)."""

    status = 409

    def __init__(self, post_id: int) -> None:
        super().__init__(f"this {HEADER} was used for a post already", field=HEADER)
        self.post_id = post_id


def check_key(value: str | None) -> str | None:
    """The header's value, or None when it is absent; Invalid when it is not a usable key."""
    if value is None:
        return None
    key = value.strip()
    if not key:
        raise Invalid(f"{HEADER} is empty", field=HEADER)
    if len(key) > MAX_LENGTH:
        raise Invalid(f"{HEADER} is longer than {MAX_LENGTH} characters", field=HEADER)
    if not key.isascii() or not key.isprintable():
        raise Invalid(f"{HEADER} must be printable ASCII", field=HEADER)
    return key


async def claim(
    session: AsyncSession,
    drafts: Sequence[Draft],
    going: list[int],
    results: list[Created | DomainError | None],
    now: datetime,
) -> tuple[list[int], dict[int, int]]:
    """``going`` without the drafts whose key made a post already (their result: that post)
    and without repeats of a key within the batch, answered by ``same_as`` (index -> index of
    the draft written for that key) once the batch is written."""
    keyed = {(drafts[i].author_id, k) for i in going if (k := drafts[i].idempotency_key)}
    if not keyed:
        return going, {}
    await lock_ids(session)  # before looking: see the docstring above
    made = {
        (row.account_id, row.key): row.post_id
        for row in await session.scalars(
            select(PostKey).where(
                tuple_(PostKey.account_id, PostKey.key).in_(keyed), PostKey.created_at > now - KEEP
            )
        )
    }
    kept: list[int] = []
    first: dict[tuple[int, str], int] = {}
    same_as: dict[int, int] = {}
    for i in going:
        key = drafts[i].idempotency_key
        if key is None:
            kept.append(i)
            continue
        mine = (drafts[i].author_id, key)
        if mine in made:
            results[i] = AlreadyPosted(made[mine])
        elif mine in first:
            same_as[i] = first[mine]
        else:
            first[mine] = i
            kept.append(i)
    return kept, same_as


async def keep(
    session: AsyncSession, written: Sequence[tuple[int, str, int]], now: datetime
) -> None:
    """Remember the keys of the posts just written: (account id, key, post id). An account's
    keys past :data:`KEEP` go at the same time (one of them may be the same key again)."""
    if not written:
        return
    await session.execute(
        delete(PostKey).where(
            PostKey.account_id.in_({a for a, _, _ in written}), PostKey.created_at <= now - KEEP
        )
    )
    session.add_all(PostKey(account_id=a, key=k, post_id=p, created_at=now) for a, k, p in written)
    await session.flush()
