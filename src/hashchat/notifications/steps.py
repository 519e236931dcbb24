"""The reconciler step that delivers the email outbox."""

from __future__ import annotations

from hashchat.jobs.reconciler import Context, Outcome, Step
from hashchat.notifications.email import send_due


async def deliver_email(context: Context) -> Outcome:
    sent, upcoming = await send_due(db=context.db, settings=context.settings, now=context.now)
    return Outcome(sent, upcoming)


STEPS = [Step("notifications.email", deliver_email)]
