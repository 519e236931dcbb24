"""Posting out from the room to the person's own Mastodon server (a second hashchat): the
status is made there with the room's hashtag, a reply goes to the parent as that server knows
it, the server's own limit is kept, it is shown here once when it comes back, and deleting it
here deletes it there."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from hashchat.accounts.models import Account
from hashchat.bridges.mastodon.models import MastodonApp, MastodonOutgoing, MastodonStatus
from hashchat.bridges.mastodon.outbox import send_due
from hashchat.bridges.sealing import sealer_for
from hashchat.config import get_settings
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.bridges.mastodon.remote import Remote
from tests.bridges.mastodon.test_reader import bridged, eventually, readers
from tests.conftest import auth


def sealer() -> Any:
    settings = get_settings()
    return sealer_for(settings.resolved_secret_key(), tuple(settings.previous_secret_keys))


async def row_of(db: Database, post_id: int) -> MastodonOutgoing:
    async with db.read() as session:
        row = await session.get(MastodonOutgoing, post_id)
    assert row is not None
    return row


async def test_a_post_goes_to_the_persons_server_and_comes_back_once(
    db: Database, host: Account, remote: Remote, fresh: str
) -> None:
    person = await bridged(db, host, remote, fresh)
    post = await posts.create_post(
        db=db, author=host, text=f"Q1: hello fediverse #Chat{fresh}", bridges=["mastodon:unlisted"]
    )
    assert await send_due(db, sealer()) == 1
    row = await row_of(db, post.id)
    assert row.state == "sent", row.error
    assert row.visibility == "unlisted"
    there = person.api("GET", f"/api/v1/statuses/{row.status_id}").json()
    assert there["text"] == f"Q1: hello fediverse #Chat{fresh}"
    assert there["account"]["username"] == fresh
    async with db.read() as session:
        mine = await session.get(Post, post.id)
    assert mine is not None and mine.origin_uri == there["uri"] and mine.origin is None

    # The reader sees it on the server's hashtag: still one post, ours.
    running = readers(db)
    running.start()
    try:
        reader = await eventually(
            lambda: asyncio.sleep(0, next(iter(running.readers.values()), None))
        )
        await eventually(lambda: asyncio.sleep(0, reader.cursor is not None))
        await asyncio.sleep(1.5)
        async with db.read() as session:
            copies = list(
                await session.scalars(select(Post).where(Post.origin_uri == there["uri"]))
            )
            known = await session.get(MastodonStatus, (remote.url, row.status_id))
        assert [p.id for p in copies] == [post.id]
        assert known is not None and known.post_id == post.id

        # A reply from the fediverse to it, then a reply here to that: it goes to the parent
        # as the server knows it.
        answer = person.post(f"A1: hi back #Chat{fresh}", in_reply_to_id=row.status_id)

        async def came() -> Post | None:
            async with db.read() as session:
                found: Post | None = await session.scalar(
                    select(Post).where(Post.origin_uri == answer["uri"])
                )
            return found

        theirs = await eventually(came)
        assert theirs.in_reply_to_id == post.id  # a reply here too
        reply = await posts.create_post(
            db=db,
            author=host,
            text=f"thanks #Chat{fresh}",
            in_reply_to_id=str(theirs.id),
            bridges=["mastodon"],
        )
        await send_due(db, sealer())
        sent = await row_of(db, reply.id)
        assert sent.state == "sent", sent.error
        assert (
            person.api("GET", f"/api/v1/statuses/{sent.status_id}").json()["in_reply_to_id"]
            == answer["id"]
        )
    finally:
        await running.stop()

    # Deleting it here deletes it there.
    await posts.delete_post(db=db, actor=host, post_id=str(post.id))
    await send_due(db, sealer())
    assert (await row_of(db, post.id)).state == "deleted"
    assert person.api("GET", f"/api/v1/statuses/{row.status_id}").status_code == 404


async def test_what_cannot_go_out_is_refused_on_bridges(
    client: Any, db: Database, host: Account, token_for: Any, remote: Remote, fresh: str
) -> None:
    token = await token_for(host)
    alone = await client.post(
        "/api/v1/statuses", json={"status": "hi #x", "bridges": ["mastodon"]}, headers=auth(token)
    )
    assert alone.status_code == 422 and alone.json()["field"] == "bridges"
    assert "link your Mastodon account first" in alone.json()["error"]

    await bridged(db, host, remote, fresh)
    async with db.write() as session:  # a server that takes 20 characters
        session.add(MastodonApp(server=remote.url, client_id="x", sealed="x", redirect_uri="x",
                                streaming_url="", max_characters=20, checked_at=utcnow()))  # fmt: skip
    long = await client.post(
        "/api/v1/statuses",
        json={"status": "twenty-one characters", "bridges": ["mastodon"]},
        headers=auth(token),
    )
    assert long.status_code == 422
    assert "takes 20 characters; this is 21" in long.json()["error"]
    linked = (await client.get("/api/v1/bridges/accounts", headers=auth(token))).json()
    assert linked[0]["max_characters"] == 20
    bad = await client.post(
        "/api/v1/statuses",
        json={"status": "hi", "bridges": ["mastodon:secret"]},
        headers=auth(token),
    )
    assert bad.status_code == 422 and "unlisted" in bad.json()["error"]
    ok = await client.post(
        "/api/v1/statuses", json={"status": "short", "bridges": ["mastodon"]}, headers=auth(token)
    )
    assert ok.status_code == 200
    out = await client.get(
        f"/api/v1/bridges/posts/{ok.json()['id']}?network=mastodon", headers=auth(token)
    )
    assert out.json()["state"] == "waiting" and out.json()["network"] == "mastodon"
