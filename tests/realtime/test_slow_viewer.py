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
