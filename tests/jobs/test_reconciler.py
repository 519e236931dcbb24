"""The reconciler loop: one list of steps over the database; a failing step does not stop the
others; it runs in the server when HASHCHAT_JOBS is on and wakes up for what is due."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from hashchat.app import create_app
from hashchat.config import Settings
from hashchat.jobs.reconciler import Context, Outcome, Reconciler, Step
from hashchat.jobs.steps import default_steps
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database


def test_the_steps_in_order() -> None:
    assert [s.name for s in default_steps()] == [
        "directory.occurrences",
        "directory.send_reminders",
        "directory.plan_reminders",
        "directory.health",
        "hosting.create_sessions",
        "hosting.advance_sessions",
        "hosting.ask_due_questions",
        "hosting.end_timed_restrictions",
        "notifications.polls",
        "notifications.email",
        "notifications.push",
    ]


async def test_a_failing_step_is_logged_and_the_others_still_run(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    async def broken(context: Context) -> Outcome:
        ran.append("broken")
        raise RuntimeError("boom")

    async def fine(context: Context) -> Outcome:
        ran.append("fine")
        return Outcome(2, context.now + timedelta(seconds=5))

    jobs = Reconciler(db, settings, [Step("broken", broken), Step("fine", fine)])
    now = utcnow()
    outcome = await jobs.run_once(now)
    assert ran == ["broken", "fine"] and outcome == Outcome(2, now + timedelta(seconds=5))
    assert "reconciler step broken failed" in caplog.text
    assert jobs.last == {"fine": 2}
    with pytest.raises(RuntimeError):
        await jobs.run_once(now, strict=True)


async def test_the_loop_runs_in_the_server_and_wakes_up_when_something_is_due(
    database_url: str, settings: Settings
) -> None:
    passes: list[datetime] = []

    async def counting(context: Context) -> Outcome:
        passes.append(context.now)
        # something falls due 50 ms from now: the loop comes back then, not in 10 seconds
        return Outcome(0, context.now + timedelta(milliseconds=50) if len(passes) < 3 else None)

    on = settings.model_copy(update={"jobs": True, "jobs_interval": 10.0})
    app = create_app(on)
    runtime = app.state.runtime
    async with app.router.lifespan_context(app):
        assert runtime.reconciler is not None
        runtime.reconciler.steps = [Step("counting", counting)]
        runtime.reconciler.poke()
        for _ in range(100):
            if len(passes) >= 3:
                break
            await asyncio.sleep(0.02)
        assert len(passes) >= 3
    assert runtime.reconciler is None  # stopped with the server
