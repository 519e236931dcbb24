"""The Jetstream reader against a local Jetstream: it keeps a bridged chat's posts, resumes with
its cursor after a connection is killed mid-stream or the process restarts, stores each post
once, honours deletions and takedowns, and only one process reads a source at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from hashchat.bridges.bluesky.events import REWIND_US, wire_for
from hashchat.bridges.bluesky.reader import Reader
from hashchat.bridges.models import BridgeCursor, BridgeLease
from hashchat.directory.models import Chat
from hashchat.posts.models import Post
from hashchat.realtime.models import EventRow
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.bridges.jetstream import Event, Jetstream, account, commit, post_record

ALICE, BOB = "did:plc:alice", "did:plc:bob"


@pytest.fixture
async def bridged(db: Database, chat: Chat) -> Chat:
    """The chat (#HostChat) with its Bluesky bridge always open."""
    async with db.write() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat.id).values(bridges="bluesky", bridge_when="always")
        )
    return chat


def stream() -> list[Event]:
    """Mixed traffic: two posts for the chat (one by its tag facet, one by ``tags`` and in
    another case), one for another hashtag, a like, a post without tags."""
    return [
        commit(1, ALICE, "p1", record=post_record("Q1 is up! #HostChat")),
        commit(2, BOB, "l1", collection="app.bsky.feed.like", record={"subject": {}}),
        commit(3, BOB, "p2", record=post_record("elsewhere #otherchat")),
        commit(4, BOB, "p3", record=post_record("A1: plain words")),
        commit(5, BOB, "p4", record=post_record("A1: tea", tags=["HOSTCHAT"])),
        commit(6, ALICE, "p5", record=post_record("and more #hostchat")),
    ]


async def stored_uris(db: Database) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Post.origin_uri).where(Post.origin_uri.is_not(None)).order_by(Post.id)
        )
        return [u for u in rows if u]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def reading(db: Database, url: str, **kwargs: object) -> AsyncIterator[Reader]:
    reader = Reader(db, url, wire_for(url), ttl=2.0, idle_check=0.2, backoff=(0.05, 0.2))
    for key, value in kwargs.items():
        setattr(reader, key, value)
    reader.start()
    try:
        yield reader
    finally:
        await reader.stop()


def uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


async def test_killed_mid_stream_it_resumes_with_its_cursor_and_stores_each_post_once(
    db: Database, bridged: Chat
) -> None:
    async with Jetstream(stream(), cut_after=3) as js, reading(db, js.url) as reader:

        async def all_in() -> bool:
            return len(await stored_uris(db)) == 3

        await until(all_in)
        await asyncio.sleep(0.3)  # and nothing more comes
        assert await stored_uris(db) == [uri(ALICE, "p1"), uri(BOB, "p4"), uri(ALICE, "p5")]
        first, second = js.connections[:2]
        assert first["wantedCollections"] == ["app.bsky.feed.post"] and "cursor" not in first
        # Resumed from the last frame read (the third), a few seconds early.
        assert second["cursor"] == [str(stream()[2].time_us - REWIND_US)]
        assert reader.frames >= 6
    async with db.read() as session:
        cursor = await session.scalar(select(BridgeCursor.cursor))
        updates = await session.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.kind == "update")
        )
    assert cursor == stream()[-1].time_us and updates == 3


async def test_a_restart_resumes_from_the_stored_cursor(db: Database, bridged: Chat) -> None:
    events = stream()
    async with Jetstream(events[:3]) as js:
        async with reading(db, js.url):

            async def first_in() -> bool:
                return len(await stored_uris(db)) == 1

            await until(first_in)
            await asyncio.sleep(0.2)
        js.events = events  # while hashchat was down, more was posted
        async with reading(db, js.url):

            async def all_in() -> bool:
                return len(await stored_uris(db)) == 3

            await until(all_in)
        assert js.connections[-1]["cursor"] == [str(events[2].time_us - REWIND_US)]
    assert len(await stored_uris(db)) == 3


async def test_v2_is_chosen_by_its_path_and_resumes_by_sequence(
    db: Database, bridged: Chat
) -> None:
    async with Jetstream(stream(), version=2, cut_after=4) as js, reading(db, js.url):

        async def all_in() -> bool:
            return len(await stored_uris(db)) == 3

        await until(all_in)
        assert js.paths[0] == "/xrpc/network.bsky.jetstream.subscribeEvents"
        assert js.connections[0]["collections"] == ["app.bsky.feed.post"]
        assert js.connections[1]["cursor"] == ["4"]  # inclusive: the 4th comes again
    assert len(await stored_uris(db)) == 3


async def test_deleted_on_bluesky_and_taken_down_go_from_here(db: Database, bridged: Chat) -> None:
    events = [
        *stream(),
        commit(7, BOB, "p4", operation="delete"),
        account(8, ALICE, active=False),
    ]
    async with Jetstream(events) as js, reading(db, js.url):

        async def all_gone() -> bool:
            async with db.read() as session:
                live = await session.scalar(
                    select(func.count()).select_from(Post).where(Post.deleted_at.is_(None))
                )
            return len(await stored_uris(db)) == 3 and live == 0

        await until(all_gone)
    async with db.read() as session:
        deletes = await session.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.kind == "delete")
        )
    assert deletes == 3


async def test_nothing_is_read_while_no_chat_is_bridged(db: Database, chat: Chat) -> None:
    async with Jetstream(stream()) as js, reading(db, js.url) as reader:
        await asyncio.sleep(0.6)
        assert js.connections == [] and reader.status == "idle"


async def test_two_readers_race_for_the_lease_and_one_reads(db: Database, bridged: Chat) -> None:
    async with (
        Jetstream(stream()) as js,
        reading(db, js.url) as one,
        reading(db, js.url) as two,
    ):

        async def all_in() -> bool:
            return len(await stored_uris(db)) == 3

        await until(all_in)
        await asyncio.sleep(0.5)
        assert len(js.connections) == 1
        assert sorted([one.frames > 0, two.frames > 0]) == [False, True]
    assert len(await stored_uris(db)) == 3


async def test_a_lease_held_elsewhere_is_taken_over_once_it_expires(
    db: Database, bridged: Chat
) -> None:
    async with Jetstream(stream()) as js:
        source = f"jetstream:{js.url}"
        # Another process held it and died without giving it up.
        async with db.write() as session:
            session.add(
                BridgeLease(
                    source=source,
                    holder="ghost",
                    expires_at=utcnow() + timedelta(seconds=1.5),
                    status="connected",
                )
            )
        async with reading(db, js.url) as reader:
            await asyncio.sleep(0.5)
            assert js.connections == [] and reader.frames == 0

            async def all_in() -> bool:
                return len(await stored_uris(db)) == 3

            await until(all_in)
        async with db.read() as session:
            row = await session.get(BridgeLease, source)
        assert row is not None and row.holder == reader.holder
