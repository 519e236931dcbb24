"""Timed mutes and bans that run out. A restriction stops applying at its ``until`` whoever
looks (hosting/visibility.py and room_rules.py compare it with the clock), but open rooms only
learn of it when someone tells them: the reconciler's step ends each restriction whose time has
come, in a transaction of its own that logs it (``unmute`` or ``unban``, "ran out", in the name
of whoever set it) and, for a mute, sends the ``unhide`` events that lifting it by hand sends.

Several processes may run the step: each claims a row by deleting it where it is still the
restriction that was read (same kind, same end), so one that was lifted, replaced or already
ended by another process is left alone, and each ending is logged and told once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from hashchat.directory.models import Chat
from hashchat.hosting.audit import record_action
from hashchat.hosting.models import RoomRestriction
from hashchat.hosting.room_events import recent_posts_of, tell_shown
from hashchat.storage.engine import Database

BATCH = 100  # restrictions ended in one pass; more due: the next pass comes at once


async def end_due(*, db: Database, now: datetime) -> tuple[int, datetime | None]:
    """End the restrictions that ran out by ``now``; returns how many, and when the next one
    runs out (for the reconciler to wake then)."""
    ends = RoomRestriction.until
    columns = (RoomRestriction.chat_id, RoomRestriction.account_id, RoomRestriction.kind,
               ends, RoomRestriction.by_id)  # fmt: skip
    async with db.read() as session:
        query = select(*columns).where(ends.is_not(None), ends <= now).order_by(ends)
        due = (await session.execute(query.limit(BATCH))).all()
    ended = 0
    for chat_id, account_id, kind, until, by_id in due:
        async with db.write() as session:
            claimed = await session.execute(
                delete(RoomRestriction).where(
                    RoomRestriction.chat_id == chat_id,
                    RoomRestriction.account_id == account_id,
                    RoomRestriction.kind == kind,
                    ends == until,
                )
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue  # lifted, replaced or ended by another process meanwhile
            chat = await session.get(Chat, chat_id)
            if chat is None:
                continue
            await record_action(session, chat, by_id, f"un{kind}", account_id=account_id,
                                detail="ran out")  # fmt: skip
            if kind == "mute":
                back = await recent_posts_of(session, chat, account_id, now)
                await tell_shown(session, chat, back)
        ended += 1
    if len(due) == BATCH:
        return ended, now
    async with db.read() as session:
        wake = await session.scalar(select(func.min(ends)).where(ends > now))
    return ended, wake
