"""The reader against a real server (a second hashchat): posts with the hashtag there come into
the room here, keyed by their ActivityPub uri; deletions follow; a stream dropped mid-chat
resumes with the gap filled; a revoked token marks the link broken and tells its owner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from hashchat.accounts.models import Account
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.mastodon.reader import Readers
from hashchat.bridges.sealing import sealer_for
from hashchat.config import get_settings
from hashchat.directory import service as directory
from hashchat.notifications.models import Notification
from hashchat.posts.models import Post
from hashchat.realtime.models import EventRow
from hashchat.storage.engine import Database
from tests.bridges.mastodon.helpers import link_token
from tests.bridges.mastodon.remote import Remote


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 15.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not within the time")
        await asyncio.sleep(0.1)


def readers(db: Database) -> Readers:
    settings = get_settings()
    sealer = sealer_for(settings.resolved_secret_key(), tuple(settings.previous_secret_keys))
    return Readers(db, sealer, ttl=3.0, every=0.2)


async def bridged(db: Database, host: Account, remote: Remote, name: str) -> Any:
    """``name`` on the remote, linked by ``host``, whose chat #Chat<name> reads the remote
    (a hashtag of its own: the remote outlives the test)."""
    person = remote.person(name)
    await link_token(db, host, remote, person)
    await directory.create_chat(
        db=db,
        actor=host,
        data={
            "hashtag": f"Chat{name}",
            "title": "Bridged",
            "starts_on": "2026-01-07",
            "start_time": "20:00",
            "time_zone": "UTC",
            "duration_minutes": 60,
            "repeat": "weekly",
            "weekday": "WE",
            "bridges": [f"mastodon:{remote.url}"],
            "bridge_when": "always",
        },
    )
    return person


async def remote_posts(db: Database) -> list[Post]:
    async with db.read() as session:
        return list(
            await session.scalars(select(Post).where(Post.origin == "mastodon").order_by(Post.id))
        )


async def test_posts_there_come_here_and_deletions_follow(
    db: Database, host: Account, remote: Remote, fresh: str
) -> None:
    person = await bridged(db, host, remote, fresh)
    running = readers(db)
    running.start()
    try:
        reader = await eventually(
            lambda: asyncio.sleep(0, next(iter(running.readers.values()), None))
        )
        await eventually(lambda: asyncio.sleep(0, reader.status == "connected"))
        status = person.post(f"A1: from the fediverse #Chat{fresh}")
        person.post("nothing to do with the chat #elsewhere")
        posts = await eventually(lambda: remote_posts(db))
        assert reader.transport == 0  # by WebSocket, at the streaming host the server named
        assert len(posts) == 1
        post = posts[0]
        assert post.origin_uri == status["uri"] and post.origin_url == status["url"]
        assert post.text == f"A1: from the fediverse #Chat{fresh}"
        async with db.read() as session:
            author = await session.get(Account, post.account_id)
        assert author is not None and author.origin == "mastodon"
        assert author.handle == f"{fresh}@{remote.domain}"
        assert author.handle_key == status["account"]["uri"]

        assert person.api("DELETE", f"/api/v1/statuses/{status['id']}").status_code == 200

        async def gone() -> bool:
            async with db.read() as session:
                again = await session.get(Post, post.id)
                return again is not None and again.deleted_at is not None

        await eventually(gone)
    finally:
        await running.stop()


async def test_a_dropped_stream_resumes_with_the_gap_filled(
    db: Database, host: Account, remote: Remote, fresh: str
) -> None:
    person = await bridged(db, host, remote, fresh)
    running = readers(db)
    running.start()
    reader = await eventually(lambda: asyncio.sleep(0, next(iter(running.readers.values()), None)))
    await eventually(lambda: asyncio.sleep(0, reader.status == "connected"))
    person.post(f"before the drop #Chat{fresh}")
    await eventually(lambda: remote_posts(db))
    await running.stop()  # the process goes away mid-chat
    missed = [person.post(f"while away {n} #Chat{fresh}") for n in range(3)]
    again = readers(db)
    again.start()
    try:
        posts = await eventually(lambda: _count(db, 4), timeout=20)
        assert [p.origin_uri for p in posts[1:]] == [s["uri"] for s in missed]
    finally:
        await again.stop()


async def _count(db: Database, n: int) -> list[Post] | None:
    found = await remote_posts(db)
    return found if len(found) >= n else None


async def test_a_revoked_token_breaks_the_link_and_tells_its_owner(
    db: Database, host: Account, remote: Remote, fresh: str
) -> None:
    person = await bridged(db, host, remote, fresh)
    person.revoke()
    running = readers(db)
    running.start()
    try:

        async def broken() -> LinkedAccount | None:
            async with db.read() as session:
                link = await session.scalar(select(LinkedAccount))
            return link if link is not None and link.broken else None

        link = await eventually(broken)
        assert "401" in link.broken or "no longer accepts" in link.broken
        async with db.read() as session:
            told = list(
                await session.scalars(
                    select(Notification).where(Notification.account_id == host.id)
                )
            )
        assert [n.type for n in told] == ["bridge.broken"]
        assert "Link it again" in told[0].text

        async def room_told() -> bool:
            async with db.read() as session:
                said = await session.scalars(
                    select(EventRow.payload).where(EventRow.kind == "bridge")
                )
                return any("account revoked" in payload for payload in said)

        # The room hears of it just after, in the reader's own transaction (its status).
        assert await eventually(room_told)
    finally:
        await running.stop()
