"""The writer's bounded queue: under overload a post is refused at once (503 with Retry-After,
JSON in the API, on the fast path and the framework's route alike), nothing refused is written,
and nothing accepted is lost. The writer is held deterministically: a transaction of the test's
own holds the id counter (and SQLite's one write connection), so the writer's next batch waits."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import select

from hashchat.config import Settings
from hashchat.posts import service
from hashchat.posts.models import Post
from hashchat.posts.writer import Busy, PostWriter, writer_for
from hashchat.realtime.viewer import Outbox, Viewer
from hashchat.storage.engine import Database
from hashchat.storage.sequence import take_ids
from tests.conftest import MakeAccount, auth


class _Release(Exception):
    pass


@contextlib.asynccontextmanager
async def holding(db: Database) -> AsyncIterator[None]:
    """Until the block ends, the writer's next batch waits for the id counter."""
    ready, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        with contextlib.suppress(_Release):
            async with db.write() as session:
                await take_ids(session, 1)
                ready.set()
                await release.wait()
                raise _Release  # rolled back: the id goes back, no gap

    task = asyncio.create_task(hold())
    await ready.wait()
    try:
        yield
    finally:
        release.set()
        await task


async def in_batch(writer: PostWriter) -> None:
    """Until the writer has taken a batch (and waits inside it)."""
    while writer._batch_started is None:
        await asyncio.sleep(0.005)


async def texts_written(db: Database) -> set[str]:
    async with db.read() as session:
        return set(await session.scalars(select(Post.text)))


def post(client: httpx.AsyncClient, token: str, text: str, *, form: bool = False) -> Any:
    if form:  # the framework's route, not the fast path
        return client.post("/api/v1/statuses", data={"status": text}, headers=auth(token))
    return client.post("/api/v1/statuses", json={"status": text}, headers=auth(token))


def test_the_settings_bound_the_running_writer(app: Any, settings: Settings) -> None:
    writer = writer_for(app.state.runtime.db)
    assert writer.max_depth == settings.write_queue_depth
    assert writer.max_age == settings.write_queue_age_ms / 1000
    assert writer.max_lag == settings.write_loop_lag_ms / 1000
    defaults = {k: f.default for k, f in Settings.model_fields.items() if k.startswith("write_")}
    assert defaults == {
        "write_queue_depth": 500,
        "write_queue_age_ms": 150.0,
        "write_loop_lag_ms": 100.0,
    }


async def test_while_the_loop_runs_late_and_the_writer_is_busy_a_post_is_refused(
    db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("lagging")
    writer = writer_for(db)
    writer.max_age, writer.max_lag = 60.0, 0.05
    async with holding(db):
        held = asyncio.create_task(service.create_post(db=db, author=author, text="in #lag"))
        await in_batch(writer)
        for _ in range(12):  # the loop's turns take 100 ms each (a saturated process)
            time.sleep(0.1)
            await asyncio.sleep(0)
        assert writer.lag > writer.max_lag
        try:
            await service.create_post(db=db, author=author, text="out #lag")
        except Busy as refused:
            assert refused.status == 503 and refused.retry_after >= 1
        else:
            raise AssertionError("a saturated loop refuses new posts")
    await held
    # One long turn with the writer idle refuses nothing (the average moves little).
    time.sleep(0.2)
    await service.create_post(db=db, author=author, text="after #lag")
    assert await texts_written(db) == {"in #lag", "after #lag"}


async def test_past_the_depth_a_post_is_refused_at_once_and_never_written(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("crowd"))
    writer = writer_for(db)
    writer.max_depth, writer.max_age, writer.max_lag = 2, 60.0, 60.0
    async with holding(db):
        first = asyncio.create_task(post(client, token, "one #busy"))
        await in_batch(writer)  # "one" is in the batch the test holds up
        queued = [asyncio.create_task(post(client, token, f"{n} #busy")) for n in ("two", "six")]
        while len(writer.queue) < 2:
            await asyncio.sleep(0.005)
        # The queue is full: refused while the writer is still held, i.e. without waiting.
        fast = await post(client, token, "three #busy")
        routed = await post(client, token, "four #busy", form=True)
        for refused in (fast, routed):
            assert refused.status_code == 503
            assert int(refused.headers["retry-after"]) >= 1
            assert refused.json()["error"].startswith("the server is busy")
            assert refused.headers["content-type"].startswith("application/json")
        assert not first.done()
    answers = [await first, *[await q for q in queued]]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert await texts_written(db) == {"one #busy", "two #busy", "six #busy"}
    assert writer.refused == 2


async def test_a_post_that_would_wait_too_long_is_refused_and_a_stalled_writer_refuses_all(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("patient"))
    writer = writer_for(db)
    writer.max_age, writer.max_lag = 0.3, 60.0
    async with holding(db):
        first = asyncio.create_task(post(client, token, "held #stall"))
        await in_batch(writer)
        waiting = await post(client, token, "queued #stall")  # taken off the queue at 0.3 s
        assert waiting.status_code == 503 and "retry-after" in waiting.headers
        assert not first.done(), "refused while the writer was still held"
        # The batch has now run longer than the bound: every newcomer is refused at once.
        late = await post(client, token, "late #stall")
        assert late.status_code == 503
        assert not first.done()
    assert (await first).status_code == 200, "a post in a batch is never refused"
    assert await texts_written(db) == {"held #stall"}
    assert writer.expired == 1


async def test_the_predicted_wait_counts_what_posts_cost_lately(
    db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("predicted")
    writer = writer_for(db)
    writer.max_age, writer.max_lag = 60.0, 60.0
    # The first batch after a start compiles statements and fills caches: nothing to predict
    # from (it refused posts for a while after every start).
    async with holding(db):
        cold = asyncio.create_task(service.create_post(db=db, author=author, text="cold #p"))
        await in_batch(writer)
        await asyncio.sleep(0.5)
    await cold
    assert writer.cost_per_post == 0.0
    async with holding(db):  # one batch of one post that takes about a second
        first = asyncio.create_task(service.create_post(db=db, author=author, text="slow #p"))
        await in_batch(writer)
        await asyncio.sleep(1.0)
    await first
    cost = writer.cost_per_post
    assert cost >= 1.0
    writer.max_age = 2.5 * cost  # room for this batch's rest and one post, not two
    async with holding(db):
        held = asyncio.create_task(service.create_post(db=db, author=author, text="a #p"))
        await in_batch(writer)
        admitted = asyncio.create_task(service.create_post(db=db, author=author, text="b #p"))
        await asyncio.sleep(0)
        assert len(writer.queue) == 1
        try:
            await service.create_post(db=db, author=author, text="c #p")
        except Busy as refused:
            assert refused.status == 503 and refused.retry_after >= 2
        else:
            raise AssertionError("a third post would wait past the bound")
    await held, await admitted
    assert await texts_written(db) == {"cold #p", "slow #p", "a #p", "b #p"}


async def test_under_a_burst_every_accepted_post_is_written_and_delivered_and_no_refused_one(
    app: Any, client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    tokens = [await token_for(await make_account(f"burst{i}")) for i in range(4)]
    writer = writer_for(db)
    writer.max_depth, writer.max_age, writer.max_lag = 7, 60.0, 60.0
    viewer = Viewer(Outbox(10_000), frozenset({"tag:burst"}), mode="sse")
    await app.state.runtime.hub.attach(viewer)
    async with holding(db):
        first = asyncio.create_task(post(client, tokens[0], "p0 #burst"))
        await in_batch(writer)
        rest = [
            asyncio.create_task(post(client, tokens[n % 4], f"p{n} #burst", form=n % 3 == 0))
            for n in range(1, 30)
        ]
        while sum(t.done() for t in rest) + len(writer.queue) < len(rest):
            await asyncio.sleep(0.005)
    answers = {f"p{n} #burst": await t for n, t in enumerate([first, *rest])}
    accepted = {text for text, a in answers.items() if a.status_code == 200}
    refused = {text for text, a in answers.items() if a.status_code == 503}
    assert len(accepted) == 8 and len(refused) == 22, "the held post and a full queue"
    assert accepted | refused == set(answers)
    assert await texts_written(db) == accepted
    delivered: set[str] = set()
    for _ in range(200):
        for item in viewer.outbox.take():
            text = item.decode() if isinstance(item, bytes) else item
            delivered |= {t for t in accepted if f'"text":"{t}"' in text}
        if delivered == accepted:
            break
        await asyncio.sleep(0.02)
    assert delivered == accepted, "every accepted post reached the viewer"
    app.state.runtime.hub.detach(viewer)
