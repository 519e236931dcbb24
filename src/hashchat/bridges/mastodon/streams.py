"""Following a hashtag on one server, in the order of preference: WebSocket streaming (with
``{"type": "subscribe", "stream": "hashtag"}`` at the streaming host the server names, which may
be another host than its API), server-sent events, and, as the last resort, polling
``timelines/tag``. Each yields :class:`~hashchat.bridges.mastodon.ingest.Seen` events until the
connection drops. The token goes in the ``Authorization`` header, never the URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import websockets

from hashchat.bridges.mastodon.client import USER_AGENT, Revoked
from hashchat.bridges.mastodon.ingest import Seen

EVENTS = ("update", "status.update", "delete")
MAX_FRAME = 1024 * 1024
TRANSPORTS = ("websocket", "sse", "poll")


class StreamUnavailable(Exception):
    """The streaming host refused this way of streaming (not the token): try the next."""


def _seen(event: object, payload: object) -> Seen | None:
    if event not in EVENTS:
        return None
    if event == "delete":
        return Seen("delete", str(payload).strip().strip('"'))
    if isinstance(payload, str):
        try:
            payload = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return None
    return Seen(str(event), payload) if isinstance(payload, dict) else None


def http_base(streaming_url: str) -> str:
    if streaming_url.startswith("wss://"):
        return "https://" + streaming_url.removeprefix("wss://")
    if streaming_url.startswith("ws://"):
        return "http://" + streaming_url.removeprefix("ws://")
    return streaming_url


async def websocket(streaming_url: str, tag: str, token: str) -> AsyncIterator[Seen | None]:
    """Seen events from the WebSocket; None once it is open (the reader says "connected")."""
    headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
    try:
        connection = websockets.connect(
            f"{streaming_url}/api/v1/streaming",
            additional_headers=headers,
            max_size=MAX_FRAME,
            open_timeout=10,
            ping_interval=20,
        )
        ws = await connection.__aenter__()
    except websockets.InvalidStatus as error:
        status = error.response.status_code
        if status == 401:
            reason = error.response.reason_phrase
            raise Revoked(f"the streaming host answered 401 ({reason})") from None
        raise StreamUnavailable(f"WebSocket refused with {status}") from None
    try:
        await ws.send(orjson.dumps({"type": "subscribe", "stream": "hashtag", "tag": tag}).decode())
        yield None
        async for raw in ws:
            try:
                message = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(message, dict):
                continue
            if message.get("error"):
                if message.get("status") == 401:
                    raise Revoked(str(message["error"])[:200])
                raise StreamUnavailable(str(message["error"])[:200])
            found = _seen(message.get("event"), message.get("payload"))
            if found is not None:
                yield found
    finally:
        with contextlib.suppress(Exception):
            await connection.__aexit__(None, None, None)


async def sse(streaming_url: str, tag: str, token: str) -> AsyncIterator[Seen | None]:
    """Seen events from the server-sent events stream; None once it is open."""
    url = f"{http_base(streaming_url)}/api/v1/streaming/hashtag?tag={quote(tag)}"
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "text/event-stream",
        "User-Agent": USER_AGENT,
    }
    timeout = httpx.Timeout(10.0, read=60.0)  # heartbeats come well within a minute
    async with (
        httpx.AsyncClient(timeout=timeout) as http,
        http.stream("GET", url, headers=headers) as response,
    ):
        if response.status_code == 401:
            raise Revoked("the streaming host answered 401")
        if response.status_code != 200:
            raise StreamUnavailable(f"server-sent events refused with {response.status_code}")
        yield None
        event: str | None = None
        data: list[str] = []
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if event is not None:
                    found = _seen(event, "\n".join(data))
                    if found is not None:
                        yield found
                event, data = None, []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())


def link_prev(headers: Any) -> str | None:
    """The ``rel="prev"`` address of a ``Link`` header (the newer page), if any."""
    for part in str(headers.get("link", "")).split(","):
        if 'rel="prev"' in part and "<" in part and ">" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None
