"""The firehose reader against a real PDS (tests/pds): a post made there with the chat's hashtag
comes into the room under its verified handle, its deletion and its author's takedown take it
away, and a reader restarted while posts were made resumes from its stored cursor. The same
records, served as Jetstream frames, are read the same way."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import anyio
from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.bridges.bluesky.firehose import Firehose
from hashchat.bridges.bluesky.reader import Reader
from hashchat.config import Settings
from hashchat.directory.models import Chat
from hashchat.posts.models import Post
from hashchat.storage.engine import Database
from tests.bridges.jetstream import Jetstream, commit, post_record
from tests.bridges.test_jetstream import reading, stored_uris, until
from tests.pds import Network, PdsAccount

WAIT = 30.0  # a busy machine's PDS (CI runs four test workers, each with its own PDS)


async def bridge(db: Database, chat: Chat) -> None:
    async with db.write() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat.id).values(bridges="bluesky", bridge_when="always")
        )


async def post(network: Network, who: PdsAccount, text: str) -> str:
    record = post_record(text)
    record["createdAt"] = "2026-12-10T10:00:00.000Z"
    out = await anyio.to_thread.run_sync(
        lambda: network.xrpc(
            "com.atproto.repo.createRecord",
            body={"repo": who.did, "collection": "app.bsky.feed.post", "record": record},
            token=who.access_jwt,
        )
    )
    return str(out["uri"])


async def live_texts(db: Database) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Post.text).where(Post.origin == "bluesky", Post.deleted_at.is_(None))
        )
        return sorted(rows)


def firehose_reader(db: Database, network: Network, settings: Settings) -> Reader:
    url = network.pds.replace("http://", "ws://")
    return Reader(db, url, Firehose(), settings=settings, ttl=2.0, idle_check=0.2)


async def started(reader: Reader, network: Network, who: PdsAccount) -> Reader:
    """Start ``reader`` and make sure the PDS streams to it. A first subscription has no cursor,
    so it gets what the PDS sequences once its handler runs, a moment after the handshake:
    posts made in between never come. A frame read (of a record made for that, with a hashtag
    no chat reads) proves the stream is live, so the test's own posts come after it."""
    reader.start()

    async def connected() -> bool:
        return reader.status == "connected"

    async def read_a_frame() -> bool:
        return reader.frames > 0

    await until(connected, timeout=WAIT)
    for _ in range(10):
        await post(network, who, "warming up #elsewhere")
        with contextlib.suppress(AssertionError):
            await until(read_a_frame, timeout=2.0)
            return reader
    raise AssertionError("the PDS streamed nothing to the reader")


async def test_posts_from_the_pds_come_in_and_deletions_and_takedowns_take_them_away(
    db: Database, chat: Chat, atproto_network: Network, settings: Settings
) -> None:
    await bridge(db, chat)
    alice = atproto_network.create_account("alice")
    reader = await started(firehose_reader(db, atproto_network, settings), atproto_network, alice)
    try:
        first = await post(atproto_network, alice, "Q1 answer: tea #HostChat")
        await post(atproto_network, alice, "not for the room #elsewhere")
        second = await post(atproto_network, alice, "more #hostchat")

        async def both_in() -> bool:
            return await live_texts(db) == ["Q1 answer: tea #HostChat", "more #hostchat"]

        await until(both_in, timeout=WAIT)
        async with db.read() as session:
            author = await session.scalar(select(Account).where(Account.handle_key == alice.did))
        assert author is not None and author.handle == alice.handle  # verified both ways
        assert sorted(await stored_uris(db)) == sorted([first, second])

        rkey = first.rsplit("/", 1)[1]
        await anyio.to_thread.run_sync(
            lambda: atproto_network.xrpc(
                "com.atproto.repo.deleteRecord",
                body={"repo": alice.did, "collection": "app.bsky.feed.post", "rkey": rkey},
                token=alice.access_jwt,
            )
        )

        async def first_gone() -> bool:
            return await live_texts(db) == ["more #hostchat"]

        await until(first_gone, timeout=WAIT)
        await anyio.to_thread.run_sync(
            lambda: atproto_network.xrpc(
                "com.atproto.admin.updateSubjectStatus",
                body={
                    "subject": {"$type": "com.atproto.admin.defs#repoRef", "did": alice.did},
                    "takedown": {"applied": True, "ref": "test"},
                },
                admin=True,
            )
        )

        async def all_gone() -> bool:
            return await live_texts(db) == []

        await until(all_gone, timeout=WAIT)
    finally:
        await reader.stop()


async def test_a_reader_restarted_mid_stream_resumes_from_its_cursor(
    db: Database, chat: Chat, atproto_network: Network, settings: Settings
) -> None:
    await bridge(db, chat)
    bob = atproto_network.create_account("bob")
    reader = await started(firehose_reader(db, atproto_network, settings), atproto_network, bob)
    try:
        await post(atproto_network, bob, "before #HostChat")

        async def first_in() -> bool:
            return await live_texts(db) == ["before #HostChat"]

        await until(first_in, timeout=WAIT)
    finally:
        await reader.stop()
    # Posted while no reader ran: the next one resumes from the stored cursor.
    await post(atproto_network, bob, "while down 1 #HostChat")
    await post(atproto_network, bob, "while down 2 #HostChat")
    reader = await started(firehose_reader(db, atproto_network, settings), atproto_network, bob)
    try:

        async def all_in() -> bool:
            return len(await live_texts(db)) == 3

        await until(all_in, timeout=WAIT)
        await asyncio.sleep(0.3)
        assert await live_texts(db) == [
            "before #HostChat",
            "while down 1 #HostChat",
            "while down 2 #HostChat",
        ]
    finally:
        await reader.stop()


async def test_the_pds_records_as_jetstream_frames_are_read_the_same(
    db: Database, chat: Chat, atproto_network: Network
) -> None:
    await bridge(db, chat)
    carol = atproto_network.create_account("carol")
    uri = await post(atproto_network, carol, "from the PDS #HostChat")
    stored: dict[str, Any] = await anyio.to_thread.run_sync(lambda: atproto_network.get_record(uri))
    rkey = uri.rsplit("/", 1)[1]
    frames = [commit(1, carol.did, rkey, record=stored["value"])]
    async with Jetstream(frames) as js, reading(db, js.url):

        async def stored_once() -> bool:
            return await stored_uris(db) == [uri]

        await until(stored_once, timeout=WAIT)
