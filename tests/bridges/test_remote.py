"""Remote posts are posts: stored once under their origin URI through the write path, by a
remote account, with an event id; Q/A, the API and deletions treat them as any post."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from hashchat.accounts.models import Account
from hashchat.bridges import remote
from hashchat.hosting import questions
from hashchat.hosting.models import ChatSession, SessionPost
from hashchat.posts.models import Post
from hashchat.realtime.models import EventRow
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.bridges.conftest import Store, bluesky_post
from tests.hosting.conftest import MakeSession


async def test_a_remote_post_is_stored_once_with_an_event_and_a_remote_author(
    db: Database, store: Store
) -> None:
    post = bluesky_post("Hello <b>there</b> #BlueChat")
    first = await store(post)
    again = await store(post, post)
    assert len(first.created) == 1 and again.created == [] and again.skipped == 2
    created = first.created[0]
    async with db.read() as session:
        row = await session.get(Post, created.post.id)
        author = await session.get(Account, row.account_id) if row else None
        event = await session.get(EventRow, created.post.id)
        assert await session.scalar(select(func.count()).select_from(Post)) == 1
    assert row is not None and author is not None and event is not None
    assert (row.origin, row.origin_uri) == ("bluesky", post.uri)
    assert event.kind == "update" and "tag:bluechat" in event.streams
    assert (author.origin, author.handle_key, author.handle) == (
        "bluesky",
        "did:plc:alice",
        "alice.bsky.social",
    )
    # The user's text is escaped; the hashtag links to our tag page.
    assert "&lt;b&gt;there&lt;/b&gt;" in row.content_html and "<b>" not in row.content_html
    assert 'class="hashtag"' in row.content_html
    status = created.entity
    assert status["url"] == post.url and status["uri"] == post.uri
    assert status["origin"] == {"network": "bluesky", "uri": post.uri, "url": post.url}
    assert status["account"]["acct"] == "alice.bsky.social@bsky.app"
    assert status["account"]["url"] == "https://bsky.app/profile/did:plc:alice"


async def test_a_new_handle_keeps_the_account(store: Store, db: Database) -> None:
    await store(bluesky_post("one #bluechat", rkey="a1"))
    await store(bluesky_post("two #bluechat", rkey="a2", handle="alice.example.com"))
    async with db.read() as session:
        people = list(await session.scalars(select(Account).where(Account.origin == "bluesky")))
    assert [(p.handle_key, p.handle) for p in people] == [("did:plc:alice", "alice.example.com")]


async def test_a_bluesky_a1_and_a_reply_to_the_q1_post_answer_q1(
    db: Database, store: Store, host: Account, make_session: MakeSession
) -> None:
    live: ChatSession = await make_session()
    q1 = await questions.ask_now(db=db, actor=host, session_id=live.id, text="Favourite poet?")
    assert q1.post_id is not None
    # Q1 went out to Bluesky too (a linked account): its copy there has this URI.
    q1_uri = "at://did:plc:hostess/app.bsky.feed.post/q1"
    async with db.write() as session:
        await session.execute(update(Post).where(Post.id == q1.post_id).values(origin_uri=q1_uri))
    typed = await store(bluesky_post("A1: Szymborska #HostChat", rkey="r1"))
    reply = await store(bluesky_post("Mary Oliver", rkey="r2", reply_to=q1_uri))
    async with db.read() as session:
        rows = {
            r.post_id: (r.kind, r.number)
            for r in await session.scalars(
                select(SessionPost).where(SessionPost.session_id == live.id)
            )
        }
    assert rows[typed.created[0].post.id] == ("answer", 1)
    assert rows[reply.created[0].post.id] == ("answer", 1)  # no hashtag, a reply to Q1
    assert reply.created[0].post.in_reply_to_id == q1.post_id


async def test_deleted_at_the_origin_is_deleted_here_and_never_comes_back(
    db: Database, store: Store
) -> None:
    post = bluesky_post("soon gone #bluechat")
    created = (await store(post)).created[0]
    async with db.write() as session:
        assert await remote.remove(session, [post.uri, "at://did:plc:x/app.bsky.feed.post/none"])
    assert (await store(post)).created == []  # a replay after the delete stores nothing
    async with db.read() as session:
        row = await session.get(Post, created.post.id)
        kinds = list(await session.scalars(select(EventRow.kind).order_by(EventRow.id)))
    assert row is not None and row.deleted_at is not None and row.text == ""
    assert kinds == ["update", "delete"]


async def test_an_opted_out_person_is_left_out_and_their_posts_go(
    db: Database, store: Store
) -> None:
    await store(bluesky_post("before #bluechat", rkey="b1"))
    assert await remote.opt_out(db=db, network="bluesky", key="did:plc:alice") == 1
    later = await store(bluesky_post("after #bluechat", rkey="b2"))
    other = await store(bluesky_post("me too #bluechat", rkey="c1", did="did:plc:carol"))
    assert later.created == [] and later.skipped == 1 and len(other.created) == 1
    async with db.read() as session:
        live = await session.scalar(
            select(func.count()).select_from(Post).where(Post.deleted_at.is_(None))
        )
    assert live == 1


async def test_a_record_time_far_off_is_kept_near_its_arrival(store: Store) -> None:
    ahead = bluesky_post("from the future #bluechat", created_at=utcnow() + timedelta(days=9))
    created = (await store(ahead)).created[0]
    assert created.post.created_at <= utcnow()
