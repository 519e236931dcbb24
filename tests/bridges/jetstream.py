"""A Jetstream of our own for the tests: frames in the documented JSON shape (v1 ``/subscribe``
and v2 ``subscribeEvents``), served by a local WebSocket server that honours ``cursor``
(replaying from it, as Jetstream does) and can cut a connection off mid-stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve

from hashchat.bridges.bluesky.richtext import TAG

T0 = 1_765_000_000_000_000  # microseconds


def post_record(
    text: str, *, tags: list[str] | None = None, reply_to: str | None = None
) -> dict[str, Any]:
    """An ``app.bsky.feed.post`` record as a client writes it: a tag facet over each "#word"
    (UTF-8 byte offsets), the extra ``tags``, a reply's root and parent."""
    data = text.encode()
    facets = []
    for word in text.split():
        if word.startswith("#"):
            start = data.index(word.encode())
            facets.append(
                {
                    "$type": "app.bsky.richtext.facet",
                    "index": {"byteStart": start, "byteEnd": start + len(word.encode())},
                    "features": [{"$type": TAG, "tag": word[1:]}],
                }
            )
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": "2026-12-10T10:00:00.000Z",
        "langs": ["en"],
    }
    if facets:
        record["facets"] = facets
    if tags:
        record["tags"] = tags
    if reply_to:
        ref = {"uri": reply_to, "cid": "bafyreib2rxk3rh6kzwq"}
        record["reply"] = {"root": ref, "parent": ref}
    return record


@dataclass
class Event:
    """One event of the stream: its cursor position and its v1 / v2 bodies."""

    n: int
    v1: dict[str, Any]
    v2: dict[str, Any]

    @property
    def time_us(self) -> int:
        return T0 + self.n * 1_000_000


def commit(
    n: int,
    did: str,
    rkey: str,
    *,
    record: dict[str, Any] | None = None,
    collection: str = "app.bsky.feed.post",
    operation: str = "create",
) -> Event:
    time_us = T0 + n * 1_000_000
    body: dict[str, Any] = {
        "rev": f"3l{n:08d}",
        "operation": operation,
        "collection": collection,
        "rkey": rkey,
    }
    if operation != "delete":
        body["record"] = record or {}
        body["cid"] = f"bafyrei{n:020d}"
    v1 = {"did": did, "time_us": time_us, "kind": "commit", "commit": body}
    v2 = {
        "$type": "network.bsky.jetstream.subscribeEvents#commit",
        "seq": n,
        "did": did,
        "time": "2026-12-10T10:00:00.000000Z",
        **body,
    }
    return Event(n, v1, {"$type": "message", "payload": v2})


def account(n: int, did: str, *, active: bool, status: str = "takendown") -> Event:
    body = {"active": active, "did": did, "seq": 9000 + n, "time": "2026-12-10T10:00:00Z"}
    if not active:
        body["status"] = status
    v1 = {"did": did, "time_us": T0 + n * 1_000_000, "kind": "account", "account": body}
    v2 = {"$type": "network.bsky.jetstream.subscribeEvents#account", "seq": n, "did": did,
          "time": "2026-12-10T10:00:00Z", "account": body}  # fmt: skip
    return Event(n, v1, {"$type": "message", "payload": v2})


@dataclass
class Jetstream:
    """Serves ``events`` in order from the cursor each connection asks for. ``cut_after``: a
    connection is dropped (no close frame) after sending that many frames, once."""

    events: list[Event]
    version: int = 1
    cut_after: int | None = None
    connections: list[dict[str, list[str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    hold_open: bool = True
    server: Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = next(iter(self.server.sockets)).getsockname()[1]
        path = "/subscribe" if self.version == 1 else "/xrpc/network.bsky.jetstream.subscribeEvents"
        return f"ws://127.0.0.1:{port}{path}"

    async def __aenter__(self) -> Jetstream:
        self.server = await serve(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def frame(self, event: Event) -> bytes:
        return orjson.dumps(event.v1 if self.version == 1 else event.v2)

    def position(self, event: Event) -> int:
        return event.time_us if self.version == 1 else event.n

    async def _serve(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        parts = urlsplit(ws.request.path)
        self.paths.append(parts.path)
        query = parse_qs(parts.query)
        self.connections.append(query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        sent = 0
        for event in self.events:
            if cursor is not None and self.position(event) < cursor:
                continue
            await ws.send(self.frame(event).decode())
            sent += 1
            if self.cut_after is not None and sent >= self.cut_after:
                self.cut_after = None
                ws.transport.abort()  # killed mid-stream: no close frame
                return
        if self.hold_open:
            await ws.wait_closed()
