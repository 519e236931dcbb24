"""What every bridge's posting out shares. The write step: a draft asking for ``bridges`` names
only networks hashchat posts to (each network's own step judges the rest: a linked account, the
length there); a name may carry a choice after a colon (``mastodon:unlisted``). And what becomes
of a post's outgoing row when its author deletes it here. Lifted from the Bluesky bridge when
Mastodon came."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.linked import NETWORKS
from hashchat.bridges.sender import Waker
from hashchat.errors import Invalid
from hashchat.posts.steps import Batch, Steps, Then, WriteStep
from hashchat.storage.base import utcnow


async def withdraw(session: AsyncSession, row_type: Any, post_id: int, waker: Waker) -> None:
    """Its author deleted the post here: not sent yet, it never goes (``cancelled``); sent,
    it is deleted on the network too (``deleting``, by the sender, woken after the commit).
    ``row_type``: the network's outgoing table, keyed by the post's id."""
    row = await session.get(row_type, post_id)
    if row is None:
        return
    if row.state == "waiting":
        row.state, row.error = "cancelled", "deleted before it was sent"
    elif row.state == "sent":
        row.state, row.next_attempt_at, row.attempts = "deleting", utcnow(), 0
        waker.after_commit(session)


async def check_names(batch: Batch) -> Then | None:
    for i in list(batch.going):
        names = batch.drafts[i].bridges
        unknown = [name for name in names if name.split(":", 1)[0] not in NETWORKS]
        if unknown:
            batch.refuse(
                i,
                Invalid(
                    f"no bridge to {unknown[0]}: only {' and '.join(NETWORKS)}", field="bridges"
                ),
            )
    return None


def register(steps: Steps) -> None:
    steps.add(WriteStep("bridges.names", check=check_names))
