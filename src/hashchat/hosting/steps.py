"""The hosting feature's reconciler steps, run after the directory's (which expands the
occurrences sessions are made from): make sessions ahead, move them scheduled -> live -> ended,
ask the scripted questions whose time has come, and end the timed mutes and bans that ran
out."""

from __future__ import annotations

from hashchat.hosting import questions, sessions, timed_restrictions
from hashchat.jobs.reconciler import Context, Outcome, Step


async def create_sessions(context: Context) -> Outcome:
    return Outcome(await sessions.create_ahead(db=context.db, now=context.now))


async def advance_sessions(context: Context) -> Outcome:
    moved, wake = await sessions.advance(db=context.db, now=context.now)
    return Outcome(moved, wake)


async def ask_due_questions(context: Context) -> Outcome:
    asked, wake = await questions.post_due(db=context.db, now=context.now)
    return Outcome(asked, wake)


async def end_timed_restrictions(context: Context) -> Outcome:
    ended, wake = await timed_restrictions.end_due(db=context.db, now=context.now)
    return Outcome(ended, wake)


STEPS = [
    Step("hosting.create_sessions", create_sessions),
    Step("hosting.advance_sessions", advance_sessions),
    Step("hosting.ask_due_questions", ask_due_questions),
    Step("hosting.end_timed_restrictions", end_timed_restrictions),
]
