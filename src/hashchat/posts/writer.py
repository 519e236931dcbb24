"""Group commit for new posts, with a bounded queue.

Posts arriving while a batch is being written queue up and go together in the next transaction:
one fsync (SQLite) or one round of the id counter's lock (PostgreSQL) for the whole batch. Each
caller is answered only once its batch has committed and its events are published, so the
guarantee of a single post is unchanged: an answer means the post is on disk.

When more is offered than the writer can commit, the queue is bounded two ways, so that a post
is either written soon or refused at once (``Unavailable``: 503 with ``Retry-After``), never left
to wait behind a growing queue:

- **depth**: at most ``max_depth`` posts wait; the next is refused.
- **age**: a post is refused when it would wait longer than ``max_age`` seconds for its commit.
  The wait is predicted from what batches have cost lately (seconds per post, weighted by batch
  size, so it is what a post costs under load) times the posts ahead of it, plus what is left of
  the batch being written; only a post with others queued ahead of it is refused for it (one
  slow batch at a quiet time says little about the next), and the first batch after a start,
  which pays for compiling statements, is not counted. A batch that has run for longer than
  ``max_age`` already (a stalled database) refuses every newcomer. A post still waiting when
  it reaches ``max_age`` (the prediction was wrong) is taken off the queue and refused then.
- **the event loop's lag**: every request, the writer's own steps included (each statement is a
  hop to the database's thread and back), waits for its turn on the loop. While the writer has
  work and the loop runs more than ``max_lag`` seconds late on average (a 10 ms ticker measures
  it), new posts are refused, so the loop's turns stay short for the posts already accepted and
  for the viewers. One long turn (a slow page, a pause of the process) moves the average little.

A refused post was never in a transaction: nothing of it is written. Once a post is in a batch
it is never refused by these bounds: its answer is its commit's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from hashchat.errors import DomainError, Unavailable
from hashchat.posts.batch import Created, Draft, TagCache, write_posts
from hashchat.storage.engine import Database
from hashchat.tasks import cancelled

log = logging.getLogger(__name__)
MAX_BATCH = 256
MAX_DEPTH = 500  # HASHCHAT_WRITE_QUEUE_DEPTH
MAX_AGE = 0.15  # seconds, HASHCHAT_WRITE_QUEUE_AGE_MS (docs/benchmarks.md, "Overload")
MAX_LAG = 0.1  # seconds, HASHCHAT_WRITE_LOOP_LAG_MS
TICK = 0.01  # seconds between the lag ticker's turns
LAG_WEIGHT = 0.25  # of the newest turn in the average lag
DECAY = 0.8  # weight of the older batches in the cost per post


class Busy(Unavailable):
    """The writer has more waiting than it can commit in time: refused, nothing written."""


@dataclass(slots=True, eq=False)
class _Waiting:
    draft: Draft
    future: asyncio.Future[Created]
    since: float
    expiry: asyncio.TimerHandle | None = field(default=None)


class PostWriter:
    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = MAX_BATCH,
        max_depth: int = MAX_DEPTH,
        max_age: float = MAX_AGE,
        max_lag: float = MAX_LAG,
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self.max_depth = max_depth
        self.max_age = max_age
        self.max_lag = max_lag
        self.lag = 0.0  # how late the loop has run lately (moving average), seconds
        self._ticker: asyncio.TimerHandle | None = None
        self.tags = TagCache()
        self.queue: deque[_Waiting] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._batch_started: float | None = None
        self._batch_size = 0
        self._spent = 0.0  # decayed seconds spent writing batches
        self._written = 0.0  # decayed posts in those batches
        self._tried = False  # a batch has been written (or tried) since the start
        self.batches = 0
        self.posts = 0
        self.refused = 0
        self.refusals: Counter[str] = Counter()  # by reason: depth, stalled, lag, wait
        self._logged = -1e9
        self.expired = 0

    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="post-writer")
        loop = asyncio.get_running_loop()
        self._ticker = loop.call_later(TICK, self._tick, loop, loop.time() + TICK)

    def _tick(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        """How late this turn came is how long the loop's turns take now."""
        now = loop.time()
        self.lag += LAG_WEIGHT * (now - due - self.lag)
        self._ticker = loop.call_later(TICK, self._tick, loop, now + TICK)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        await cancelled(self._task)
        self._task = None
        while self.queue:
            waiting = self.queue.popleft()
            if waiting.expiry is not None:
                waiting.expiry.cancel()
            if not waiting.future.done():
                waiting.future.set_exception(RuntimeError("the server is shutting down"))

    @property
    def cost_per_post(self) -> float:
        """Seconds a post has cost lately in a batch (0 before the first batch)."""
        return self._spent / self._written if self._written else 0.0

    def predicted_wait(self, now: float | None = None) -> float:
        """Seconds until a post submitted now would be committed, as far as can be told."""
        now = time.monotonic() if now is None else now
        cost = self.cost_per_post
        left = 0.0
        if self._batch_started is not None:
            left = max(0.0, self._batch_size * cost - (now - self._batch_started))
        return left + (len(self.queue) + 1) * cost

    def admit(self) -> None:
        """Raise ``Busy`` (503, Retry-After) when a post submitted now would not be committed
        within the bounds. Cheap: call it before the post's own checks, and again on submit."""
        if self._task is None:
            return
        now = time.monotonic()
        stalled = self._batch_started is not None and now - self._batch_started > self.max_age
        wait = self.predicted_wait(now)
        working = self._batch_started is not None or bool(self.queue)
        why = (
            "depth" if len(self.queue) >= self.max_depth
            else "stalled" if stalled
            else "lag" if working and self.lag > self.max_lag
            else "wait" if self.queue and wait > self.max_age
            else ""
        )  # fmt: skip
        if why:
            self.refused += 1
            self.refusals[why] += 1
            if now - self._logged > 10:  # an operator hears of it, at most every 10 s
                self._logged = now
                log.warning(
                    "post writer: refusing posts (busy): %s so far; queue %d, predicted wait "
                    "%.0f ms, loop lag %.0f ms",
                    dict(self.refusals),
                    len(self.queue),
                    wait * 1000,
                    self.lag * 1000,
                )
            retry = min(30, max(1, math.ceil(wait)))
            raise Busy("the server is busy; nothing was posted", retry_after=retry)

    async def submit(self, draft: Draft) -> Created:
        if self._task is None:  # not running (a script, a test without the runtime)
            return (await self.write([draft]))[0]
        self.admit()
        loop = asyncio.get_running_loop()
        waiting = _Waiting(draft, loop.create_future(), time.monotonic())
        waiting.expiry = loop.call_later(self.max_age, self._expire, waiting)
        self.queue.append(waiting)
        self._wake.set()
        return await waiting.future

    def _expire(self, waiting: _Waiting) -> None:
        """Still queued after max_age (the batch ahead took longer than predicted): refused."""
        if waiting.future.done():
            return
        with contextlib.suppress(ValueError):
            self.queue.remove(waiting)
            self.expired += 1
            waiting.future.set_exception(
                Busy("the server is busy; nothing was posted", retry_after=1)
            )

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

    def _take(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        while self.queue and len(batch) < self.max_batch:
            waiting = self.queue.popleft()
            if waiting.expiry is not None:
                waiting.expiry.cancel()
            if not waiting.future.done():  # the caller went away
                batch.append(waiting)
        return batch

    async def _run(self) -> None:
        while True:
            if not self.queue:
                self._wake.clear()
                await self._wake.wait()
            batch = self._take()
            if not batch:
                continue
            self._batch_started = started = time.monotonic()
            self._batch_size = len(batch)
            try:
                async with self.db.write() as session:
                    results = await write_posts(session, [w.draft for w in batch], self.tags)
                    info = dict(session.info)
            except Exception as exc:
                log.exception("post writer: a batch of %d failed", len(batch))
                for waiting in batch:
                    if not waiting.future.done():
                        waiting.future.set_exception(exc)
                continue
            finally:
                self._batch_started = None
                # The first batch pays for compiling statements and filling caches (1.4 s for
                # 62 posts, where 5 ms is usual): predicting from it refused posts for a while
                # after every start.
                if self._tried:
                    spent = time.monotonic() - started
                    self._spent = self._spent * DECAY + spent
                    self._written = self._written * DECAY + len(batch)
                self._tried = True
            self.tags.remember(info)
            self.batches += 1
            self.posts += len(batch)
            for waiting, result in zip(batch, results, strict=True):
                if waiting.future.done():
                    continue
                if isinstance(result, DomainError):
                    waiting.future.set_exception(result)
                else:
                    waiting.future.set_result(result)


def writer_for(db: Database) -> PostWriter:
    """The database's post writer (one per database handle, created on first use)."""
    writer = db.extensions.get("post_writer")
    if writer is None:
        writer = db.extensions["post_writer"] = PostWriter(db)
    assert isinstance(writer, PostWriter)
    return writer
