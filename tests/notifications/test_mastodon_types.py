"""People hear when someone replies to them, mentions them, reposts or likes their post,
follows them, posts (when asked), edits what they reposted, or when a poll they took part in
ends: Mastodon's notification types, written with what they tell about, filtered by
``types[]``/``exclude_types[]``, silenced by mutes and blocks, and sent on the person's stream
as ``notification`` events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from hashchat.accounts.models import AccountBlock, AccountMute
from hashchat.notifications.polls import notify_ended_polls
from hashchat.posts import service
from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth, csrf_from


async def _listed(client: httpx.AsyncClient, token: dict[str, str], query: str = "") -> Any:
    response = await client.get(f"/api/v1/notifications{query}", headers=token)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_reply_and_a_mention_notify_with_the_post(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    lena = await make_account("lena")
    maya = await make_account("maya")
    kai = await make_account("kai")
    question = await service.create_post(db=db, author=lena, text="Q1: how do you start? #wc")
    reply = await service.create_post(
        db=db, author=maya, text="A1: with coffee, ask @kai too #wc", in_reply_to_id=question.id
    )
    await service.create_post(db=db, author=maya, text="talking to myself @maya")
    for person, handle in [(lena, "lena"), (kai, "kai")]:
        got = await _listed(client, auth(await token_for(person)))
        assert [n["type"] for n in got] == ["mention"], handle
        assert got[0]["account"]["username"] == "maya"
        assert got[0]["status"]["id"] == str(reply.id)
        assert got[0]["status"]["favourited"] is False  # rendered for the reader
    assert await _listed(client, auth(await token_for(maya))) == []
    # The person's stream carries it as Mastodon's "notification" event.
    async with db.read() as session:
        rows = await session.execute(
            select(EventRow.kind, EventRow.payload)
            .join(EventStream, EventStream.event_id == EventRow.id)
            .where(EventStream.stream == f"user:{lena.id}")
        )
        events = [(kind, orjson.loads(payload)) for kind, payload in rows]
    assert [(k, p["type"], p["status"]["id"]) for k, p in events] == [
        ("notification", "mention", str(reply.id))
    ]
    # A deleted post takes its notifications with it.
    await service.delete_post(db=db, actor=maya, post_id=reply.id)
    assert await _listed(client, auth(await token_for(kai))) == []


async def test_reposts_likes_follows_and_posts_of_people_followed_with_notify(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya")
    kai = await make_account("kai")
    maya_token, kai_token = auth(await token_for(maya)), auth(await token_for(kai))
    post = await service.create_post(db=db, author=maya, text="Q2: what next? #wc")
    await client.post(f"/api/v1/statuses/{post.id}/reblog", headers=kai_token)
    await client.post(f"/api/v1/statuses/{post.id}/favourite", headers=kai_token)
    await client.post(f"/api/v1/statuses/{post.id}/favourite", headers=kai_token)  # no-op twice
    await client.post(f"/api/v1/statuses/{post.id}/favourite", headers=maya_token)  # own: no
    followed = await client.post(
        f"/api/v1/accounts/{maya.id}/follow", json={"notify": True}, headers=kai_token
    )
    assert followed.json()["notifying"] is True and followed.json()["following"] is True
    got = await _listed(client, maya_token)
    assert [n["type"] for n in got] == ["follow", "favourite", "reblog"]
    assert {n["account"]["username"] for n in got} == {"kai"}
    assert got[0]["status"] is None and got[1]["status"]["id"] == str(post.id)
    new = await service.create_post(db=db, author=maya, text="a new post")
    told = await _listed(client, kai_token)
    assert [(n["type"], n["status"]["id"]) for n in told] == [("status", str(new.id))]
    # types[] and exclude_types[]; types this server never sends are no error.
    only = await _listed(client, maya_token, "?types[]=favourite&types[]=follow")
    assert [n["type"] for n in only] == ["follow", "favourite"]
    without = await _listed(
        client, maya_token, "?exclude_types[]=follow&exclude_types[]=follow_request"
        "&exclude_types[]=admin.sign_up"
    )  # fmt: skip
    assert [n["type"] for n in without] == ["favourite", "reblog"]
    assert await _listed(client, maya_token, "?types[]=follow_request") == []
    count = await client.get(
        "/api/v1/notifications/unread_count?types[]=reblog", headers=maya_token
    )
    assert count.json() == {"count": 1}


async def test_mutes_and_blocks_silence_notifications(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    lena = await make_account("lena")
    pest = await make_account("pest")
    blocked = await make_account("blocked")
    quiet = await make_account("quiet")
    post = await service.create_post(db=db, author=lena, text="hello")
    async with db.write() as session:
        session.add(AccountMute(account_id=lena.id, target_id=pest.id, notifications=True))
        session.add(AccountBlock(account_id=blocked.id, target_id=lena.id))  # they blocked her
        # muted without notifications: still heard, and a mute that ran out is no mute
        session.add(AccountMute(account_id=lena.id, target_id=quiet.id, notifications=False))
    for who in (pest, blocked, quiet):
        await service.create_post(db=db, author=who, text="hi @lena", in_reply_to_id=post.id)
    got = await _listed(client, auth(await token_for(lena)))
    assert [n["account"]["username"] for n in got] == ["quiet"]


async def test_an_ended_poll_notifies_its_author_and_voters_once(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya")
    kai = await make_account("kai")
    lurker = await make_account("lurker")
    maya_token, kai_token = auth(await token_for(maya)), auth(await token_for(kai))
    posted = await client.post(
        "/api/v1/statuses",
        json={"status": "Tea or coffee? #wc", "poll": {"options": ["tea", "coffee"],
                                                       "expires_in": 300}},
        headers=maya_token,
    )  # fmt: skip
    poll = posted.json()["poll"]
    voted = await client.post(f"/api/v1/polls/{poll['id']}/votes", json={"choices": [1]},
                              headers=kai_token)  # fmt: skip
    assert voted.status_code == 200, voted.text
    told, upcoming = await notify_ended_polls(db=db, now=utcnow())
    assert told == 0 and upcoming is not None
    later = utcnow() + timedelta(minutes=6)
    assert (await notify_ended_polls(db=db, now=later))[0] == 1
    assert (await notify_ended_polls(db=db, now=later))[0] == 0  # once
    for token in (maya_token, kai_token):
        got = await _listed(client, token, "?types[]=poll")
        assert len(got) == 1 and got[0]["status"]["poll"]["options"][1]["votes_count"] == 1
        assert got[0]["account"]["username"] == "maya"
    assert await _listed(client, auth(await token_for(lurker))) == []


async def test_the_page_says_what_happened(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    lena = await make_account("lena")
    maya = await make_account("maya")
    post = await service.create_post(db=db, author=lena, text="Q1: hello #wc")
    await service.create_post(db=db, author=maya, text="A1: <b>hi</b>", in_reply_to_id=post.id)
    await service.favourite(db=db, account=maya, post_id=post.id)
    page = await client.get("/login")
    await client.post(
        "/login",
        data={"login": "lena", "password": "correct horse battery",
              "csrf_token": csrf_from(page.text)},
    )  # fmt: skip
    text = (await client.get("/notifications")).text
    assert "@maya replied to your post" in text and "@maya liked your post" in text
    assert "A1: &lt;b&gt;hi&lt;/b&gt;" in text and "<b>hi</b>" not in text
