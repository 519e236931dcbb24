"""Replays under pressure: a resume from the log is written page by page as the client reads,
so a client that reads nothing holds one page and its socket buffer, never the history; live
events that overflow a viewer while its replay runs end its stream with the word to resume."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from hashchat.posts import service
from hashchat.realtime.events import Event, record_many, tag_stream
from hashchat.realtime.replay import PAGE
from hashchat.storage.engine import Database
from hashchat.storage.sequence import take_ids
from tests.conftest import MakeAccount
from tests.realtime.conftest import sse
from tests.realtime.test_slow_viewer import (
    read_to_end,
    slow_socket,
    small_server_buffers,
    sse_events,
)

PAYLOAD = orjson.dumps({"content": "x" * 1400}).decode()  # about the size of a post's Status


async def history(db: Database, count: int, tag: str) -> list[int]:
    """``count`` events on one hashtag's stream, written straight into the log."""
    async with db.write() as session:
        first = await take_ids(session, count)
        events = [Event(first + i, "update", PAYLOAD, (tag_stream(tag),)) for i in range(count)]
        await record_many(session, events)
    return [e.id for e in events]


def replaying(app: Any) -> list[Any]:
    return [
        v for vs in app.state.runtime.hub.subscribers.values() for v in vs if v.hold is not None
    ]


async def test_a_replay_that_is_not_read_holds_one_page(
    server: str, app: Any, db: Database, make_account: MakeAccount
) -> None:
    ids = await history(db, 8000, "long")  # 11 MB: more than the kernel's buffers take
    app.state.runtime.hub.recent.clear()  # as after a restart: the replay reads the log
    sockets = [
        await slow_socket(server, f"/api/v1/streaming/hashtag?tag=long&since_id={ids[0]}")
        for _ in range(5)
    ]
    try:
        await asyncio.sleep(0.3)
        small_server_buffers(app)
        await asyncio.sleep(1.0)  # long enough for a buffered replay to be all written
        viewers = replaying(app)
        assert len(viewers) == 5, "all five are still replaying: they read nothing"
        for viewer in viewers:
            # What was written went into the kernel's socket buffers (up to 4 MB on loopback),
            # not into this process: the replay stopped there.
            assert viewer.last_id < ids[-1] - 2 * PAGE, "the replay waits for the reader"
        buffered = [
            c.transport.get_write_buffer_size()
            for c in app.state.test_server.server_state.connections
        ]
        assert max(buffered) < 1_000_000, "one page and a little, not 4 MB of history"
        # Posting goes on, and a live viewer gets the post at once.
        author = await make_account("meanwhile")
        async with sse(f"{server}/api/v1/streaming/hashtag?tag=long") as live:
            await asyncio.sleep(0.1)
            post = await service.create_post(db=db, author=author, text="live #long")
            assert (await live.until("update")).id == str(post.id)
    finally:
        for sock in sockets:
            sock.close()


async def test_a_replay_read_to_the_end_delivers_every_event_once(
    server: str, app: Any, db: Database
) -> None:
    ids = await history(db, 1200, "whole")
    app.state.runtime.hub.recent.clear()
    async with sse(
        f"{server}/api/v1/streaming/hashtag?tag=whole", headers={"Last-Event-ID": str(ids[9])}
    ) as reader:
        got = [int((await reader.until("update")).id or 0) for _ in ids[10:]]
    assert got == ids[10:]


async def test_live_events_overflowing_a_replay_end_the_stream_with_resume(
    server: str, app: Any, db: Database, make_account: MakeAccount
) -> None:
    app.state.runtime.settings.stream_buffer = 50
    ids = await history(db, 8000, "busy")
    app.state.runtime.hub.recent.clear()
    slow = await slow_socket(server, f"/api/v1/streaming/hashtag?tag=busy&since_id={ids[0]}")
    try:
        await asyncio.sleep(0.3)
        small_server_buffers(app)
        await asyncio.sleep(0.3)
        assert len(replaying(app)) == 1
        author = await make_account("overflow")
        for i in range(120):  # more than the buffer, while the replay waits for the reader
            await service.create_post(db=db, author=author, text=f"{i} #busy")
        assert app.state.runtime.hub.viewer_count == 0, "the overflowing viewer is let go"
        raw, ended = await asyncio.to_thread(read_to_end, slow)
    finally:
        slow.close()
    assert ended, "its stream ends (EventSource reconnects with Last-Event-ID)"
    events = sse_events(raw)
    assert events[-1] == (None, "resume")
    seen = [int(i) for i, kind in events if kind == "update" and i is not None]
    assert seen == ids[1 : 1 + len(seen)], "what it got is the start of the replay, in order"
