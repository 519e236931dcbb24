"""One consumer per source across every process: a lease row in the database.

A process takes the lease of a source when nobody holds it or its holder's time is up, in one
conditional UPDATE (or the INSERT of the first row), so two processes racing for it cannot both
win. The holder renews it well before it runs out; a holder that stops renewing (killed, cut
off) loses it to the next process that asks after it expired. Every write of what a consumer
read checks, in its own transaction, that the lease is still its own (:func:`hold`), so a
consumer that lost its lease unawares (a long pause) cannot write after its successor.
"""

from __future__ import annotations

import os
import random
import socket
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.models import BridgeLease
from hashchat.posts.service import insert_ignore
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database


def holder_name() -> str:
    """This process's name as a lease holder (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"[:100]


class LeaseLost(Exception):
    """Another process holds the source now: stop consuming it."""


async def take(
    *, db: Database, source: str, holder: str, ttl: float, now: datetime | None = None
) -> bool:
    """Take or renew the lease of ``source`` for ``ttl`` seconds; True when ``holder`` has it."""
    now = now or utcnow()
    until = now + timedelta(seconds=ttl)
    async with db.write() as session:
        await session.execute(
            insert_ignore(session, BridgeLease).values(
                source=source, holder=holder, expires_at=until, status="connecting"
            )
        )
        await session.execute(
            update(BridgeLease)
            .where(
                BridgeLease.source == source,
                (BridgeLease.holder == holder) | (BridgeLease.expires_at < now),
            )
            .values(holder=holder, expires_at=until)
            .execution_options(synchronize_session=False)
        )
        held = await session.scalar(select(BridgeLease.holder).where(BridgeLease.source == source))
    return held == holder


async def hold(
    session: AsyncSession, *, source: str, holder: str, status: str | None = None
) -> None:
    """In ``session``'s transaction: raise :class:`LeaseLost` unless ``holder`` still holds the
    lease (the row is locked until commit, so no one takes it over meanwhile)."""
    values: dict[str, object] = {"holder": holder}
    if status is not None:
        values["status"] = status
    result = await session.execute(
        update(BridgeLease)
        .where(BridgeLease.source == source, BridgeLease.holder == holder)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise LeaseLost(source)


async def release(*, db: Database, source: str, holder: str) -> None:
    """Give the lease up (a clean stop): the next process need not wait for it to expire."""
    async with db.write() as session:
        await session.execute(
            update(BridgeLease)
            .where(BridgeLease.source == source, BridgeLease.holder == holder)
            .values(expires_at=utcnow() - timedelta(seconds=1), status="stopped")
            .execution_options(synchronize_session=False)
        )


async def status_of(session: AsyncSession, source: str) -> str | None:
    """What the room says of ``source``: "connected", "reconnecting", ... (None: never run)."""
    row = await session.get(BridgeLease, source)
    if row is None:
        return None
    return row.status if row.expires_at >= utcnow() else "stopped"
