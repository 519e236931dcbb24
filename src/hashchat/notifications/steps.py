"""The reconciler's steps of notifications: deliver the email outbox, tell about ended polls."""

from __future__ import annotations

from hashchat.jobs.reconciler import Context, Outcome, Step
from hashchat.notifications.email import send_due
from hashchat.notifications.polls import notify_ended_polls
from hashchat.notifications.push import send_due as send_pushes


async def deliver_email(context: Context) -> Outcome:
    sent, upcoming = await send_due(db=context.db, settings=context.settings, now=context.now)
    return Outcome(sent, upcoming)


async def tell_ended_polls(context: Context) -> Outcome:
    told, upcoming = await notify_ended_polls(db=context.db, now=context.now)
    return Outcome(told, upcoming)


async def deliver_pushes(context: Context) -> Outcome:
    sent, upcoming = await send_pushes(db=context.db, settings=context.settings, now=context.now)
    return Outcome(sent, upcoming)


STEPS = [
    Step("notifications.polls", tell_ended_polls),
    Step("notifications.email", deliver_email),
    Step("notifications.push", deliver_pushes),
]
