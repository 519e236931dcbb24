"""Hosts by consent, and who may moderate a room: mallory lists a chat naming maya as its host;
maya is only invited until she accepts (and can decline). Listing a hashtag gives no say over
other people's posts until an admin approves it, or unless its host had used the hashtag
before listing it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from hashchat.directory.models import Chat
from hashchat.hosting import roles
from hashchat.notifications.models import Notification
from hashchat.posts import service as posts
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.hosting.test_pages import log_in

LISTING = {
    "title": "Popular", "starts_on": "2026-01-07", "start_time": "20:00",
    "time_zone": "Europe/London", "duration_minutes": 60, "repeat": "weekly", "weekday": "WE",
}  # fmt: skip


async def hosts_of(client: httpx.AsyncClient, tag: str) -> list[str]:
    chat = (await client.get(f"/api/v1/chats/{tag}")).json()
    return [h["account"]["acct"] for h in chat["hosts"]]


async def test_a_named_host_must_accept_before_the_role_takes_effect(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    mallory, maya, lena = [await make_account(h) for h in ("mallory", "maya", "lena")]
    listed = await client.post(
        "/api/v1/chats", headers=auth(await token_for(mallory)),
        json={**LISTING, "hashtag": "Popular", "hosts": ["maya", "mallory", "lena"]},
    )  # fmt: skip
    assert listed.status_code == 201, listed.text
    maya_account, lena_account = maya, lena
    assert await hosts_of(client, "Popular") == ["mallory"]
    async with db.read() as session:
        chat = await session.scalar(select(Chat).where(Chat.tag_key == "popular"))
        assert chat is not None
        assert not await roles.can(session, chat.id, maya_account, "run")
        told = await session.scalar(
            select(Notification.text).where(Notification.account_id == maya_account.id)
        )
    assert told is not None and "@mallory named you a host of #Popular" in told

    maya_token = await token_for(maya_account)
    accepted = await client.post("/api/v1/chats/Popular/hosts/accept", headers=auth(maya_token))
    assert accepted.status_code == 200, accepted.text
    assert await hosts_of(client, "Popular") == ["maya", "mallory"]
    async with db.read() as session:
        assert chat is not None and await roles.can(session, chat.id, maya_account, "run")
    again = await client.post("/api/v1/chats/Popular/hosts/accept", headers=auth(maya_token))
    assert again.status_code == 404 and again.json()["field"] == "hashtag"

    lena_token = await token_for(lena_account)
    declined = await client.post("/api/v1/chats/Popular/hosts/decline", headers=auth(lena_token))
    assert declined.status_code == 200
    assert await hosts_of(client, "Popular") == ["maya", "mallory"]
    gone = await client.post("/api/v1/chats/Popular/hosts/accept", headers=auth(lena_token))
    assert gone.status_code == 404


async def test_an_invited_host_accepts_from_the_chats_page(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    mallory = await make_account("mallory")
    await make_account("maya")
    await client.post(
        "/api/v1/chats", headers=auth(await token_for(mallory)),
        json={**LISTING, "hashtag": "Popular", "hosts": ["mallory", "maya"]},
    )  # fmt: skip
    token = await log_in(client, "maya")
    page = (await client.get("/chats/Popular")).text
    assert "@mallory named you a co-host of #Popular" in page
    done = await client.post("/chats/Popular/hosts/accept", data={"csrf_token": token})
    assert done.status_code == 303
    page = (await client.get("/chats/Popular")).text
    assert "named you" not in page and "(co-host)" in page


async def test_room_moderation_waits_until_the_listing_is_vouched_for(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    mallory, fan = await make_account("mallory"), await make_account("fan")
    admin = await make_account("adminna", role="admin")
    post = await posts.create_post(db=db, author=fan, text="I love it #Popular")
    mallory_token = await token_for(mallory)
    await client.post("/api/v1/chats", headers=auth(mallory_token),
                      json={**LISTING, "hashtag": "Popular"})  # fmt: skip
    hide = f"/api/v1/chats/Popular/moderation/statuses/{post.id}/hide"
    refused = await client.post(hide, headers=auth(mallory_token))
    assert refused.status_code == 403
    assert "once an admin approves the listing" in refused.json()["error"]
    mute = await client.post(f"/api/v1/chats/Popular/moderation/accounts/{fan.id}/mute",
                             headers=auth(mallory_token), json={})  # fmt: skip
    assert mute.status_code == 403
    assert [s["id"] for s in (await client.get("/api/v1/timelines/tag/Popular")).json()] == [
        str(post.id)
    ]
    # An admin looks and vouches for it: now its host moderates.
    vouched = await client.post("/api/v1/chats/Popular/review", headers=auth(
        await token_for(admin)), json={"decision": "approve"})  # fmt: skip
    assert vouched.status_code == 200, vouched.text
    assert (await client.post(hide, headers=auth(mallory_token))).status_code == 200
    assert (await client.get("/api/v1/timelines/tag/Popular")).json() == []

    # A host who had used their hashtag before listing it moderates at once.
    regular = await make_account("regular")
    await posts.create_post(db=db, author=regular, text="Who is in for #KnitChat tonight?")
    rude = await posts.create_post(db=db, author=fan, text="spam #KnitChat")
    token = await token_for(regular)
    await client.post("/api/v1/chats", headers=auth(token), json={**LISTING,
                      "hashtag": "KnitChat", "title": "Knitting"})  # fmt: skip
    hidden = await client.post(
        f"/api/v1/chats/KnitChat/moderation/statuses/{rude.id}/hide", headers=auth(token)
    )
    assert hidden.status_code == 200, hidden.text
