"""The WebSocket stream (Mastodon's protocol): subscribe and unsubscribe, several hashtags on
one connection, resume with since_id, errors that leave the connection usable, and limits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount

pytestmark = pytest.mark.usefixtures("delivery")


def connect(url: str, **kwargs: Any) -> Any:
    """Without compression, so that the fast path (raw frames to the socket) is the one used;
    one test below turns compression on."""
    kwargs.setdefault("compression", None)
    return websockets.connect(url, **kwargs)


def ws_url(server: str, query: str = "") -> str:
    return server.replace("http://", "ws://") + "/api/v1/streaming" + (f"?{query}" if query else "")


async def receive(ws: Any, timeout: float = 5.0) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return frame


async def test_subscribe_to_several_hashtags_on_one_connection(
    server: str, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("wsauthor")
    async with connect(ws_url(server)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "EdChat"}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "scichat"}))
        await asyncio.sleep(0.1)
        one = await service.create_post(db=db, author=author, text="Q1 #edchat")
        two = await service.create_post(db=db, author=author, text="A1 #SciChat")
        first, second = await receive(ws), await receive(ws)
        assert (first["stream"], first["event"], first["id"]) == (
            ["hashtag", "EdChat"],
            "update",
            str(one.id),
        )
        assert (second["stream"], second["id"]) == (["hashtag", "scichat"], str(two.id))
        assert json.loads(first["payload"])["id"] == str(one.id)
        await ws.send(json.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": "edchat"}))
        await asyncio.sleep(0.1)
        await service.create_post(db=db, author=author, text="muted #edchat")
        three = await service.create_post(db=db, author=author, text="still #scichat")
        assert (await receive(ws))["id"] == str(three.id)


async def test_initial_subscription_from_the_query_and_resume_with_since_id(
    server: str, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("wsresume")
    seen = await service.create_post(db=db, author=author, text="seen #wsr")
    missed = [await service.create_post(db=db, author=author, text=f"m{i} #wsr") for i in range(3)]
    query = f"stream=hashtag&tag=wsr&since_id={seen.id}"
    async with connect(ws_url(server, query)) as ws:
        got = [await receive(ws) for _ in missed]
        assert [f["id"] for f in got] == [str(p.id) for p in missed]
        live = await service.create_post(db=db, author=author, text="live #wsr")
        assert (await receive(ws))["id"] == str(live.id)


async def test_bad_messages_get_errors_and_the_connection_stays_usable(
    server: str, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("wsbad")
    async with connect(ws_url(server)) as ws:
        cases = [
            ("not json", None, "JSON"),
            (json.dumps(["a", "list"]), None, "JSON objects"),
            (json.dumps({"type": "dance"}), "type", "subscribe or unsubscribe"),
            (json.dumps({"type": "subscribe", "stream": "nonsense"}), "stream", "unknown stream"),
            (json.dumps({"type": "subscribe", "stream": "hashtag"}), "tag", "needs a tag"),
            (
                json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "two words"}),
                "tag",
                "not a hashtag",
            ),
            (
                json.dumps(
                    {"type": "subscribe", "stream": "hashtag", "tag": "ok", "since_id": "99999999"}
                ),
                "since_id",
                "future",
            ),
            (json.dumps({"type": "subscribe", "stream": "user"}), None, "token"),
            (
                json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "x" * 5000}),
                None,
                "at most 4096",
            ),
        ]
        for message, field, words in cases:
            await ws.send(message)
            error = await receive(ws)
            assert words in error["error"], (message[:60], error)
            assert error["field"] == field and error["status"] >= 400
        await ws.send(b"\x00binary")
        assert "text frames" in (await receive(ws))["error"]
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "stillworks"}))
        await asyncio.sleep(0.1)
        post = await service.create_post(db=db, author=author, text="#stillworks")
        assert (await receive(ws))["id"] == str(post.id)


async def test_too_many_subscriptions_and_oversized_frames(server: str) -> None:
    async with connect(ws_url(server)) as ws:
        for i in range(50):
            await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": f"t{i}"}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "onetoomany"}))
        assert "at most 50 subscriptions" in (await receive(ws))["error"]
    async with connect(ws_url(server), max_size=None) as ws:
        await ws.send("x" * 70_000)  # over the server's 64 KiB frame limit
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_foreign_origins_are_refused(server: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url(server), origin="https://evil.example"):  # type: ignore[arg-type]
            pass
    assert refused.value.response.status_code == 403
    same = server.replace("http://", "http://")
    async with connect(ws_url(server), origin=same) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "subscribe", "stream": "public"}))


async def test_tokens_authenticate_the_user_stream(
    server: str, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    author = await make_account("wsuser")
    token = await token_for(author)
    with pytest.raises(InvalidStatus):
        async with connect(ws_url(server, "access_token=forged")):
            pass
    async with connect(
        ws_url(server, "stream=user"), additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        await asyncio.sleep(0.1)
        post = await service.create_post(db=db, author=author, text="my own post")
        frame = await receive(ws)
        assert frame["stream"] == ["user"] and frame["id"] == str(post.id)
    async with connect(ws_url(server, "stream=user"), subprotocols=[token]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == token


async def test_a_compressed_connection_gets_the_same_frames(
    server: str, app: Any, db: Database, make_account: MakeAccount
) -> None:
    from tests.realtime.conftest import viewers_of

    author = await make_account("deflate")
    async with connect(ws_url(server, "stream=hashtag&tag=deflate"), compression="deflate") as ws:
        await asyncio.sleep(0.1)
        assert [v.transport for v in viewers_of(app)] == [None], "compressed: the ASGI path"
        post = await service.create_post(db=db, author=author, text="squeezed #deflate")
        assert (await receive(ws))["id"] == str(post.id)


async def test_an_uncompressed_connection_takes_the_fast_path(
    server: str, app: Any, delivery: str
) -> None:
    from tests.realtime.conftest import viewers_of

    async with connect(ws_url(server, "stream=public")):
        await asyncio.sleep(0.1)
        assert [v.transport is not None for v in viewers_of(app)] == [delivery == "direct"]
