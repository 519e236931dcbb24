"""``Idempotency-Key`` on POST /api/v1/statuses: a post sent again with its key answers the post
it made, on the framework-free path (JSON with a token) and on the route (a form), within one
batch and from concurrent transactions; a key is an account's and lasts an hour; a bad key is a
422 on its header with nothing written."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from hashchat.accounts.models import Account
from hashchat.errors import DomainError
from hashchat.posts.batch import Created, Draft, TagCache, write_posts
from hashchat.posts.keys import AlreadyPosted
from hashchat.posts.models import Post, PostKey
from hashchat.realtime.models import EventRow
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.text import extract_entities
from tests.conftest import MakeAccount, auth


async def count_posts(db: Database, account_id: int) -> int:
    async with db.read() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Post).where(Post.account_id == account_id)
            )
            or 0
        )


async def update_events(db: Database) -> int:
    async with db.read() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.kind == "update")
            )
            or 0
        )


@pytest.mark.parametrize("as_form", [False, True], ids=["json-fast-path", "form-route"])
async def test_the_same_key_answers_the_post_it_made(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any,
    as_form: bool,
) -> None:  # fmt: skip
    maya = await make_account("maya")
    headers = auth(await token_for(maya)) | {"Idempotency-Key": "draft-7f3a"}
    body = {"status": "A1: outline first #WriteChat"}

    async def send() -> httpx.Response:
        if as_form:
            return await client.post("/api/v1/statuses", data=body, headers=headers)
        return await client.post("/api/v1/statuses", json=body, headers=headers)

    first = await send()
    events = await update_events(db)
    again = await send()
    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["content"] == first.json()["content"]
    assert await count_posts(db, maya.id) == 1
    assert await update_events(db) == events, "nothing new went to the streams"
    # Another key (or none) is another post.
    other = await client.post(
        "/api/v1/statuses", json=body, headers=headers | {"Idempotency-Key": "draft-8"}
    )
    assert other.status_code == 200 and other.json()["id"] != first.json()["id"]
    assert await count_posts(db, maya.id) == 2


async def test_a_key_is_one_accounts_and_lasts_an_hour(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya, lena = await make_account("maya"), await make_account("lena")
    key = {"Idempotency-Key": "same"}
    mine = await client.post(
        "/api/v1/statuses", json={"status": "one"}, headers=auth(await token_for(maya)) | key
    )
    theirs = await client.post(
        "/api/v1/statuses", json={"status": "one"}, headers=auth(await token_for(lena)) | key
    )
    assert mine.json()["id"] != theirs.json()["id"]
    async with db.write() as session:  # an hour and a second later
        await session.execute(
            update(PostKey).values(created_at=utcnow() - timedelta(hours=1, seconds=1))
        )
    later = await client.post(
        "/api/v1/statuses", json={"status": "one"}, headers=auth(await token_for(maya)) | key
    )
    assert later.status_code == 200 and later.json()["id"] != mine.json()["id"]
    async with db.read() as session:
        kept = (await session.scalars(select(PostKey).where(PostKey.account_id == maya.id))).all()
    assert [(k.key, str(k.post_id)) for k in kept] == [("same", later.json()["id"])]


async def test_a_deleted_post_is_not_made_again(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya")
    headers = auth(await token_for(maya)) | {"Idempotency-Key": "k1"}
    made = await client.post("/api/v1/statuses", json={"status": "oops"}, headers=headers)
    await client.delete(f"/api/v1/statuses/{made.json()['id']}", headers=headers)
    again = await client.post("/api/v1/statuses", json={"status": "oops"}, headers=headers)
    assert again.status_code == 404
    assert await count_posts(db, maya.id) == 1


@pytest.mark.parametrize(
    ("key", "says"),
    [("", "empty"), ("x" * 129, "longer than 128"), ("caf\u00e9", "printable ASCII")],
    ids=["empty", "long", "non-ascii"],
)
async def test_a_bad_key_is_refused_on_its_header_with_nothing_written(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any,
    key: str, says: str,
) -> None:  # fmt: skip
    maya = await make_account("maya")
    headers = auth(await token_for(maya))
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"idempotency-key", key.encode("utf-8")))
    for send in (
        client.post("/api/v1/statuses", json={"status": "hi"}, headers=raw),
        client.post("/api/v1/statuses", data={"status": "hi"}, headers=raw),
    ):
        answer = await send
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "Idempotency-Key" and says in answer.json()["error"]
    assert await count_posts(db, maya.id) == 0


def draft(account: Account, text: str, key: str | None) -> Draft:
    made = Draft(account.id, text, extract_entities(text))
    made.idempotency_key = key
    return made


async def write(db: Database, drafts: list[Draft]) -> list[Created | DomainError]:
    """One transaction of the writer's, each draft's result as it is."""
    async with db.write() as session:
        return await write_posts(session, drafts, TagCache())


async def test_one_key_twice_in_a_batch_writes_once(
    db: Database, make_account: MakeAccount
) -> None:
    maya = await make_account("maya")
    first, second = await write(db, [draft(maya, "a", "k"), draft(maya, "a", "k")])
    assert isinstance(first, Created)
    assert isinstance(second, AlreadyPosted) and second.post_id == first.post.id
    assert await count_posts(db, maya.id) == 1


async def test_concurrent_transactions_with_one_key_write_once(
    db: Database, make_account: MakeAccount
) -> None:
    """Eight transactions at once (on PostgreSQL truly at once, each on its own connection):
    the counter's lock orders them, and the later ones find the first one's key."""
    maya = await make_account("maya")
    results = await asyncio.gather(*(write(db, [draft(maya, "once", "k")]) for _ in range(8)))
    made = [r for (r,) in results if isinstance(r, Created)]
    answered = [r for (r,) in results if isinstance(r, AlreadyPosted)]
    assert len(made) == 1 and len(answered) == 7
    assert {a.post_id for a in answered} == {made[0].post.id}
    assert await count_posts(db, maya.id) == 1
