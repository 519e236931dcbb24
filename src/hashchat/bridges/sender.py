"""The background loop that sends an outbox (each network's: Bluesky's, Mastodon's): at once
when this process commits something to send (:meth:`Waker.wake`, after the commit), every
``interval`` seconds otherwise (posts queued by other processes, retries). Lifted from the
Bluesky bridge when Mastodon came."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.tasks import cancelled

log = logging.getLogger(__name__)


class Waker:
    """The senders of one outbox in this process, woken when something is queued."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.events: set[asyncio.Event] = set()

    def wake(self) -> None:
        for waiting in self.events:
            waiting.set()

    def after_commit(self, session: AsyncSession) -> None:
        """Wake the senders once ``session``'s transaction commits (once, however many rows
        it queued); never for a transaction rolled back."""
        key = f"{self.name}_wake"
        if session.info.get(key):
            return
        session.info[key] = True
        event.listen(session.sync_session, "after_commit", lambda _s: self.wake(), once=True)


class Sender:
    """Runs ``send_due`` (answering how many rows it looked at) until it finds nothing, each
    time it is woken or ``interval`` seconds pass."""

    def __init__(
        self, name: str, send_due: Callable[[], Awaitable[int]], waker: Waker, interval: float
    ) -> None:
        self.name, self.send_due, self.waker, self.interval = name, send_due, waker, interval
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self.task = self.task, None
        with contextlib.suppress(Exception):  # a loop that failed said so in the log
            await cancelled(task)

    async def _run(self) -> None:
        waiting = asyncio.Event()
        self.waker.events.add(waiting)
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiting.wait(), self.interval)
                waiting.clear()
                try:
                    while await self.send_due() > 0:
                        pass
                except Exception:  # a bad pass must not end the sender
                    log.exception("%s: the outbox pass failed", self.name)
        finally:
            self.waker.events.discard(waiting)
