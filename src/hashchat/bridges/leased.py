"""What every bridge reader does around its reading: run while it holds its source's lease
(bridges/lease.py), renew the lease, and give it up when stopped. A network's reader (Bluesky's
Jetstream or firehose, one Mastodon server for one chat) adds how it reads (``_while_held``)
and how it writes what it read and has not written yet (``_flush``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import ClassVar

from hashchat.bridges import lease
from hashchat.storage.engine import Database
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)


class LeasedReader:
    network: ClassVar[str]  # for the log: "bluesky", "mastodon"
    db: Database
    source: str  # the lease's name
    holder: str
    ttl: float
    _task: asyncio.Task[None] | None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"bridge:{self.source}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancelled(task)
            with contextlib.suppress(Exception):
                await self._flush()
                await lease.release(db=self.db, source=self.source, holder=self.holder)

    async def run(self) -> None:
        """Forever: take the lease when it is free, read while holding it."""
        while True:
            try:
                if await lease.take(
                    db=self.db, source=self.source, holder=self.holder, ttl=self.ttl
                ):
                    await self._while_held()
            except asyncio.CancelledError:
                raise
            except lease.LeaseLost:
                log.warning("%s: %s lost its lease on %s", self.network, self.holder, self.source)
            except Exception:
                log.exception(
                    "%s: the reader of %s failed; starting again", self.network, self.source
                )
            await asyncio.sleep(self.ttl / 3)

    async def _renew(self) -> None:
        """Renew the lease every third of its time; raise LeaseLost once another holds it."""
        while True:
            await asyncio.sleep(self.ttl / 3)
            if not await lease.take(
                db=self.db, source=self.source, holder=self.holder, ttl=self.ttl
            ):
                raise lease.LeaseLost(self.source)

    async def _while_held(self) -> None:
        raise NotImplementedError

    async def _flush(self) -> None:
        raise NotImplementedError
