"""Gap filling that cannot skip: whatever subset of the committed events reaches a hub, in
whatever order, with ids that were never committed among them, every viewer ends with exactly
the committed events of its stream, in id order, each once; and so does every process."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from hashchat.realtime.events import Event, record, tag_stream
from hashchat.realtime.hub import Hub
from hashchat.realtime.viewer import Outbox, Viewer
from hashchat.storage.engine import Database
from hashchat.storage.sequence import EVENTS, Counter

WATCHED = tag_stream("gaps")
OTHER = tag_stream("elsewhere")


def ids_in(viewer: Viewer) -> list[int]:
    out = []
    for item in viewer.outbox.take():
        text = item.decode() if isinstance(item, bytes) else item
        out += [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]
    return out


async def commit(db: Database, streams: Sequence[str]) -> Event:
    async with db.write() as session:
        return await record(session, kind="update", payload="{}", streams=tuple(streams))


async def burn(db: Database, count: int) -> None:
    """Ids taken and never committed under an event: what the hub must skip, and only after
    reading the log through a later id."""
    async with db.write() as session:
        await session.execute(
            update(Counter).where(Counter.name == EVENTS).values(value=Counter.value + count)
        )


@pytest.fixture
async def quiet_db(db: Database) -> AsyncIterator[Database]:
    """The database without the app's broker: events reach only the hubs a test hands them."""
    publish, db.after_commit = db.after_commit, None
    yield db
    db.after_commit = publish


async def new_hub(db: Database) -> Hub:
    hub = Hub(db, gap_timeout=0.01, watchdog_interval=0.02, fallback_interval=0.02)
    await hub.start()
    return hub


async def settle(viewer: Viewer, expected: list[int], got: list[int]) -> list[int]:
    for _ in range(400):
        got += ids_in(viewer)
        if len(got) >= len(expected):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.03)  # anything more would be a duplicate
    return got + ids_in(viewer)


async def test_two_holes_are_both_filled(quiet_db: Database) -> None:
    """Commit 1..6, hand the hub only 2 and 5: the viewer gets all six."""
    hub = await new_hub(quiet_db)
    viewer = Viewer(Outbox(), frozenset({WATCHED}))
    await hub.attach(viewer)
    made = [await commit(quiet_db, [WATCHED]) for _ in range(6)]
    hub.receive([made[1]])
    hub.receive([made[4]])
    got = await settle(viewer, [e.id for e in made], [])
    await hub.stop()
    assert got == [e.id for e in made]


async def test_every_other_event_lost_stalls_nothing(quiet_db: Database) -> None:
    """Commit 1..8, hand the hub 2, 4, 6, 8: the viewer gets all eight, then goes on live."""
    hub = await new_hub(quiet_db)
    viewer = Viewer(Outbox(), frozenset({WATCHED}))
    await hub.attach(viewer)
    made = [await commit(quiet_db, [WATCHED]) for _ in range(8)]
    hub.receive(made[1::2])
    got = await settle(viewer, [e.id for e in made], [])
    assert got == [e.id for e in made]
    later = await commit(quiet_db, [WATCHED])
    hub.receive([later])
    assert ids_in(viewer) == [later.id], "live again at once"
    await hub.stop()


async def test_a_hole_never_committed_is_skipped_only_after_reading_past_it(
    quiet_db: Database,
) -> None:
    hub = await new_hub(quiet_db)
    viewer = Viewer(Outbox(), frozenset({WATCHED}))
    await hub.attach(viewer)
    first = await commit(quiet_db, [WATCHED])
    await burn(quiet_db, 3)
    second = await commit(quiet_db, [WATCHED])
    third = await commit(quiet_db, [WATCHED])
    hub.receive([third])
    got = await settle(viewer, [first.id, second.id, third.id], [])
    await hub.stop()
    assert got == [first.id, second.id, third.id]
    assert hub.skipped == 3


plans = st.lists(
    st.tuples(st.sampled_from(["watched", "other", "burn"]), st.integers(1, 3)),
    min_size=1,
    max_size=24,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans, data=st.data())
async def test_any_subset_in_any_order_ends_exact(
    quiet_db: Database, plan: list[tuple[str, int]], data: st.DataObject
) -> None:
    """Property: for any sequence of commits (with ids never committed among them), any
    subset of the events handed over in any order and in any chunks, with duplicates, each of
    two processes' viewers ends with exactly the committed events of its stream, in order."""
    hubs = [await new_hub(quiet_db), await new_hub(quiet_db)]
    try:
        viewers = [Viewer(Outbox(), frozenset({WATCHED})) for _ in hubs]
        for hub, viewer in zip(hubs, viewers, strict=True):
            await hub.attach(viewer)
        made: list[Event] = []
        for kind, count in plan:
            if kind == "burn":
                await burn(quiet_db, count)
            else:
                made.append(await commit(quiet_db, [WATCHED if kind == "watched" else OTHER]))
        expected = [e.id for e in made if WATCHED in e.streams]
        for hub in hubs:
            handed = (
                data.draw(st.lists(st.sampled_from(made), max_size=len(made) + 3)) if made else []
            )
            sizes = data.draw(
                st.lists(st.integers(1, 4), min_size=len(handed), max_size=len(handed))
            )
            at = 0
            for size in sizes:
                hub.receive(handed[at : at + size])
                at += size
                if data.draw(st.booleans()):
                    await asyncio.sleep(0)
        for viewer in viewers:
            got = await settle(viewer, expected, [])
            assert got == expected
    finally:
        for hub in hubs:
            await hub.stop()


async def test_concurrent_writers_and_a_lossy_broker_between_processes(
    quiet_db: Database,
) -> None:
    """Four writers commit at once; each event reaches each of three processes' hubs late, out
    of order, or not at all. Every viewer ends with exactly the committed events."""
    rng = random.Random(11)
    hubs = [await new_hub(quiet_db) for _ in range(3)]
    try:
        await lossy_run(quiet_db, hubs, rng)
    finally:
        for hub in hubs:
            await hub.stop()


async def lossy_run(quiet_db: Database, hubs: list[Hub], rng: random.Random) -> None:
    viewers = [Viewer(Outbox(), frozenset({WATCHED})) for _ in hubs]
    for hub, viewer in zip(hubs, viewers, strict=True):
        await hub.attach(viewer)
    made: list[Event] = []
    deliveries: list[asyncio.Task[Any]] = []

    async def deliver_late(hub: Hub, event: Event, delay: float) -> None:
        await asyncio.sleep(delay)
        hub.receive([event])

    async def writer(n: int) -> None:
        for i in range(n):
            event = await commit(quiet_db, [WATCHED if i % 3 else OTHER])
            made.append(event)
            for hub in hubs:
                roll = rng.random()
                if roll < 0.3:
                    continue  # lost
                if roll < 0.6:
                    deliveries.append(
                        asyncio.create_task(deliver_late(hub, event, rng.random() * 0.05))
                    )
                else:
                    hub.receive([event])

    await asyncio.gather(*(writer(25) for _ in range(4)))
    await asyncio.gather(*deliveries)
    expected = sorted(e.id for e in made if WATCHED in e.streams)
    for viewer in viewers:
        assert await settle(viewer, expected, []) == expected
