"""Events: what services record in their transaction and the broker carries after commit.

An event's ``payload`` is the exact text viewers receive (Mastodon's streaming payload: a JSON
document for ``update``, a bare id for ``delete``), encoded once when the event is made and then
handed as the same bytes to every viewer. See docs/events.md for the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.base import table_of, utcnow
from hashchat.storage.bulk import insert_rows
from hashchat.storage.sequence import take_ids

PUBLIC = "public"


def tag_stream(key: str) -> str:
    return f"tag:{key}"


def account_stream(account_id: int) -> str:
    return f"account:{account_id}"


def session_stream(session_id: int) -> str:
    """Events of one chat session (questions, answers, the Q&A board, polls)."""
    return f"session:{session_id}"


def user_stream(account_id: int) -> str:
    """Events for one person only (their notifications)."""
    return f"user:{account_id}"


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    kind: str
    payload: str
    streams: tuple[str, ...]


async def record(
    session: AsyncSession,
    *,
    kind: str,
    payload: str,
    streams: tuple[str, ...] | list[str],
    event_id: int | None = None,
) -> Event:
    """Write an event into the log inside the caller's transaction; it is published only once
    that transaction commits (storage/engine.py). ``event_id`` is given when the id was taken
    already (a post's id is its ``update`` event's id)."""
    if event_id is None:
        event_id = await take_ids(session, 1)
    event = Event(id=event_id, kind=kind, payload=payload, streams=tuple(dict.fromkeys(streams)))
    await record_many(session, [event])
    return event


async def record_many(session: AsyncSession, events: list[Event]) -> None:
    """Write events (ids taken already) with two multi-row inserts."""
    if not events:
        return
    now = utcnow()
    await insert_rows(
        session,
        table_of(EventRow),
        [{"id": e.id, "kind": e.kind, "payload": e.payload, "streams": " ".join(e.streams),
          "created_at": now} for e in events],
    )  # fmt: skip
    await insert_rows(
        session,
        table_of(EventStream),
        [{"stream": s, "event_id": e.id} for e in events for s in e.streams],
    )
    session.info.setdefault("events", []).extend(events)
