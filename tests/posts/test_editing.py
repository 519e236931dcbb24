"""Editing a post the Mastodon way: PUT /api/v1/statuses/:id changes it in place, keeps every
version (/history) and edited_at, gives the source back (/source), moves it between hashtag
timelines, tells its viewers (status.update on the streams of its hashtags before and after)
and those who reposted it (an ``update`` notification). Only its author may; bad text changes
nothing."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from sqlalchemy import select

from hashchat.posts import service
from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth


async def test_an_edit_keeps_its_history_and_moves_between_hashtags(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya")
    kai = await make_account("kai")
    token = auth(await token_for(maya))
    post = await service.create_post(db=db, author=maya, text="A1: tea #teachat")
    original_html = post.content_html
    await service.reblog(db=db, account=kai, post_id=post.id)
    edited = await client.put(
        f"/api/v1/statuses/{post.id}",
        json={"status": "A1: coffee, @kai #coffeechat", "language": "en"},
        headers=token,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["text"] == "A1: coffee, @kai #coffeechat" and body["edited_at"].endswith("Z")
    assert [t["name"] for t in body["tags"]] == ["coffeechat"]
    assert [m["username"] for m in body["mentions"]] == ["kai"]
    assert body["language"] == "en" and body["favourited"] is False
    again = await client.put(f"/api/v1/statuses/{post.id}", data={"status": "A1: water"},
                             headers=token)  # fmt: skip
    assert again.json()["language"] == "en"  # kept when not given
    history = (await client.get(f"/api/v1/statuses/{post.id}/history")).json()
    assert [h["content"] for h in history] == [
        original_html,
        body["content"],
        "<p>A1: water</p>",
    ]
    assert history[0]["created_at"] < history[1]["created_at"] <= history[2]["created_at"]
    source = await client.get(f"/api/v1/statuses/{post.id}/source", headers=token)
    assert source.json() == {"id": str(post.id), "text": "A1: water", "spoiler_text": ""}
    assert (await client.get("/api/v1/timelines/tag/teachat")).json() == []
    # The status.update of each edit went to the streams of the hashtags it left and joined.
    async with db.read() as session:
        rows = await session.execute(
            select(EventRow.id, EventRow.payload, EventStream.stream)
            .join(EventStream, EventStream.event_id == EventRow.id)
            .where(EventRow.kind == "status.update")
            .order_by(EventRow.id)
        )
        updates: dict[int, tuple[str, set[str]]] = {}
        for event_id, payload, stream in rows:
            updates.setdefault(event_id, (orjson.loads(payload)["text"], set()))[1].add(stream)
    first = next(v for v in updates.values() if v[0] == "A1: coffee, @kai #coffeechat")
    assert {"tag:teachat", "tag:coffeechat", "public", f"account:{maya.id}"} <= first[1]
    # Kai reposted it: told of each edit; and mentioned by the first one, which says so.
    told = (await client.get("/api/v1/notifications", headers=auth(await token_for(kai)))).json()
    assert [n["type"] for n in told] == ["update", "update", "mention"]
    history_of_new = (await client.get(f"/api/v1/statuses/{post.id}/history")).json()
    assert len(history_of_new) == 3


async def test_only_the_author_edits_and_bad_edits_change_nothing(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya")
    kai = await make_account("kai")
    post = await service.create_post(db=db, author=maya, text="original")
    repost = await service.reblog(db=db, account=kai, post_id=post.id)
    never = (await client.get(f"/api/v1/statuses/{post.id}/history")).json()
    assert [h["content"] for h in never] == ["<p>original</p>"]
    kai_token, maya_token = auth(await token_for(kai)), auth(await token_for(maya))
    url = f"/api/v1/statuses/{post.id}"
    assert (await client.put(url, json={"status": "mine"}, headers=kai_token)).status_code == 403
    assert (
        await client.put(f"/api/v1/statuses/{repost.id}", json={"status": "x"}, headers=kai_token)
    ).status_code == 422
    too_long = await client.put(url, json={"status": "x" * 300}, headers=maya_token)
    assert too_long.status_code == 422 and too_long.json()["field"] == "status"
    empty = await client.put(url, json={"status": "  "}, headers=maya_token)
    assert empty.status_code == 422
    poll = await client.put(url, json={"status": "x", "poll": {"options": ["a", "b"]}},
                            headers=maya_token)  # fmt: skip
    assert poll.status_code == 422 and poll.json()["field"] == "poll"
    assert (
        await client.get(f"/api/v1/statuses/{post.id}/source", headers=kai_token)
    ).status_code == 404
    assert (await client.put("/api/v1/statuses/99999", json={"status": "x"},
                             headers=maya_token)).status_code == 404  # fmt: skip
    assert (await client.put(url, json={"status": "x"})).status_code == 401
    unchanged = (await client.get(url)).json()
    assert unchanged["text"] == "original" and unchanged["edited_at"] is None
    assert len((await client.get(f"{url}/history")).json()) == 1
