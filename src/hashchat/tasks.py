"""The end of a background task, as every service's ``stop()`` needs it."""

from __future__ import annotations

import asyncio
from typing import Any

AGAIN = 1.0  # seconds before a task that is still running is cancelled again


async def cancelled(task: asyncio.Task[Any] | asyncio.Future[Any] | None) -> None:
    """Cancel ``task`` (None: nothing to do) and wait until it has ended; that it ended by
    being cancelled is what was asked, not an error (another error is raised).

    Python 3.11's ``asyncio.wait_for`` swallows a cancellation that arrives in the same turn of
    the loop as what it waited for (gh-86296, fixed in 3.12), and the task then runs on: the
    readers and the reconciler wait in such loops, so a task still running is cancelled again
    every ``AGAIN`` seconds. Waiting does not swallow the caller's own cancellation."""
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=AGAIN)
    if not task.cancelled():
        task.result()
