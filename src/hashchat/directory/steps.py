"""The directory's reconciler steps: keep occurrences expanded and each chat pointed at its
next one, plan and send reminders, count each past occurrence's posts (chat health)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from hashchat.directory import health, occurrences, reminders
from hashchat.directory.models import Chat
from hashchat.jobs.reconciler import Context, Outcome, Step

BATCH = 500


async def advance(context: Context) -> Outcome:
    """Chats whose occurrence has ended point at the next one; chats whose expanded
    occurrences run short of the horizon get more."""
    now = context.now
    short = now + occurrences.HORIZON - timedelta(days=1)
    async with context.db.write() as session:
        chats = list(
            await session.scalars(
                select(Chat)
                .where(
                    Chat.status == "active",
                    Chat.review == "approved",
                    or_(
                        Chat.next_end <= now,
                        Chat.expanded_until.is_(None),
                        Chat.expanded_until < short,
                    ),
                )
                .order_by(Chat.id)
                .limit(BATCH)
                # Another process's pass may be on the same chats: it takes the others.
                .with_for_update(skip_locked=True)
            )
        )
        for chat in chats:
            schedule = await occurrences.load_schedule(session, chat)
            await occurrences.extend(session, chat, schedule, now=now)
            await occurrences.set_next(session, chat, schedule, now=now)
    return Outcome(len(chats))


async def plan_reminders(context: Context) -> Outcome:
    planned, earliest = await reminders.plan(db=context.db, now=context.now)
    return Outcome(planned, earliest)


async def send_reminders(context: Context) -> Outcome:
    done = await reminders.send_due(db=context.db, settings=context.settings, now=context.now)
    return Outcome(done.sent + done.missed, done.next_due)


async def measure_health(context: Context) -> Outcome:
    return Outcome(await health.measure(db=context.db, now=context.now))


# Sending comes before planning: a reminder still unsent when its occurrence has passed is
# marked missed before planning replaces it with the next occurrence's. One planned as already
# due sets the loop's wake-up time to now, so the next pass sends it at once.
STEPS = [
    Step("directory.occurrences", advance),
    Step("directory.send_reminders", send_reminders),
    Step("directory.plan_reminders", plan_reminders),
    Step("directory.health", measure_health),
]
