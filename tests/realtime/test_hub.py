"""The hub: events in id order with no gap and no duplicate, gaps filled from the event log,
resume from a past id under concurrent posting, and slow viewers cut loose."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import update

from hashchat.errors import Invalid
from hashchat.posts import service
from hashchat.realtime.events import Event, tag_stream
from hashchat.realtime.hub import Hub, TooOld
from hashchat.realtime.viewer import Outbox, Viewer
from hashchat.storage.engine import Database
from hashchat.storage.sequence import Counter
from tests.conftest import MakeAccount


def viewer_of(*streams: str, limit: int = 10_000) -> Viewer:
    return Viewer(Outbox(limit), frozenset(streams), mode="sse")


def ids_in(viewer: Viewer) -> list[int]:
    out = []
    for item in viewer.outbox.take():  # a batch of events may come as one message
        text = item.decode() if isinstance(item, bytes) else item
        out += [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]
    return out


def hub_of(app: Any) -> Hub:
    hub: Hub = app.state.runtime.hub
    return hub


async def test_out_of_order_events_are_passed_on_in_order_once(app: Any) -> None:
    hub = hub_of(app)
    viewer = viewer_of("tag:a", "tag:b")
    await hub.attach(viewer)
    base = hub.last_id
    e = [Event(base + i, "update", str(base + i), ("tag:a", "tag:b")) for i in (1, 2, 3)]
    hub.receive([e[2]])
    hub.receive([e[1], e[2]])  # a duplicate, still waiting for the first
    assert ids_in(viewer) == []
    hub.receive([e[0], e[0]])
    assert ids_in(viewer) == [base + 1, base + 2, base + 3], "in order, each once"
    hub.detach(viewer)


async def test_a_lost_publish_is_read_from_the_event_log(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    hub = hub_of(app)
    hub.gap_timeout = 0.05
    author = await make_account("lossy")
    viewer = viewer_of(tag_stream("gap"))
    await hub.attach(viewer)
    publish = db.after_commit
    dropped: list[Sequence[Event]] = []

    async def drop_once(events: Sequence[Event]) -> None:
        dropped.append(events)  # committed, but this process "died" before publishing

    db.after_commit = drop_once
    lost = await service.create_post(db=db, author=author, text="lost in transit #gap")
    db.after_commit = publish
    later = await service.create_post(db=db, author=author, text="arrives #gap")
    for _ in range(100):
        if "#gap" in str(viewer.outbox.items) and str(later.id) in str(viewer.outbox.items):
            break
        await asyncio.sleep(0.02)
    assert dropped
    assert ids_in(viewer) == [lost.id, later.id]
    hub.detach(viewer)


async def test_the_watchdog_finds_a_lost_event_at_the_tail(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    hub = hub_of(app)
    hub.watchdog_interval = 0.05
    await hub.stop()
    await hub.start()  # restart the watchdog with the short interval
    author = await make_account("quiet")
    viewer = viewer_of(tag_stream("tail"))
    await hub.attach(viewer)
    publish = db.after_commit

    async def drop(events: Sequence[Event]) -> None:
        return None

    db.after_commit = drop
    lost = await service.create_post(db=db, author=author, text="nobody published me #tail")
    db.after_commit = publish
    for _ in range(100):
        if viewer.outbox.items:
            break
        await asyncio.sleep(0.02)
    assert ids_in(viewer) == [lost.id]
    hub.detach(viewer)


async def test_resume_replays_exactly_what_was_missed_while_others_post(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    hub = hub_of(app)
    authors = [await make_account(f"writer{i}") for i in range(4)]
    posted: list[int] = []

    async def write(author: Any, n: int) -> None:
        for i in range(n):
            text = f"post {i} #busy" if i % 3 else f"elsewhere {i} #quiet"
            post = await service.create_post(db=db, author=author, text=text)
            if "#busy" in text:
                posted.append(post.id)

    first = await service.create_post(db=db, author=authors[0], text="before #busy")
    writers = [asyncio.create_task(write(a, 15)) for a in authors]
    await asyncio.sleep(0.05)
    viewer = viewer_of(tag_stream("busy"))
    await hub.attach(viewer, since_id=first.id)  # reconnect mid-flood
    await asyncio.gather(*writers)
    await asyncio.sleep(0.1)
    received = ids_in(viewer)
    assert received == sorted(posted), "every missed and live post, in order, once"
    assert len(set(received)) == len(received)
    hub.detach(viewer)


async def test_since_id_is_checked(app: Any, db: Database, make_account: MakeAccount) -> None:
    hub = hub_of(app)
    author = await make_account("checker")
    post = await service.create_post(db=db, author=author, text="x")
    assert await hub.check_since(None) is None
    assert await hub.check_since(str(post.id)) == post.id
    for bad, words in [("abc", "a number"), ("-1", "negative"), (str(post.id + 100), "future")]:
        with pytest.raises(Invalid) as caught:
            await hub.check_since(bad)
        assert caught.value.field == "since_id" and words in caught.value.message
    async with db.write() as session:
        session.add(Counter(name="events_pruned_below", value=post.id + 1))
    await hub.refresh_horizon()  # the watchdog does this now and then
    with pytest.raises(TooOld):
        await hub.check_since("0")
    async with db.write() as session:
        await session.execute(
            update(Counter).where(Counter.name == "events_pruned_below").values(value=0)
        )


async def test_a_slow_viewer_overflows_alone(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    hub = hub_of(app)
    hub.coalesce = 0  # one message per post, so that five of them fill the slow one's outbox
    author = await make_account("flood")
    slow = viewer_of(tag_stream("flood"), limit=5)
    fast = viewer_of(tag_stream("flood"))
    await hub.attach(slow)
    await hub.attach(fast)
    made = [await service.create_post(db=db, author=author, text=f"{i} #flood") for i in range(12)]
    assert slow.outbox.overflowed
    assert len(slow.outbox.items) == 0, "an overflowed viewer holds nothing: memory stays bounded"
    assert ids_in(fast) == [p.id for p in made]
    hub.detach(slow)
    hub.detach(fast)


async def test_payloads_are_mastodon_statuses(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    hub = hub_of(app)
    author = await make_account("shape")
    viewer = Viewer(
        Outbox(), frozenset({tag_stream("shape")}), mode="ws", label=("hashtag", "Shape")
    )
    await hub.attach(viewer)
    post = await service.create_post(db=db, author=author, text="hello #Shape")
    frame = json.loads(viewer.outbox.take()[0])
    assert frame["stream"] == ["hashtag", "Shape"] and frame["event"] == "update"
    assert frame["id"] == str(post.id)
    status = json.loads(frame["payload"])
    assert status["id"] == str(post.id) and status["account"]["username"] == "shape"
    hub.detach(viewer)


async def test_a_resume_from_memory_starts_at_its_id_across_gaps() -> None:
    """Kept events are found from the resume point on without walking the ones before it;
    ids a rollback gave back leave gaps, which the search steps over."""
    from collections import deque

    from hashchat.realtime.envelope import Envelope
    from hashchat.realtime.replay import recent_after

    kept = [1, 2, 3, 7, 8, 9, 10, 20, 21, 22]
    recent = deque(Envelope(Event(i, "update", str(i), ("public",))) for i in kept)
    for since in range(0, 25):
        assert [e.id for e in recent_after(recent, since)] == [i for i in kept if i > since], since


async def test_viewers_resuming_from_one_id_share_one_replay(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    """A room reconnecting at once: the first viewer's replay is encoded once and handed to
    the others as it is; a viewer of other streams, or from another id, gets its own."""
    hub = hub_of(app)
    author = await make_account("storm")
    first = await service.create_post(db=db, author=author, text="seen #storm")
    missed = [
        (await service.create_post(db=db, author=author, text=f"{text} {i}")).id
        for i, text in enumerate(["missed #storm", "elsewhere #calm", "missed #storm"])
    ]
    room = [viewer_of(tag_stream("storm")) for _ in range(3)]
    other = viewer_of(tag_stream("calm"))
    later = viewer_of(tag_stream("storm"))
    for viewer in room:
        await hub.attach(viewer, since_id=first.id)
    await hub.attach(other, since_id=first.id)
    await hub.attach(later, since_id=missed[0])
    payloads = [viewer.outbox.items[0] for viewer in room]
    assert payloads[0] is payloads[1] is payloads[2], "one encoding for the room"
    assert [ids_in(v) for v in room] == [[missed[0], missed[2]]] * 3
    assert ids_in(other) == [missed[1]]
    assert ids_in(later) == [missed[2]]
    live = await service.create_post(db=db, author=author, text="live #storm")
    await asyncio.sleep(0.05)
    assert [ids_in(v) for v in room] == [[live.id]] * 3, "live again, nothing twice"
    for viewer in (*room, other, later):
        hub.detach(viewer)


async def test_posts_close_together_reach_a_viewer_in_one_write(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    """Coalescing: the first post after a quiet spell goes out at once; those that follow within
    the window wait for it and go out together, in order, each once."""
    hub = hub_of(app)
    author = await make_account("burst")
    viewer = viewer_of(tag_stream("burst"))
    await hub.attach(viewer)
    hub.coalesce = 1.0  # long, so that even a slow machine makes the four posts within it
    await asyncio.sleep(1.05)  # a quiet spell
    first = await service.create_post(db=db, author=author, text="first #burst")
    assert ids_in(viewer) == [first.id], "the first goes out at once"
    rest = [(await service.create_post(db=db, author=author, text=f"{i} #burst")).id
            for i in range(4)]  # fmt: skip
    assert viewer.outbox.items == [], "the rest wait for the window"
    await asyncio.sleep(1.05)
    assert len(viewer.outbox.items) == 1, "and go out as one message"
    assert ids_in(viewer) == rest
    hub.coalesce = 0
    one, two = [(await service.create_post(db=db, author=author, text=f"#burst {i}")).id
                for i in range(2)]  # fmt: skip
    assert len(viewer.outbox.items) == 2 and ids_in(viewer) == [one, two], "0: each at once"
    hub.detach(viewer)
