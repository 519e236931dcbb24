"""A person's posts as apps ask for them: pinned ones (pin/unpin, at most five, only one's own),
only_media (none here), exclude_replies (replies to themselves stay: threads), exclude_reblogs
and tagged."""

from __future__ import annotations

from typing import Any

import httpx

from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth


async def _ids(client: httpx.AsyncClient, account_id: int, query: str, **kw: Any) -> list[str]:
    response = await client.get(f"/api/v1/accounts/{account_id}/statuses?{query}", **kw)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


async def test_pins_are_the_authors_own_and_shown_first_pinned(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya")
    kai = await make_account("kai")
    token = auth(await token_for(maya))
    posts = [await service.create_post(db=db, author=maya, text=f"post {i}") for i in range(7)]
    theirs = await service.create_post(db=db, author=kai, text="kai's")
    assert await _ids(client, maya.id, "pinned=true") == []  # not the newest posts
    for post in (posts[1], posts[3]):
        pinned = await client.post(f"/api/v1/statuses/{post.id}/pin", headers=token)
        assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    again = await client.post(f"/api/v1/statuses/{posts[3].id}/pin", headers=token)
    assert again.status_code == 200
    assert await _ids(client, maya.id, "pinned=true") == [str(posts[3].id), str(posts[1].id)]
    seen = (await client.get(f"/api/v1/statuses/{posts[1].id}", headers=token)).json()
    assert seen["pinned"] is True
    other = await client.post(f"/api/v1/statuses/{theirs.id}/pin", headers=token)
    assert other.status_code == 422
    for post in posts[4:7]:
        await client.post(f"/api/v1/statuses/{post.id}/pin", headers=token)
    sixth = await client.post(f"/api/v1/statuses/{posts[0].id}/pin", headers=token)
    assert sixth.status_code == 422 and "at most 5" in sixth.json()["error"]
    unpinned = await client.post(f"/api/v1/statuses/{posts[3].id}/unpin", headers=token)
    assert unpinned.json()["pinned"] is False
    assert str(posts[3].id) not in await _ids(client, maya.id, "pinned=true")
    await service.delete_post(db=db, actor=maya, post_id=posts[1].id)
    assert str(posts[1].id) not in await _ids(client, maya.id, "pinned=true")
    assert (await client.post(f"/api/v1/statuses/{posts[0].id}/pin")).status_code == 401


async def test_replies_reposts_media_and_tags(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    maya = await make_account("maya")
    kai = await make_account("kai")
    root = await service.create_post(db=db, author=maya, text="a thread #books")
    own_reply = await service.create_post(db=db, author=maya, text="2/2", in_reply_to_id=root.id)
    theirs = await service.create_post(db=db, author=kai, text="hi")
    reply = await service.create_post(db=db, author=maya, text="@kai hi", in_reply_to_id=theirs.id)
    repost = await service.reblog(db=db, account=maya, post_id=theirs.id)
    everything = await _ids(client, maya.id, "")
    assert everything == [str(p.id) for p in (repost, reply, own_reply, root)]
    assert await _ids(client, maya.id, "exclude_replies=true") == [
        str(repost.id), str(own_reply.id), str(root.id)
    ]  # fmt: skip
    assert await _ids(client, maya.id, "exclude_reblogs=true&exclude_replies=true") == [
        str(own_reply.id), str(root.id)
    ]  # fmt: skip
    assert await _ids(client, maya.id, "tagged=BOOKS") == [str(root.id)]
    assert await _ids(client, maya.id, "tagged=nothing") == []
    assert await _ids(client, maya.id, "only_media=true") == []
