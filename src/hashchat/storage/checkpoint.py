"""SQLite's WAL checkpoints, off the write path.

By default SQLite checkpoints inside the commit that takes the write-ahead log past 1,000 pages:
that commit copies the log's pages into the database file and syncs it, and the post writer's
batch waits for it. On this machine that took 150 ms and more at times, a batch "stalled" by the
writer's bounds, and every post offered meanwhile was refused (posts/writer.py; docs/benchmarks.md
measured 1,599 such refusals in a 5 s write run).

So the serving process's write connection has ``wal_autocheckpoint=0`` (storage/engine.py) and
this task checkpoints instead, every second, from a connection of its own, in a thread: a
PASSIVE checkpoint copies what no reader still needs without taking the write lock, so commits
go on meanwhile. Durability is the log's: a commit is on disk once its log frames are synced
(``synchronous=FULL``), checkpointed or not. Scripts and other processes keep SQLite's own
checkpoints; a log left large by a stopped server is checkpointed by the next connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time

from hashchat.tasks import cancelled

log = logging.getLogger(__name__)
INTERVAL = 1.0  # seconds between checkpoints
SLOW = 5.0  # a checkpoint longer than this is worth a line in the log


class Checkpointer:
    """PASSIVE checkpoints of the SQLite database at ``path`` every ``interval`` seconds."""

    def __init__(self, path: str, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.rounds = 0
        self.last = (0, 0)  # the last checkpoint's log frames, and how many are copied
        self._task: asyncio.Task[None] | None = None
        self._conn: sqlite3.Connection | None = None
        # The connection is used in threads: a checkpoint still running in its thread when the
        # task is cancelled (cancelling the await does not stop the thread) must end before
        # the next one starts or the connection closes.
        self._lock = threading.Lock()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sqlite-checkpoints")

    async def stop(self) -> None:
        await cancelled(self._task)
        self._task = None
        await asyncio.to_thread(self._last_and_close)

    def checkpoint(self) -> tuple[int, int]:
        """One PASSIVE checkpoint now (blocking: call it in a thread). The log's frames, and
        how many of them are now in the database file."""
        with self._lock:
            if self._conn is None:
                self._conn = sqlite3.connect(
                    self.path, timeout=30, isolation_level=None, check_same_thread=False
                )
            row = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        _busy, frames, copied = row
        return int(frames), int(copied)

    def _last_and_close(self) -> None:
        """What the last second wrote, then the connection closed (once any checkpoint still
        running in a thread has ended)."""
        with contextlib.suppress(sqlite3.Error):
            self.checkpoint()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            started = time.monotonic()
            try:
                frames, copied = await asyncio.to_thread(self.checkpoint)
            except sqlite3.Error as exc:
                log.warning(
                    "SQLite checkpoint failed (tried again in %.0f s): %s", self.interval, exc
                )
                continue
            self.rounds += 1
            self.last = (frames, copied)
            spent = time.monotonic() - started
            if spent > SLOW:
                log.warning("SQLite checkpoint: %d pages in %.1f s", copied, spent)
