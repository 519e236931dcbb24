"""The reconciler: one loop that reads what is due from the database and moves it on.

Nothing is kept only in memory. Each pass runs a list of steps; a step asks the database what
is due at ``now`` (reminders to send, occurrences to count, emails to deliver ...), moves those
rows on in transactions of its own, and may say when it next has something due so the loop
wakes up then instead of at the next regular pass. A restart loses nothing and repeats nothing:
whatever a step did is committed, whatever it did not is still due. Several processes may run
the loop at once; steps claim rows with conditional updates, so a row moves once.

A feature adds work by adding a :class:`Step` to ``jobs/steps.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hashchat.config import Settings
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Context:
    db: Database
    settings: Settings
    now: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a step did: how many rows it moved, and when it next has something due."""

    moved: int = 0
    wake_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    run: Callable[[Context], Awaitable[Outcome]]


@dataclass
class Reconciler:
    db: Database
    settings: Settings
    steps: Sequence[Step]
    interval: float = 10.0
    last: dict[str, int] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def run_once(self, now: datetime | None = None, *, strict: bool = False) -> Outcome:
        """One pass over every step at ``now`` (the clock by default). A failing step is logged
        and the others still run (``strict`` raises instead, for tests)."""
        context = Context(self.db, self.settings, now or utcnow())
        moved = 0
        wake: datetime | None = None
        for step in self.steps:
            try:
                outcome = await step.run(context)
            except Exception:
                if strict:
                    raise
                log.exception("reconciler step %s failed; it will be tried again", step.name)
                continue
            self.last[step.name] = outcome.moved
            moved += outcome.moved
            if outcome.wake_at is not None and (wake is None or outcome.wake_at < wake):
                wake = outcome.wake_at
        return Outcome(moved, wake)

    async def run_forever(self) -> None:
        while True:
            outcome = await self.run_once()
            delay = self.interval
            if outcome.wake_at is not None:
                delay = min(delay, max(0.05, (outcome.wake_at - utcnow()).total_seconds()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def poke(self) -> None:
        """Run a pass now (something became due sooner than the loop expected)."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run_forever(), name="hashchat-reconciler")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancelled(task)
