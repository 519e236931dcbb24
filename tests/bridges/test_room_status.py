"""What a room says about its bridges when it is opened (GET /api/v1/chats/<tag>/bridges): a
Bluesky source that is down before the page loads shows as "reconnecting" at once, not only
after the next change; each Mastodon server read for the chat has its own state; a chat whose
bridges are closed says nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from hashchat.bridges.bluesky.events import wire_for
from hashchat.bridges.bluesky.reader import Reader, readers_for, source_of
from hashchat.bridges.mastodon.watching import Watch
from hashchat.bridges.models import BridgeLease
from hashchat.bridges.status import room_states
from hashchat.config import Settings
from hashchat.directory.models import Chat
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.bridges.jetstream import Jetstream
from tests.bridges.test_jetstream import stream, until
from tests.services import free_port

SERVER = "https://m.example"


async def open_bridges(db: Database, chat: Chat, bridges: str) -> None:
    async with db.write() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat.id).values(bridges=bridges, bridge_when="always")
        )


async def states(db: Database, settings: Settings, chat: Chat) -> list[dict[str, str]]:
    async with db.read() as session:
        return await room_states(session, settings, chat.tag_key)


def reader(db: Database, url: str) -> Reader:
    return Reader(db, url, wire_for(url), ttl=2.0, idle_check=0.2, backoff=(0.05, 0.2))


async def test_a_source_down_before_the_room_opens_shows_as_reconnecting(
    db: Database, settings: Settings, chat: Chat
) -> None:
    await open_bridges(db, chat, "bluesky")
    down = f"ws://127.0.0.1:{free_port()}/subscribe"  # nothing listens there
    configured = settings.model_copy(update={"bluesky_jetstream": down})
    assert source_of(configured) == readers_for(db, configured)[0].source
    reading = reader(db, down)
    reading.start()
    try:

        async def told() -> bool:  # the reader's own state, then what its lease says
            said = await states(db, configured, chat)
            return reading.status == "reconnecting" and said == [
                {"network": "bluesky", "state": "reconnecting"}
            ]

        await until(told)
        async with db.read() as session:  # held, not expired: the reader said it itself
            row = await session.get(BridgeLease, reading.source)
        assert row is not None and row.holder == reading.holder and row.status == "reconnecting"
    finally:
        await reading.stop()


async def test_a_source_read_well_shows_as_connected_and_one_nobody_reads_as_reconnecting(
    db: Database, settings: Settings, chat: Chat
) -> None:
    await open_bridges(db, chat, "bluesky")
    async with Jetstream(stream()) as js:
        configured = settings.model_copy(update={"bluesky_jetstream": js.url})
        # No process holds the source's lease: nobody reads it for the room.
        assert await states(db, configured, chat) == [
            {"network": "bluesky", "state": "reconnecting"}
        ]
        reading = reader(db, js.url)
        reading.start()
        try:

            async def connected() -> bool:
                return await states(db, configured, chat) == [
                    {"network": "bluesky", "state": "connected"}
                ]

            await until(connected)
            assert reading.status == "connected"
        finally:
            await reading.stop()


async def test_each_mastodon_server_has_its_own_state_and_closed_bridges_say_nothing(
    db: Database, settings: Settings, chat: Chat
) -> None:
    other = "https://other.example"
    assert await states(db, settings, chat) == []  # no bridge at all
    await open_bridges(db, chat, f"mastodon:{SERVER} mastodon:{other}")
    watch = Watch(chat.id, chat.tag_key, chat.hashtag, SERVER)
    async with db.write() as session:
        session.add(
            BridgeLease(
                source=watch.source,
                holder="elsewhere",
                expires_at=utcnow() + timedelta(seconds=30),
                status="rate limited",
            )
        )
    assert await states(db, settings, chat) == [
        {"network": "mastodon", "server": "m.example", "state": "rate limited"},
        {"network": "mastodon", "server": "other.example", "state": "reconnecting"},
    ]
    # Bluesky is not configured here (no Jetstream, no firehose): it says nothing for it.
    await open_bridges(db, chat, "bluesky")
    assert await states(db, settings.model_copy(update={"bluesky_jetstream": ""}), chat) == []
    # Sessions-only bridges are closed far from a session.
    async with db.write() as session:
        await session.execute(
            update(Chat)
            .where(Chat.id == chat.id)
            .values(bridges=f"mastodon:{SERVER}", bridge_when="sessions")
        )
    assert await states(db, settings, chat) == []


async def test_the_api_answers_for_a_listed_chat_only(
    client: httpx.AsyncClient, db: Database, chat: Chat
) -> None:
    await open_bridges(db, chat, f"mastodon:{SERVER}")
    answer = await client.get("/api/v1/chats/hostchat/bridges")
    assert answer.status_code == 200
    assert answer.json() == {
        "bridges": [{"network": "mastodon", "server": "m.example", "state": "reconnecting"}]
    }
    missing = await client.get("/api/v1/chats/nosuchchat/bridges")
    assert missing.status_code == 404 and missing.json()["field"] == "hashtag"
