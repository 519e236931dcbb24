"""What real Mastodon servers answer that hashchat's own answers do not show: a streaming host
on another domain, remote accounts and tags in documented Status entities, edits and deletes
as the streaming API frames them, a post seen through two servers, 401 on a hashtag stream
without a token, 429 with its X-RateLimit-* headers. Served by a small stand-in server (real
HTTP and WebSocket) speaking the documented shapes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from hashchat.bridges.mastodon import client, ingest, instance
from hashchat.bridges.mastodon.ingest import Seen
from hashchat.bridges.mastodon.streams import websocket
from hashchat.errors import RateLimited
from hashchat.posts.batch import TagCache
from hashchat.posts.models import Post
from hashchat.realtime.models import EventRow
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.bridges.mastodon import documented
from tests.services import free_port


class StandIn:
    """An API host (127.0.0.1) whose instance names its streaming host on another name
    (localhost), as mastodon.social names streaming.mastodon.social."""

    def __init__(self) -> None:
        self.api_port, self.stream_port = free_port(), free_port()
        self.limited = 0
        self.frames: list[str] = []
        self.seen_headers: list[dict[str, str]] = []

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def streaming(self) -> str:
        return f"ws://localhost:{self.stream_port}"

    def api_app(self) -> Starlette:
        async def instance_v2(request: Request) -> JSONResponse:
            return JSONResponse(documented.instance_v2(self.streaming, 11000))

        async def timeline(request: Request) -> JSONResponse:
            if self.limited:
                self.limited -= 1
                reset = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
                return JSONResponse(
                    {"error": "Too many requests"},
                    status_code=429,
                    headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                             "X-RateLimit-Reset": reset.replace("+00:00", "Z")},
                )  # fmt: skip
            return JSONResponse([])

        return Starlette(
            routes=[
                Route("/api/v2/instance", instance_v2),
                Route("/api/v1/timelines/tag/{tag}", timeline),
            ]
        )

    def stream_app(self) -> Starlette:
        async def stream(ws: WebSocket) -> None:
            self.seen_headers.append(dict(ws.headers))
            if ws.headers.get("authorization") != "Bearer good":
                # Mastodon 4.2+: a hashtag stream needs a user's token.
                await ws.send_denial_response(
                    JSONResponse({"error": "Missing access token"}, status_code=401)
                )
                return
            await ws.accept()
            subscribe = await ws.receive_json()
            assert subscribe == {"type": "subscribe", "stream": "hashtag", "tag": "EdChat"}
            for item in self.frames:
                await ws.send_text(item)
            await ws.close()

        return Starlette(routes=[WebSocketRoute("/api/v1/streaming", stream)])


@pytest.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    server = StandIn()
    servers = [
        uvicorn.Server(uvicorn.Config(server.api_app(), port=server.api_port, log_level="error")),
        uvicorn.Server(
            uvicorn.Config(server.stream_app(), port=server.stream_port, log_level="error")
        ),
    ]
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        await asyncio.sleep(0.02)
    yield server
    for s in servers:
        s.should_exit = True
    for task in tasks:
        with contextlib.suppress(Exception):
            await task


async def test_the_streaming_host_can_be_another_domain(stand_in: StandIn) -> None:
    found = await instance.describe(stand_in.api)
    assert found == instance.Instance(stand_in.streaming, 11000)
    # v1 before Mastodon 4.0, and a description without one
    v1 = {"urls": {"streaming_api": "wss://streaming.example"}, "max_toot_chars": 5000}
    assert instance.parse("https://x.example", None, v1) == instance.Instance(
        "wss://streaming.example", 5000
    )
    assert instance.parse("https://x.example", {}, {}) == instance.Instance("wss://x.example", 500)


async def test_a_hashtag_stream_without_a_token_is_401(stand_in: StandIn) -> None:
    with pytest.raises(client.Revoked):
        async for _ in websocket(stand_in.streaming, "EdChat", "revoked"):
            pass
    assert stand_in.seen_headers[-1]["authorization"] == "Bearer revoked"  # header, not URL


async def test_documented_frames_store_edit_and_delete(db: Database, stand_in: StandIn) -> None:
    first = documented.status()
    edited = documented.status(
        content="<p>A1: edited, still <a>#EdChat</a></p>", edited_at="2022-08-30T23:07:00Z"
    )
    stand_in.frames = [
        documented.frame("update", first),
        documented.frame("filters_changed", "undefined"),
        documented.frame("status.update", edited),
        documented.frame("delete", first["id"]),
    ]
    got = [s async for s in websocket(stand_in.streaming, "EdChat", "good")]
    assert got[0] is None  # open
    assert [s.event for s in got[1:] if s] == ["update", "status.update", "delete"]
    tags = TagCache()
    async with db.write() as session:
        counts = await ingest.apply(session, stand_in.api, got[1:2], tags=tags, now=utcnow())
    assert counts["stored"] == 1
    async with db.read() as session:
        post = await session.scalar(select(Post).where(Post.origin_uri == first["uri"]))
    assert post is not None
    assert post.text == "A1: glad i was able to help #EdChat"
    assert post.origin_url == first["url"]
    async with db.write() as session:
        await ingest.apply(session, stand_in.api, got[2:3], tags=tags, now=utcnow())
    async with db.read() as session:
        again = await session.get(Post, post.id)
        updates = list(
            await session.scalars(select(EventRow).where(EventRow.kind == "status.update"))
        )
    assert again is not None and again.text == "A1: edited, still #EdChat"
    assert len(updates) == 1 and "edited, still" in updates[0].payload
    async with db.write() as session:
        await ingest.apply(session, stand_in.api, got[3:4], tags=tags, now=utcnow())
    async with db.read() as session:
        gone = await session.get(Post, post.id)
    assert gone is not None and gone.deleted_at is not None


async def test_a_post_seen_through_two_servers_is_stored_once(db: Database) -> None:
    tags = TagCache()
    one = documented.status(id="111")
    two = documented.status(id="999")  # the same uri, as another server numbers it
    private = documented.status(id="5", uri="https://x.example/p/5", visibility="direct")
    boost = {**documented.status(id="6", uri="https://x.example/p/6"), "reblog": one}
    async with db.write() as session:
        a = await ingest.apply(
            session, "https://a.example", [Seen("update", one), Seen("update", private)],
            tags=tags, now=utcnow(),
        )  # fmt: skip
        b = await ingest.apply(
            session, "https://b.example", [Seen("update", two), Seen("update", boost)],
            tags=tags, now=utcnow(),
        )  # fmt: skip
    assert (a["stored"], b["stored"]) == (1, 0)
    async with db.read() as session:
        stored = list(await session.scalars(select(Post).where(Post.origin == "mastodon")))
    assert len(stored) == 1
    # Deleted as server b numbers it: gone everywhere.
    async with db.write() as session:
        done = await ingest.apply(
            session, "https://b.example", [Seen("delete", "999")], tags=tags, now=utcnow()
        )
    assert done["deleted"] == 1


async def test_a_429_waits_for_its_reset(stand_in: StandIn) -> None:
    stand_in.limited = 1
    budget = client.Budget()
    with pytest.raises(RateLimited) as caught:
        await client.call(stand_in.api, "GET", "/api/v1/timelines/tag/EdChat", token="good",
                          spend=budget)  # fmt: skip
    assert 1 <= caught.value.retry_after <= 3
    key = client.key_of(stand_in.api, "good")
    assert budget.wait_for(key) > 0.5  # the next call waits for the reset
    assert "good" not in key  # the key names no token


def test_the_budget_is_300_requests_in_5_minutes() -> None:
    budget = client.Budget()
    key = "https://a.example x"
    for n in range(300):
        assert budget.wait_for(key, now=float(n)) == 0
        budget.spent[key].append(float(n))
    assert budget.wait_for(key, now=300.0) == pytest.approx(0.0)  # the first has left
    budget.spent[key].appendleft(1.0)
    assert budget.wait_for(key, now=299.0) > 0


def test_reset_after_reads_mastodons_iso_time() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    headers = httpx.Headers({"X-RateLimit-Reset": "2026-01-01T00:05:00.000Z"})
    assert client.reset_after(headers, now) == 300
    assert client.reset_after(httpx.Headers({"Retry-After": "7"}), now) == 7
    assert client.reset_after(httpx.Headers({}), now) == 60
