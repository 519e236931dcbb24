"""Stopping a background task (tasks.cancelled). It ends even when Python 3.11's
``asyncio.wait_for`` swallowed the cancellation, as it does when the cancellation arrives in the
same turn of the loop as the thing it waited for (gh-86296, fixed in 3.12): the readers' and the
reconciler's loops wait that way, and a stop that cancelled such a task once hung for ever (a
CI dry run hung in a Jetstream test). A stop that is itself cancelled is cancelled."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from hashchat.tasks import cancelled


async def waits_in_a_loop(event: asyncio.Event, woken: list[int]) -> None:
    """A service's loop: wait for a wake-up (or a timeout), do its work, wait again."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), 60)
        event.clear()
        woken.append(1)


async def test_a_task_that_swallowed_its_cancellation_is_cancelled_again() -> None:
    event, woken = asyncio.Event(), []
    task = asyncio.create_task(waits_in_a_loop(event, woken))
    await asyncio.sleep(0)  # it waits
    event.set()  # its wake-up and the stop in one turn of the loop
    stopping = asyncio.create_task(cancelled(task))
    done, _ = await asyncio.wait({stopping}, timeout=10)
    if not done:  # the old stop: clean up, then fail
        task.cancel()
        stopping.cancel()
    assert woken == [1], "the first cancellation was swallowed, so it went round once more"
    assert done and task.cancelled(), "the stop waited for a task that no longer ends"


async def test_a_stop_that_is_cancelled_itself_is_cancelled() -> None:
    async def tidies_up() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0.3)  # its clean-up, after the cancellation

    task = asyncio.create_task(tidies_up())
    await asyncio.sleep(0)
    stopping = asyncio.create_task(cancelled(task))
    await asyncio.sleep(0.05)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled(), "the task still ended, its clean-up done"


async def test_a_task_that_ended_with_an_error_raises_it_and_none_is_nothing() -> None:
    async def fails() -> None:
        raise ValueError("broken")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="broken"):
        await cancelled(task)
    await cancelled(None)
