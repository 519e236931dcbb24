"""Account mutes and blocks, as apps set them: the muted person's posts and reposts of them
leave the muter's timelines and the live room, their notifications stop (unless the mute keeps
them), a mute can run out; a block works both ways and ends follows. And the lists apps show:
mutes, blocks, bookmarks, favourites."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import time_machine

from hashchat.accounts import service as accounts
from hashchat.posts import service
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth


async def _texts(client: httpx.AsyncClient, path: str, token: dict[str, str]) -> list[str]:
    response = await client.get(path, headers=token)
    assert response.status_code == 200, response.text
    return [s["text"] or s["reblog"]["text"] for s in response.json()]


async def test_a_mute_hides_posts_reposts_and_notifications_until_it_ends(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    me = await make_account("me")
    loud = await make_account("loud")
    friend = await make_account("friend")
    token = auth(await token_for(me))
    await accounts.follow(db=db, follower_id=me.id, followee_id=friend.id)
    await accounts.follow(db=db, follower_id=me.id, followee_id=loud.id)
    noisy = await service.create_post(db=db, author=loud, text="LOUD #room")
    await service.reblog(db=db, account=friend, post_id=noisy.id)
    await service.create_post(db=db, author=friend, text="calm #room")
    muted = await client.post(f"/api/v1/accounts/{loud.id}/mute", json={"duration": 3600},
                              headers=token)  # fmt: skip
    assert muted.json()["muting"] is True and muted.json()["muting_notifications"] is True
    for path in ("/api/v1/timelines/home", "/api/v1/timelines/public",
                 "/api/v1/timelines/tag/room"):  # fmt: skip
        assert await _texts(client, path, token) == ["calm #room"], path
    # others still see them
    assert len(await _texts(client, "/api/v1/timelines/tag/room", {})) == 2
    room = await client.get("/live/room", headers=token)
    assert "LOUD" not in room.text and "calm" in room.text
    assert f'"silenced": ["{loud.id}"]' in room.text or f'"silenced":["{loud.id}"]' in room.text
    mine = await service.create_post(db=db, author=me, text="hello")
    await service.create_post(db=db, author=loud, text="@me hey", in_reply_to_id=mine.id)
    assert (await client.get("/api/v1/notifications", headers=token)).json() == []
    listed = await client.get("/api/v1/mutes", headers=token)
    assert [a["username"] for a in listed.json()] == ["loud"]
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        assert "LOUD #room" in await _texts(client, "/api/v1/timelines/tag/room", token)
        assert (await client.get("/api/v1/mutes", headers=token)).json() == []
    bad = await client.post(f"/api/v1/accounts/{loud.id}/mute", json={"duration": "soon"},
                            headers=token)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "duration"
    self_mute = await client.post(f"/api/v1/accounts/{me.id}/mute", headers=token)
    assert self_mute.status_code == 422
    await client.post(f"/api/v1/accounts/{loud.id}/unmute", headers=token)
    assert "LOUD #room" in await _texts(client, "/api/v1/timelines/tag/room", token)


async def test_a_block_works_both_ways_and_ends_follows(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    me = await make_account("me")
    troll = await make_account("troll")
    await accounts.follow(db=db, follower_id=me.id, followee_id=troll.id)
    await accounts.follow(db=db, follower_id=troll.id, followee_id=me.id)
    await service.create_post(db=db, author=troll, text="troll post #t")
    await service.create_post(db=db, author=me, text="my post #t")
    my_token, troll_token = auth(await token_for(me)), auth(await token_for(troll))
    blocked = (await client.post(f"/api/v1/accounts/{troll.id}/block", headers=my_token)).json()
    assert blocked["blocking"] is True and blocked["following"] is False
    assert blocked["followed_by"] is False
    me_now = (await client.get(f"/api/v1/accounts/{me.id}")).json()
    assert me_now["followers_count"] == 0 and me_now["following_count"] == 0
    assert await _texts(client, "/api/v1/timelines/tag/t", my_token) == ["my post #t"]
    assert await _texts(client, "/api/v1/timelines/tag/t", troll_token) == ["troll post #t"]
    seen_by_troll = (
        await client.get(
            "/api/v1/accounts/relationships", params={"id[]": me.id}, headers=troll_token
        )
    ).json()
    assert seen_by_troll[0]["blocked_by"] is True
    assert [
        a["username"] for a in (await client.get("/api/v1/blocks", headers=my_token)).json()
    ] == ["troll"]
    await client.post(f"/api/v1/accounts/{troll.id}/unblock", headers=my_token)
    assert len(await _texts(client, "/api/v1/timelines/tag/t", my_token)) == 2


async def test_bookmarks_and_favourites_lists(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    me = await make_account("me")
    other = await make_account("other")
    posts = [await service.create_post(db=db, author=other, text=f"p{i}") for i in range(3)]
    token = auth(await token_for(me))
    for post in posts:
        kept = await client.post(f"/api/v1/statuses/{post.id}/bookmark", headers=token)
        assert kept.json()["bookmarked"] is True
    await client.post(f"/api/v1/statuses/{posts[1].id}/unbookmark", headers=token)
    page = await client.get("/api/v1/bookmarks?limit=1", headers=token)
    assert [s["text"] for s in page.json()] == ["p2"] and 'rel="next"' in page.headers["link"]
    assert await _texts(client, "/api/v1/bookmarks", token) == ["p2", "p0"]
    assert await _texts(client, "/api/v1/bookmarks", auth(await token_for(other))) == []
    await service.favourite(db=db, account=me, post_id=posts[0].id)
    assert await _texts(client, "/api/v1/favourites", token) == ["p0"]
    assert (await client.get("/api/v1/bookmarks")).status_code == 401
