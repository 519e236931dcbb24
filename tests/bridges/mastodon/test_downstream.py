"""A Mastodon post is a post downstream: an "A2" from Mastodon, or a Mastodon reply to the Q2
post that went out there, answers Q2 in the session; an opted-out author's posts go and never
come back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.bridges import remote
from hashchat.bridges.mastodon import ingest
from hashchat.bridges.mastodon.ingest import Seen
from hashchat.bridges.mastodon.models import MastodonStatus
from hashchat.hosting import questions
from hashchat.hosting.models import ChatSession, SessionPost
from hashchat.posts.batch import TagCache
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.bridges.mastodon import documented
from tests.hosting.conftest import MakeSession

SERVER = "https://mastodon.example"


def toot(id: str, content: str, **fields: object) -> dict[str, object]:
    found = documented.status(id=id, uri=f"https://letsalllovela.in/objects/{id}", content=content)
    found["tags"] = [{"name": "hostchat", "url": f"{SERVER}/tags/hostchat"}]
    return {**found, **fields}


async def test_an_a2_from_mastodon_and_a_reply_to_the_q2_post_answer_q2(
    db: Database, host: Account, make_session: MakeSession
) -> None:
    live: ChatSession = await make_session()
    await questions.ask_now(db=db, actor=host, session_id=live.id, text="First?")
    q2 = await questions.ask_now(db=db, actor=host, session_id=live.id, text="Second?")
    assert q2.post_id is not None
    async with db.write() as session:  # Q2 went out to the host's server (outbox.py's record)
        session.add(MastodonStatus(server=SERVER, status_id="77", post_id=q2.post_id))
        await session.execute(
            update(Post).where(Post.id == q2.post_id).values(origin_uri=f"{SERVER}/@host/77")
        )
    typed = toot("501", "<p>A2: from the fediverse #<span>HostChat</span></p>")
    reply = toot("502", "<p>no hashtag, a reply</p>", in_reply_to_id="77", tags=[])
    async with db.write() as session:
        counts = await ingest.apply(
            session, SERVER, [Seen("update", typed), Seen("update", reply)],
            tags=TagCache(), now=utcnow(),
        )  # fmt: skip
    assert counts["stored"] == 2
    async with db.read() as session:
        by_uri = {
            p.origin_uri: p
            for p in await session.scalars(select(Post).where(Post.origin == "mastodon"))
        }
        rows = {
            r.post_id: (r.kind, r.number)
            for r in await session.scalars(
                select(SessionPost).where(SessionPost.session_id == live.id)
            )
        }
    answered = by_uri[str(typed["uri"])]
    replied = by_uri[str(reply["uri"])]
    assert rows[answered.id] == ("answer", 2)
    assert replied.in_reply_to_id == q2.post_id
    assert rows[replied.id] == ("answer", 2)


async def test_an_opted_out_actor_is_deleted_and_never_stored_again(db: Database) -> None:
    first = toot("601", "<p>hello #<span>HostChat</span></p>")
    async with db.write() as session:
        await ingest.apply(session, SERVER, [Seen("update", first)], tags=TagCache(), now=utcnow())
    actor = "https://letsalllovela.in/users/freon"
    assert await remote.opt_out(db=db, network="mastodon", key=actor) == 1
    async with db.write() as session:
        again = await ingest.apply(
            session, SERVER, [Seen("update", toot("602", "<p>again #HostChat</p>"))],
            tags=TagCache(), now=utcnow(),
        )  # fmt: skip
    assert again["stored"] == 0
    async with db.read() as session:
        person = await session.scalar(select(Account).where(Account.handle_key == actor))
        live = list(
            await session.scalars(
                select(Post).where(Post.origin == "mastodon", Post.deleted_at.is_(None))
            )
        )
    assert person is not None and person.handle == "freon@letsalllovela.in"
    assert live == []


async def test_analytics_split_people_posts_and_answers_by_network(
    db: Database, host: Account, make_session: MakeSession, make_account: Any, store: Any
) -> None:
    from hashchat.analytics import service as analytics
    from hashchat.analytics.pages import figures_entity
    from hashchat.directory.models import Chat
    from hashchat.posts import service as posts
    from tests.bridges.conftest import bluesky_post

    live: ChatSession = await make_session()
    await questions.ask_now(db=db, actor=host, session_id=live.id, text="First?")
    here = await make_account("localperson")
    await posts.create_post(db=db, author=here, text="A1: from here #HostChat")
    await store(bluesky_post("A1: from Bluesky #HostChat", rkey="b1"))
    await store(bluesky_post("and more #HostChat", rkey="b2"))
    async with db.write() as session:
        await ingest.apply(
            session, SERVER, [Seen("update", toot("701", "<p>A1: from Mastodon #HostChat</p>"))],
            tags=TagCache(), now=utcnow(),
        )  # fmt: skip
    async with db.read() as session:
        chat = await session.get(Chat, live.chat_id)
        assert chat is not None
        figures = await analytics.session_figures(session, live, chat)
    split = figures_entity(figures)["by_network"]
    assert split == {
        "bluesky": {"people": 1, "posts": 2, "answers": 1},
        "hashchat": {"people": 2, "posts": 2, "answers": 1},  # the host's Q1, and an answer
        "mastodon": {"people": 1, "posts": 1, "answers": 1},
    }
    assert figures.participants == 4 and figures.posts == 5


async def test_mastodon_clients_see_the_remote_status_it_is(db: Database, client: Any) -> None:
    async with db.write() as session:
        await ingest.apply(
            session, SERVER, [Seen("update", toot("801", "<p>seen #HostChat</p>"))],
            tags=TagCache(), now=utcnow(),
        )  # fmt: skip
    timeline = (await client.get("/api/v1/timelines/tag/HostChat")).json()
    assert len(timeline) == 1
    status = timeline[0]
    assert status["uri"] == status["url"] == "https://letsalllovela.in/objects/801"
    assert status["origin"] == {"network": "mastodon", "uri": status["uri"], "url": status["url"]}
    assert status["account"]["acct"] == "freon@letsalllovela.in"
    assert status["account"]["uri"] == "https://letsalllovela.in/users/freon"
    assert status["account"]["url"] == "https://letsalllovela.in/users/freon"
