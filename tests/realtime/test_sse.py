"""The SSE streams over a real HTTP connection: live posts, heartbeats, resume with
Last-Event-ID, the mixer's several tags, and errors before the stream opens."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.realtime.conftest import sse

pytestmark = pytest.mark.usefixtures("delivery")


async def test_posts_arrive_live_with_their_ids(
    server: str, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("live")
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=EdChat") as stream:
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        post = await service.create_post(db=db, author=author, text="Q1 #edchat")
        await service.create_post(db=db, author=author, text="elsewhere #other")
        event = await stream.until("update")
        assert event.id == str(post.id)
        assert json.loads(event.data)["content"].startswith("<p>Q1")
        await service.favourite(db=db, account=author, post_id=post.id)
        counts = await stream.until("status.update")
        assert json.loads(counts.data)["favourites_count"] == 1
        await service.delete_post(db=db, actor=author, post_id=post.id)
        deleted = await stream.until("delete")
        assert deleted.data == str(post.id)


async def test_heartbeats_keep_an_idle_stream_alive(server: str, app: Any) -> None:
    app.state.runtime.settings.stream_heartbeat = 0.1
    async with sse(f"{server}/api/v1/streaming/public") as stream:
        await asyncio.sleep(0.45)
        assert stream.comments.count("thump") >= 2


async def test_reconnecting_with_last_event_id_gets_exactly_what_was_missed(
    server: str, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("resumer")
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=resume") as stream:
        seen = await service.create_post(db=db, author=author, text="seen #resume")
        assert (await stream.until("update")).id == str(seen.id)
    missed = [
        await service.create_post(db=db, author=author, text=f"missed {i} #resume")
        for i in range(3)
    ]
    await service.create_post(db=db, author=author, text="not this tag #other")
    headers = {"Last-Event-ID": str(seen.id)}
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=resume", headers=headers) as stream:
        replayed = [await stream.until("update") for _ in missed]
        assert [e.id for e in replayed] == [str(p.id) for p in missed]
        live = await service.create_post(db=db, author=author, text="live again #resume")
        assert (await stream.until("update")).id == str(live.id)
        assert stream.events.empty()


async def test_the_mixer_sends_a_post_in_two_of_its_chats_once(
    server: str, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("mixer")
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=a1chat&tag=b2chat") as stream:
        both = await service.create_post(db=db, author=author, text="#a1chat #b2chat")
        only_b = await service.create_post(db=db, author=author, text="#b2chat")
        first, second = await stream.until("update"), await stream.until("update")
        assert [first.id, second.id] == [str(both.id), str(only_b.id)]


async def test_bad_requests_are_refused_before_the_stream_opens(
    server: str, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    author = await make_account("errors")
    post = await service.create_post(db=db, author=author, text="x")
    async with httpx.AsyncClient(base_url=server) as client:
        cases = [
            ("/api/v1/streaming/hashtag", {}, 422, "tag"),
            ("/api/v1/streaming/hashtag?tag=not%20a%20tag", {}, 422, "tag"),
            ("/api/v1/streaming/hashtag?tag=ok&since_id=abc", {}, 422, "since_id"),
            (f"/api/v1/streaming/hashtag?tag=ok&since_id={post.id + 50}", {}, 422, "since_id"),
            ("/api/v1/streaming/hashtag?tag=ok", {"Last-Event-ID": "-3"}, 422, "since_id"),
            ("/api/v1/streaming/user", {}, 401, None),
        ]
        for path, headers, status, field in cases:
            response = await client.get(path, headers=headers)
            assert response.status_code == status, (path, response.text)
            assert response.json()["field"] == field
    token = await token_for(author)
    async with sse(f"{server}/api/v1/streaming/user", headers=auth(token)) as stream:
        mine = await service.create_post(db=db, author=author, text="on my home stream")
        assert (await stream.until("update")).id == str(mine.id)


async def test_the_fast_path_writes_to_the_socket(
    server: str, app: Any, delivery: str, db: Database, make_account: MakeAccount
) -> None:
    from tests.realtime.conftest import viewers_of

    author = await make_account("fastpath")
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=fast") as stream:
        post = await service.create_post(db=db, author=author, text="#fast")
        assert (await stream.until("update")).id == str(post.id)
        (viewer,) = viewers_of(app)
        assert (viewer.transport is not None) == (delivery == "direct")


async def test_the_public_streams_skip_the_framework_and_answer_as_it_does(
    app: Any, db: Database, make_account: MakeAccount
) -> None:
    """The hashtag and public streams are served straight from the ASGI server (the app's
    ``__call__``), not through FastAPI's routing and middleware; their errors must read exactly
    as the documented routes' do. The framework's middleware gives every response a CSRF
    cookie; the direct path, which needs none, gives none: that is how to tell them apart."""
    from fastapi import FastAPI

    from hashchat.realtime.api import public_stream

    author = await make_account("direct")
    post = await service.create_post(db=db, author=author, text="x")

    async def framework(scope: Any, receive: Any, send: Any) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    cases = [
        ("/api/v1/streaming/hashtag", {}),
        ("/api/v1/streaming/hashtag/local?tag=", {}),
        ("/api/v1/streaming/hashtag?tag=not%20a%20tag", {}),
        ("/api/v1/streaming/hashtag?" + "&".join(f"tag=t{i}" for i in range(200)), {}),
        ("/api/v1/streaming/hashtag?tags=a,b&since_id=abc", {}),
        (f"/api/v1/streaming/hashtag?tag=ok&since_id={post.id + 50}", {}),
        ("/api/v1/streaming/public/local", {"Last-Event-ID": "-3"}),
    ]

    def client(asgi: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://t")

    for path, headers in cases:
        scope = {"type": "http", "method": "GET", "path": path.split("?")[0]}
        assert public_stream(scope) is not None, path
        # A new client each time, with no cookie: the middleware then gives one every time.
        async with client(app) as direct, client(framework) as routed:
            fast, slow = (
                await direct.get(path, headers=headers),
                await routed.get(path, headers=headers),
            )
        assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), path
        assert fast.status_code == 422 and fast.json()["field"], path
        assert "set-cookie" in slow.headers and "set-cookie" not in fast.headers, path
    # Everything else still goes through the framework.
    for method, path in [("POST", "/api/v1/streaming/hashtag"), ("GET", "/api/v1/streaming/user"),
                         ("HEAD", "/api/v1/streaming/public"), ("GET", "/api/v1/streaming")]:  # fmt: skip
        assert public_stream({"type": "http", "method": method, "path": path}) is None
