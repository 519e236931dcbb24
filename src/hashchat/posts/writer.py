"""Group commit for new posts.

Posts arriving while a batch is being written queue up and go together in the next transaction:
one fsync (SQLite) or one round of the id counter's lock (PostgreSQL) for the whole batch. Each
caller is answered only once its batch has committed and its events are published, so the
guarantee of a single post is unchanged: an answer means the post is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hashchat.errors import DomainError
from hashchat.posts.batch import Created, Draft, TagCache, write_posts
from hashchat.storage.engine import Database

log = logging.getLogger(__name__)
MAX_BATCH = 256


class PostWriter:
    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self.tags = TagCache()
        self.queue: asyncio.Queue[tuple[Draft, asyncio.Future[Created]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.posts = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="post-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while not self.queue.empty():
            _, future = self.queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("the server is shutting down"))

    async def submit(self, draft: Draft) -> Created:
        if self._task is None:  # not running (a script, a test without the runtime)
            return (await self.write([draft]))[0]
        future: asyncio.Future[Created] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((draft, future))
        return await future

    async def write(self, drafts: list[Draft]) -> list[Created]:
        """Write drafts in one transaction now; raise the first draft's own error."""
        async with self.db.write() as session:
            results = await write_posts(session, drafts, self.tags)
            info = dict(session.info)
        self.tags.remember(info)
        for result in results:
            if isinstance(result, DomainError):
                raise result
        return [r for r in results if isinstance(r, Created)]

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            batch = [(d, f) for d, f in batch if not f.cancelled()]
            if not batch:
                continue
            try:
                async with self.db.write() as session:
                    results = await write_posts(session, [d for d, _ in batch], self.tags)
                    info = dict(session.info)
            except Exception as exc:
                log.exception("post writer: a batch of %d failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.tags.remember(info)
            self.batches += 1
            self.posts += len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, DomainError):
                    future.set_exception(result)
                else:
                    future.set_result(result)


def writer_for(db: Database) -> PostWriter:
    """The database's post writer (one per database handle, created on first use)."""
    writer = db.extensions.get("post_writer")
    if writer is None:
        writer = db.extensions["post_writer"] = PostWriter(db)
    assert isinstance(writer, PostWriter)
    return writer
