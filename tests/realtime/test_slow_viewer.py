"""A viewer that stops reading, over a real socket: it is cut loose when its buffer passes the
limit, while a viewer that reads keeps getting every post at once."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.realtime.conftest import sse, viewers_of

pytestmark = pytest.mark.usefixtures("delivery")


async def test_a_slow_viewer_is_told_to_resume_and_dropped_alone(
    server: str, app: Any, db: Database, make_account: MakeAccount
) -> None:
    app.state.runtime.settings.stream_buffer = 10  # 10 messages, or 10 KiB on the fast path
    author = await make_account("flooder")
    host, port = server.removeprefix("http://").split(":")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and then it never reads
    slow.connect((host, int(port)))
    slow.sendall(b"GET /api/v1/streaming/hashtag?tag=flood HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        async with sse(f"{server}/api/v1/streaming/hashtag?tag=flood") as fast:
            await asyncio.sleep(0.2)
            assert app.state.runtime.hub.viewer_count == 2
            # Small kernel buffers on the server's side too, so the test needs few posts.
            for connection in app.state.test_server.server_state.connections:
                sock = connection.transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            made = []
            text = "flood " + "x" * 250 + " #flood"
            for _ in range(400):
                made.append(await service.create_post(db=db, author=author, text=text))
                if len(viewers_of(app)) == 1:
                    break
            assert len(viewers_of(app)) == 1, "the slow viewer was dropped"
            received = [(await fast.until("update")).id for _ in made]
            assert received == [str(p.id) for p in made], "the reading viewer missed nothing"
    finally:
        slow.close()


# -- told to resume: every event it was sent, then the word, then the end --------------------


def read_to_end(sock: socket.socket, timeout: float = 15.0) -> tuple[bytes, bool]:
    """Everything the server sends, and whether it closed the stream (not a timeout)."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            got = sock.recv(65536)
        except TimeoutError:
            return data, False
        if not got:
            return data, True
        data += got


def sse_events(raw: bytes) -> list[tuple[str | None, str]]:
    """(id, event name) of each event in a raw chunked SSE response."""
    _head, _, body = raw.partition(b"\r\n\r\n")
    text = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        text += rest[:size]
        body = rest[size + 2 :]
    events = []
    for block in text.decode().split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":"
        )
        if "event" in fields:
            events.append((fields.get("id"), fields["event"]))
    return events


async def slow_socket(server: str, path: str) -> socket.socket:
    host, port = server.removeprefix("http://").split(":")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((host, int(port)))
    slow.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return slow


def small_server_buffers(app: Any) -> None:
    for connection in app.state.test_server.server_state.connections:
        sock = connection.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)


async def flood_until_dropped(app: Any, db: Database, author: Any, *, watching: int) -> list[Any]:
    made = []
    text = "flood " + "x" * 250 + " #flood"
    for _ in range(600):
        made.append(await service.create_post(db=db, author=author, text=text))
        if app.state.runtime.hub.viewer_count < watching:
            break
    assert app.state.runtime.hub.viewer_count < watching, "the slow viewer was dropped"
    return made


async def test_a_slow_sse_viewer_reads_on_to_resume_and_then_gets_the_rest(
    server: str, app: Any, db: Database, make_account: MakeAccount
) -> None:
    app.state.runtime.settings.stream_buffer = 10
    author = await make_account("resumer")
    slow = await slow_socket(server, "/api/v1/streaming/hashtag?tag=flood")
    try:
        await asyncio.sleep(0.2)
        small_server_buffers(app)
        made = await flood_until_dropped(app, db, author, watching=1)
        made += [await service.create_post(db=db, author=author, text=f"after {i} #flood")
                 for i in range(3)]  # fmt: skip
        raw, ended = await asyncio.to_thread(read_to_end, slow)
    finally:
        slow.close()
    events = sse_events(raw)
    assert ended, "the server ends the stream, so that EventSource reconnects"
    assert raw.endswith(b"\r\n0\r\n\r\n"), "with a complete response"
    assert events[-1] == (None, "resume"), "told to resume, after everything it was sent"
    seen = [int(i) for i, kind in events if kind == "update" and i is not None]
    assert seen == [p.id for p in made[: len(seen)]], "in order, no gap, before the word"
    async with sse(
        f"{server}/api/v1/streaming/hashtag?tag=flood", headers={"Last-Event-ID": str(seen[-1])}
    ) as again:
        rest = [int((await again.until("update")).id or 0) for _ in made[len(seen) :]]
        await asyncio.sleep(0.2)
        assert again.events.empty(), "nothing twice"
    assert seen + rest == [p.id for p in made], "every post exactly once across the two"


async def test_a_viewer_that_never_reads_is_cut_off_and_costs_nothing_after(
    server: str, app: Any, db: Database, make_account: MakeAccount, delivery: str
) -> None:
    from hashchat.realtime import api

    api_grace = api.SLOW_GRACE_SECONDS
    api.SLOW_GRACE_SECONDS = 0.5
    app.state.runtime.settings.stream_buffer = 10
    author = await make_account("sleeper")
    slow = await slow_socket(server, "/api/v1/streaming/hashtag?tag=flood")
    try:
        await asyncio.sleep(0.2)
        small_server_buffers(app)
        await flood_until_dropped(app, db, author, watching=1)
        assert app.state.runtime.hub.viewer_count == 0, "no longer fed"
        if delivery == "direct":
            for _ in range(100):  # the grace passes; the server lets go of the socket
                if not app.state.test_server.server_state.connections:
                    break
                await asyncio.sleep(0.05)
            assert not app.state.test_server.server_state.connections
    finally:
        api.SLOW_GRACE_SECONDS = api_grace
        slow.close()


async def test_a_slow_websocket_viewer_is_closed_with_4000_and_resumes(
    server: str, app: Any, db: Database, make_account: MakeAccount, backend: str
) -> None:
    import json

    import websockets
    from websockets.exceptions import ConnectionClosed

    app.state.runtime.settings.stream_buffer = 10
    author = await make_account("wsresumer")
    url = server.replace("http://", "ws://") + "/api/v1/streaming?stream=hashtag&tag=flood"
    frames: list[dict[str, Any]] = []
    async with websockets.connect(url, compression=None, max_queue=1) as ws:
        await asyncio.sleep(0.2)
        small_server_buffers(app)
        ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        made = await flood_until_dropped(app, db, author, watching=1)
        made += [await service.create_post(db=db, author=author, text=f"after {i} #flood")
                 for i in range(3)]  # fmt: skip
        if backend == "sqlite":  # once: the client looks away longer than a few seconds
            await asyncio.sleep(6)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
    assert frames[-1]["event"] == "resume"
    seen = [int(f["id"]) for f in frames if f.get("event") == "update"]
    assert seen == [p.id for p in made[: len(seen)]]
    async with websockets.connect(url + f"&since_id={seen[-1]}", compression=None) as ws:
        rest = [int(json.loads(await asyncio.wait_for(ws.recv(), 5))["id"])
                for _ in made[len(seen) :]]  # fmt: skip
    assert seen + rest == [p.id for p in made]
