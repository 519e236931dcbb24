"""Posting out to Bluesky, against a real PDS (tests/pds): the post is queued with the post
itself, sent to the author's own PDS, and read back from there with exactly the facets
(UTF-8 byte offsets) and reply refs expected. It is the same post when it comes back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.bridges.bluesky import outbox, record
from hashchat.bridges.bluesky.link import link_with_app_password
from hashchat.bridges.bluesky.outbox_model import OutgoingPost
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.sealing import sealer_for
from hashchat.directory.models import Chat
from hashchat.hosting import questions
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.bridges.conftest import Store, bluesky_post
from tests.conftest import auth
from tests.pds import Network, PdsAccount
from tests.services import free_port

TAG = "app.bsky.richtext.facet#tag"
LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"


@pytest.fixture
def link(db: Database, app: Any, atproto_network: Network) -> Any:
    async def make(account: Account, name: str = "poster") -> PdsAccount:
        them = atproto_network.create_account(name)
        await link_with_app_password(
            db=db,
            account_id=account.id,
            identifier=them.handle,
            app_password=atproto_network.app_password(them),
            sealer=sealer_for(app.state.runtime.secret_key),
            settings=app.state.runtime.settings,
        )
        return them

    return make


async def send(db: Database, app: Any) -> None:
    runtime = app.state.runtime
    await outbox.send_due(db, sealer_for(runtime.secret_key), runtime.settings)


async def outgoing(db: Database, post_id: int) -> OutgoingPost:
    async with db.read() as session:
        row = await session.get(OutgoingPost, post_id)
    assert row is not None
    return row


def span(text: str, part: str) -> dict[str, int]:
    start = text.encode().index(part.encode())
    return {"byteStart": start, "byteEnd": start + len(part.encode())}


async def test_a_post_lands_on_the_pds_with_its_facets(
    client: httpx.AsyncClient,
    db: Database,
    app: Any,
    make_account: Any,
    token_for: Any,
    link: Any,
    atproto_network: Network,
) -> None:
    person = await make_account()
    them = await link(person)
    friend = atproto_network.create_account("friend")
    text = (
        f"Café ☕ and naïve 👩🏽‍💻 @{friend.handle} see https://example.com/a?b=1 #ÉtéChat #EdChat"
    )
    response = await client.post(
        "/api/v1/statuses",
        json={"status": text, "bridges": ["bluesky"]},
        headers=auth(await token_for(person)),
    )
    assert response.status_code == 200, response.text
    post_id = int(response.json()["id"])

    row = await outgoing(db, post_id)
    assert row.state == "waiting"
    assert row.uri == f"at://{them.did}/app.bsky.feed.post/{row.rkey}"
    async with db.read() as session:
        post = await session.get(Post, post_id)
    assert post is not None and post.origin_uri == row.uri  # known before it exists
    assert post.origin is None  # still a post made here

    await send(db, app)
    row = await outgoing(db, post_id)
    assert row.state == "sent", row.error
    stored = atproto_network.get_record(row.uri)
    assert stored["cid"] == row.cid
    assert stored["value"]["text"] == text
    assert stored["value"]["facets"] == [
        {
            "index": span(text, f"@{friend.handle}"),
            "features": [{"$type": MENTION, "did": friend.did}],
        },
        {
            "index": span(text, "https://example.com/a?b=1"),
            "features": [{"$type": LINK, "uri": "https://example.com/a?b=1"}],
        },
        {"index": span(text, "#ÉtéChat"), "features": [{"$type": TAG, "tag": "ÉtéChat"}]},
        {"index": span(text, "#EdChat"), "features": [{"$type": TAG, "tag": "EdChat"}]},
    ]
    assert "reply" not in stored["value"]

    # Its author can follow it out.
    seen = await client.get(
        f"/api/v1/bridges/posts/{post_id}", headers=auth(await token_for(person))
    )
    assert seen.json()["state"] == "sent"
    assert seen.json()["url"] == f"https://bsky.app/profile/{them.did}/post/{row.rkey}"


async def test_replies_carry_root_and_parent_refs(
    db: Database, app: Any, make_account: Any, link: Any, atproto_network: Network
) -> None:
    person = await make_account()
    await link(person)
    first = await posts.create_post(db=db, author=person, text="Q1 #EdChat", bridges=["bluesky"])
    second = await posts.create_post(
        db=db, author=person, text="more #EdChat", in_reply_to_id=first.id, bridges=["bluesky"]
    )
    third = await posts.create_post(
        db=db, author=person, text="and more", in_reply_to_id=second.id, bridges=["bluesky"]
    )
    await send(db, app)  # the replies wait for their parents' CIDs
    for _ in range(10):
        if (await outgoing(db, third.id)).state == "sent":
            break
        async with db.write() as session:
            await session.execute(update(OutgoingPost).values(next_attempt_at=utcnow()))
        await send(db, app)
    rows = [await outgoing(db, p.id) for p in (first, second, third)]
    assert [r.state for r in rows] == ["sent", "sent", "sent"]
    ref = [{"uri": r.uri, "cid": r.cid} for r in rows]
    assert "reply" not in atproto_network.get_record(rows[0].uri)["value"]
    assert atproto_network.get_record(rows[1].uri)["value"]["reply"] == {
        "root": ref[0],
        "parent": ref[0],
    }
    assert atproto_network.get_record(rows[2].uri)["value"]["reply"] == {
        "root": ref[0],
        "parent": ref[1],
    }


async def test_a_reply_to_a_bluesky_post_refers_to_its_record(
    db: Database, app: Any, make_account: Any, link: Any, atproto_network: Network, store: Store
) -> None:
    someone = atproto_network.create_account("someone")
    made = atproto_network.xrpc(
        "com.atproto.repo.createRecord",
        body={
            "repo": someone.did,
            "collection": "app.bsky.feed.post",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "hi #EdChat",
                "createdAt": "2026-12-01T12:00:00.000Z",
            },
        },
        token=someone.access_jwt,
    )
    rkey = made["uri"].rsplit("/", 1)[1]
    stored = await store(
        bluesky_post("hi #EdChat", did=someone.did, handle=someone.handle, rkey=rkey)
    )
    parent_id = stored.created[0].post.id
    person = await make_account()
    await link(person)
    reply = await posts.create_post(
        db=db, author=person, text="hello back", in_reply_to_id=parent_id, bridges=["bluesky"]
    )
    await send(db, app)
    row = await outgoing(db, reply.id)
    assert row.state == "sent", row.error
    parent = {"uri": made["uri"], "cid": made["cid"]}
    assert atproto_network.get_record(row.uri)["value"]["reply"] == {
        "root": parent,
        "parent": parent,
    }


async def test_the_post_comes_back_through_the_ingest_as_the_same_post(
    db: Database, app: Any, make_account: Any, link: Any, store: Store
) -> None:
    person = await make_account()
    them = await link(person)
    post = await posts.create_post(db=db, author=person, text="once #EdChat", bridges=["bluesky"])
    await send(db, app)
    row = await outgoing(db, post.id)
    again = await store(
        bluesky_post("once #EdChat", did=them.did, handle=them.handle, rkey=row.rkey)
    )
    assert again.created == [] and again.skipped == 1
    async with db.read() as session:
        count = len(
            (await session.scalars(select(Post.id).where(Post.text == "once #EdChat"))).all()
        )
    assert count == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "hi #EdChat", "bridges": ["bluesky"]}, "bridges"),  # nothing linked
        ({"status": "hi #EdChat", "bridges": ["myspace"]}, "bridges"),
        ({"status": "hi #EdChat", "bridges": "bluesky"}, "bridges"),
    ],
)
async def test_bad_requests_to_post_out_are_refused_on_their_field(
    client: httpx.AsyncClient,
    db: Database,
    make_account: Any,
    token_for: Any,
    body: dict[str, Any],
    field: str,
) -> None:
    person = await make_account()
    response = await client.post(
        "/api/v1/statuses", json=body, headers=auth(await token_for(person))
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    async with db.read() as session:
        assert (await session.scalars(select(Post))).all() == []  # nothing half-written


def test_bluesky_counts_graphemes() -> None:
    assert record.graphemes("👩🏽‍💻é🇫🇷") == 3
    record.check_length("👍🏽" * 300)
    with pytest.raises(Exception, match="at most 300"):
        record.check_length("a" * 301)


async def test_a_post_longer_than_bluesky_takes_is_refused_before_anything_is_written(
    db: Database, make_account: Any, link: Any, settings: Any
) -> None:
    from hashchat.errors import Invalid

    person = await make_account()
    await link(person)
    # A link counts 23 here whatever its length (twitter-text); Bluesky counts every grapheme.
    text = "see https://example.com/" + "a" * 290 + " #EdChat"
    with pytest.raises(Invalid, match="at most 300") as error:
        await posts.create_post(db=db, author=person, text=text, bridges=["bluesky"])
    assert error.value.field == "status"
    async with db.read() as session:
        assert (await session.scalars(select(Post))).all() == []
    await posts.create_post(db=db, author=person, text=text)  # here alone, it is fine


async def test_a_pds_that_is_down_is_tried_again_later(
    db: Database, app: Any, make_account: Any, link: Any, atproto_network: Network
) -> None:
    person = await make_account()
    await link(person)
    post = await posts.create_post(db=db, author=person, text="later #EdChat", bridges=["bluesky"])
    async with db.write() as session:
        await session.execute(
            update(LinkedAccount).values(service_url=f"http://127.0.0.1:{free_port()}")
        )
    await send(db, app)
    row = await outgoing(db, post.id)
    assert row.state == "waiting" and row.attempts == 1
    assert "cannot be reached" in row.error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)

    async with db.write() as session:
        await session.execute(update(LinkedAccount).values(service_url=atproto_network.pds))
        await session.execute(update(OutgoingPost).values(next_attempt_at=utcnow()))
    await send(db, app)
    row = await outgoing(db, post.id)
    assert row.state == "sent"
    assert atproto_network.get_record(row.uri)["value"]["text"] == "later #EdChat"


async def test_a_hosts_scripted_questions_go_out_from_the_hosts_account(
    db: Database,
    app: Any,
    host: Account,
    chat: Chat,
    make_session: Any,
    link: Any,
    atproto_network: Network,
) -> None:
    them = await link(host, "hostess")
    async with db.write() as session:
        await session.execute(update(Chat).where(Chat.id == chat.id).values(bridges="bluesky"))
    live = await make_session()
    q1 = await questions.ask_now(db=db, actor=host, session_id=live.id, text="Favourite poet?")
    assert q1.post_id is not None
    await send(db, app)
    row = await outgoing(db, q1.post_id)
    assert row.state == "sent", row.error
    assert row.uri.startswith(f"at://{them.did}/")
    value = atproto_network.get_record(row.uri)["value"]
    assert value["text"].startswith("Q1") and "#HostChat" in value["text"]
    assert {"$type": TAG, "tag": "HostChat"} in [f["features"][0] for f in value["facets"]]

    # A chat not bridged to Bluesky keeps its questions here.
    async with db.write() as session:
        await session.execute(update(Chat).where(Chat.id == chat.id).values(bridges=""))
    q2 = await questions.ask_now(db=db, actor=host, session_id=live.id, text="And why?")
    async with db.read() as session:
        assert await session.get(OutgoingPost, q2.post_id) is None


async def test_deleting_the_post_here_deletes_its_record(
    client: httpx.AsyncClient,
    db: Database,
    app: Any,
    make_account: Any,
    token_for: Any,
    link: Any,
    atproto_network: Network,
) -> None:
    person = await make_account()
    await link(person)
    headers = auth(await token_for(person))
    sent = await posts.create_post(
        db=db, author=person, text="gone soon #EdChat", bridges=["bluesky"]
    )
    await send(db, app)
    row = await outgoing(db, sent.id)
    assert atproto_network.get_record(row.uri)["value"]["text"] == "gone soon #EdChat"
    assert (await client.delete(f"/api/v1/statuses/{sent.id}", headers=headers)).status_code == 200
    assert (await outgoing(db, sent.id)).state == "deleting"
    await send(db, app)
    assert (await outgoing(db, sent.id)).state == "deleted"
    with pytest.raises(RuntimeError, match=r"RecordNotFound|Could not locate record"):
        atproto_network.get_record(row.uri)

    # Deleted before it was sent: it never goes.
    unsent = await posts.create_post(
        db=db, author=person, text="never #EdChat", bridges=["bluesky"]
    )
    assert (
        await client.delete(f"/api/v1/statuses/{unsent.id}", headers=headers)
    ).status_code == 200
    await send(db, app)
    row = await outgoing(db, unsent.id)
    assert row.state == "cancelled"
    with pytest.raises(RuntimeError):
        atproto_network.get_record(row.uri)


async def test_posting_to_bluesky_without_javascript(
    client: httpx.AsyncClient, db: Database, make_account: Any, link: Any
) -> None:
    from tests.conftest import csrf_from

    person = await make_account("nojsbsky", password="correct horse battery")
    page = await client.get("/login")
    await client.post(
        "/login",
        data={
            "login": "nojsbsky",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    page = await client.get("/live/NoJsChat")
    assert (
        '<noscript><label class="toggle bluesky-out"><input type="checkbox" name="bluesky"'
        in page.text
    )
    form = {"csrf_token": csrf_from(page.text), "tags": "NoJsChat", "status": "hi", "bluesky": "1"}
    refused = await client.post("/live/post", data=form)
    assert refused.status_code == 422
    assert "link your Bluesky account first" in refused.text  # beside the composer, draft kept

    await link(person)
    posted = await client.post("/live/post", data=form)
    assert posted.status_code == 303
    async with db.read() as session:
        post = (await session.scalars(select(Post).where(Post.text == "hi #NoJsChat"))).one()
        assert await session.get(OutgoingPost, post.id) is not None
