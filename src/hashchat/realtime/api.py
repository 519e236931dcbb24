"""Streams, following Mastodon's streaming API.

SSE: ``GET /api/v1/streaming/hashtag?tag=...`` (several ``tag`` at once is hashchat's mixer),
``/public``, ``/user``. WebSocket: ``/api/v1/streaming`` with subscribe/unsubscribe messages.
Every event carries its id (SSE ``id:``, WebSocket ``"id"``); reconnecting with
``Last-Event-ID`` (SSE) or ``since_id`` (both) replays exactly what was missed, then goes live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import PlainTextResponse, Response
from starlette.datastructures import Headers, QueryParams
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState

from hashchat.accounts import oauth
from hashchat.accounts.models import Account
from hashchat.accounts.service import account_for_web_session
from hashchat.errors import DomainError, Unauthorized, Unavailable
from hashchat.realtime.hub import Hub
from hashchat.realtime.subscriptions import Subscription, public_subscription, resolve
from hashchat.realtime.viewer import Outbox, Viewer
from hashchat.realtime.wire import (
    chunk,
    close_frame,
    http_transport,
    text_frame,
    websocket_transport,
)
from hashchat.runtime import Runtime
from hashchat.web.deps import SESSION_COOKIE, AuthDep, RuntimeDep, SessionDep
from hashchat.web.errors import error_response

log = logging.getLogger(__name__)
router = APIRouter(tags=["streaming"])

MAX_SUBSCRIPTIONS = 50
# A dropped viewer's last words wait behind what its socket still holds; a client that has not
# read them within this long is cut off (its memory is bounded by the buffer meanwhile).
SLOW_GRACE_SECONDS = 20.0
RESUME = b'{"event":"resume","payload":"slow consumer"}'
SLOW_REASON = b"slow consumer: reconnect with since_id"
SLOW_CLOSE_CODE = 4000
MAX_MESSAGE = 4096
# Mastodon's own greeting, a comment: a block with any field but ``event`` (a ``retry:``) makes
# Mastodon.py's stream give up at once. Browsers reconnect after their own delay (Chromium's 3 s).
SSE_OPENING = b":)\n\n"
SSE_RESUME = b'event: resume\ndata: {"reason":"slow consumer","resume":true}\n\n'
Resume = tuple[int, int]  # (since_id, the last id the hub had passed on when the viewer joined)


class EventStream(Response):
    """An SSE response fed by an outbox: what is waiting goes out in one write (coalesced),
    a comment every ``heartbeat`` seconds keeps proxies and clients sure we are here. With
    ``resume``, the missed events are replayed first, page by page as the client reads them."""

    media_type = "text/event-stream"

    def __init__(
        self, hub: Hub, viewer: Viewer, *, heartbeat: float, resume: Resume | None = None
    ) -> None:
        super().__init__(
            headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"}
        )
        # A stream has no length: drop the Content-Length: 0 of an empty Response.
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.hub = hub
        self.viewer = viewer
        self.heartbeat = heartbeat
        self.resume = resume

    def _drop(self) -> None:
        """The viewer overflowed: the client gets ``event: resume`` after what it was sent,
        and the response ends, so that EventSource reconnects with Last-Event-ID."""
        drop_slow(self.hub, self.viewer, chunk(SSE_RESUME) + b"0\r\n\r\n")

    async def _replay(self) -> None:
        assert self.resume is not None
        since_id, upto = self.resume
        try:
            await self.hub.replay(self.viewer, since_id, upto)
        except Exception:
            # The log could not be read (the database is down): end the stream the way an
            # overflow does, so the client comes back with its last id when it can.
            log.warning("stream: a replay failed; telling the client to resume", exc_info=True)
            self.viewer.outbox.overflow()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        viewer = self.viewer
        outbox = viewer.outbox

        async def watch_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            outbox.close()

        outbox.on_overflow = self._drop
        watcher: asyncio.Task[None] | None = None
        replaying: asyncio.Task[None] | None = None
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": self.raw_headers})  # fmt: skip
            transport = http_transport(scope)
            if transport is not None:
                # Fast path: from here on the hub writes to the socket itself. What queued up
                # before goes first, in the same step, so nothing can come between. One
                # chunk, written as its parts.
                parts = [SSE_OPENING, *(_bytes(i) for i in outbox.take())]
                size = sum(len(p) for p in parts)
                transport.writelines([b"%x\r\n" % size, *parts, b"\r\n"])
                viewer.go_direct(transport)
                watcher = asyncio.create_task(watch_disconnect())
                if outbox.overflowed:  # before the response began (events held for a replay)
                    self._drop()
                elif self.resume is not None:
                    await self._replay()
                # Nothing is left to do here but notice the client leaving: no timer task per
                # viewer (an idle viewer costs its connection and little else); the heartbeat
                # is one timer handle. A slow viewer is closed by drop_slow, which ends this
                # wait too.
                beat = _Heartbeat(transport, self.heartbeat)
                try:
                    await watcher
                finally:
                    beat.cancel()
                return
            watcher = asyncio.create_task(watch_disconnect())
            outbox.written = True
            await send({"type": "http.response.body", "body": SSE_OPENING, "more_body": True})
            if self.resume is not None:
                replaying = asyncio.create_task(self._replay())
            while not outbox.closed:
                try:
                    await asyncio.wait_for(outbox.wakeup.wait(), self.heartbeat)
                except TimeoutError:
                    await send({"type": "http.response.body", "body": b":thump\n\n",
                                "more_body": True})  # fmt: skip
                    continue
                items = outbox.take()
                if outbox.overflowed:
                    await send({"type": "http.response.body", "body": SSE_RESUME})
                    return
                if items:
                    body = b"".join(_bytes(i) for i in items)
                    await send({"type": "http.response.body", "body": body, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except OSError:
            pass  # the client went away mid-write
        finally:
            for task in (watcher, replaying):
                if task is not None:
                    task.cancel()
            self.hub.detach(viewer)


class _Heartbeat:
    """A comment on a direct SSE stream every ``interval`` seconds, from one timer handle."""

    __slots__ = ("handle", "interval", "transport")

    def __init__(self, transport: Any, interval: float) -> None:
        self.transport = transport
        self.interval = interval
        self.handle = asyncio.get_running_loop().call_later(interval, self.beat)

    def beat(self) -> None:
        if self.transport.is_closing():
            return
        self.transport.write(chunk(b":thump\n\n"))
        self.handle = asyncio.get_running_loop().call_later(self.interval, self.beat)

    def cancel(self) -> None:
        self.handle.cancel()


def drop_slow(hub: Hub, viewer: Viewer, farewell: bytes) -> None:
    """A viewer fell too far behind: stop delivering to it now (nothing more is queued for it),
    and on the fast path say ``farewell`` and close (the portable path's writer does both)."""
    hub.detach(viewer)
    if viewer.transport is not None:
        say_farewell(viewer.transport, farewell)


def say_farewell(transport: Any, message: bytes) -> None:
    """Write ``message`` behind what the socket still holds and close once all of it is out,
    so a client that reads on gets every event it was sent, then the message, then the end.
    A client that reads nothing is cut off after SLOW_GRACE_SECONDS."""
    if transport.is_closing():
        return
    transport.write(message)
    transport.close()  # asyncio closes once the buffer is written
    asyncio.get_running_loop().call_later(SLOW_GRACE_SECONDS, _abort, transport)


def _abort(transport: Any) -> None:
    if transport.get_write_buffer_size():
        transport.abort()


def _bytes(item: bytes | str) -> bytes:
    return item if isinstance(item, bytes) else item.encode()


def _tags(query: QueryParams) -> list[str]:
    tags = list(query.getlist("tag")) + list(query.getlist("tag[]"))
    for joined in query.getlist("tags"):
        tags += [t for t in joined.split(",") if t.strip()]
    return tags


async def _open_sse(request: Request, rt: Runtime, subscription: Subscription) -> Response:
    return await _open_stream(rt, subscription, request.headers, request.query_params)


async def _open_stream(
    rt: Runtime, subscription: Subscription, headers: Headers, query: QueryParams
) -> Response:
    # A reconnecting EventSource sends Last-Event-ID and repeats its first URL: the header is
    # the newer of the two.
    since = headers.get("last-event-id") or query.get("since_id")
    since_id = await rt.hub.check_since(since)
    outbox = Outbox(rt.settings.stream_buffer)
    viewer = Viewer(outbox, subscription.streams, mode="sse")
    # Registered before the response starts: a client that has its 200 misses nothing after.
    # The replay itself runs in the response, as the client reads.
    resume = None
    if since_id is None:
        await rt.hub.attach(viewer)
    else:
        resume = (since_id, rt.hub.hold(viewer))
    return EventStream(rt.hub, viewer, heartbeat=rt.settings.stream_heartbeat, resume=resume)


async def _open_public(rt: Runtime, name: str, headers: Headers, query: QueryParams) -> Response:
    tags = _tags(query) if name.startswith("hashtag") else []
    return await _open_stream(rt, public_subscription(name=name, tags=tags), headers, query)


# -- the public streams, straight from the ASGI server ------------------------------------------

#: The streams that need no account: a hashtag (or several, the mixer) and the public timeline.
PUBLIC_STREAMS = {
    "/api/v1/streaming/hashtag": "hashtag",
    "/api/v1/streaming/hashtag/local": "hashtag:local",
    "/api/v1/streaming/public": "public",
    "/api/v1/streaming/public/local": "public",
}


def public_stream(scope: Scope) -> str | None:
    """The stream a ``GET`` of a public SSE stream asks for; None for anything else."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    return PUBLIC_STREAMS.get(scope["path"])


async def serve_public_stream(
    scope: Scope, receive: Receive, send: Send, rt: Runtime, name: str
) -> None:
    """The routes below, without the framework in between. A room's whole audience holds one
    of these open, and all of it reconnects at once after a restart: each request skips
    FastAPI's routing, middleware and dependency solving (CPU in a resume storm), and each idle
    stream holds none of their frames (memory per viewer; docs/benchmarks.md). Same checks,
    same answers, same errors; the routes stay the documented ones in /openapi.json."""
    try:
        response = await _open_public(
            rt, name, Headers(scope=scope), QueryParams(scope["query_string"])
        )
    except DomainError as exc:
        response = error_response(exc.status, exc.message, field=exc.field)
    await response(scope, receive, send)


@router.get("/api/v1/streaming/health", response_class=PlainTextResponse)
async def health() -> str:
    return "OK"


@router.get("/api/v1/streaming/hashtag")
@router.get("/api/v1/streaming/hashtag/local")
async def sse_hashtag(request: Request, rt: RuntimeDep) -> Response:
    """Posts with a hashtag, live. Repeat ``tag`` (or ``tags=a,b``) to follow several chats in
    one stream; each event is sent once even when it carries several of them."""
    # No database session: the stream needs none, and a dependency's session would be held
    # open for as long as the stream lasts (memory per idle viewer).
    name = "hashtag:local" if request.url.path.endswith("/local") else "hashtag"
    return await _open_public(rt, name, request.headers, request.query_params)


@router.get("/api/v1/streaming/public")
@router.get("/api/v1/streaming/public/local")
async def sse_public(request: Request, rt: RuntimeDep) -> Response:
    return await _open_public(rt, "public", request.headers, request.query_params)


@router.get("/api/v1/streaming/user")
@router.get("/api/v1/streaming/user/notification")
async def sse_user(
    request: Request, rt: RuntimeDep, session: SessionDep, auth: AuthDep
) -> Response:
    name = "user:notification" if request.url.path.endswith("/notification") else "user"
    subscription = await resolve(session, name=name, tags=[], account=auth.account)
    return await _open_sse(request, rt, subscription)


# -- WebSocket -----------------------------------------------------------------------------------


def origin_allowed(websocket: WebSocket, public_url: str) -> bool:
    """Browsers send Origin. From this site anything goes; from another site only a connection
    that brings a token (Authorization, Sec-WebSocket-Protocol or ``access_token``), which is
    then checked like any other: as Mastodon does, a web client anywhere may stream with its
    token, while a cookie never counts across origins (web/cors.py). Native clients send no
    Origin."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    public = urlsplit(public_url)
    if (parts.scheme, parts.netloc) == (public.scheme, public.netloc):
        return True
    host = websocket.headers.get("host", "")
    if parts.netloc == host and parts.scheme in ("http", "https"):
        return True
    headers = websocket.headers
    return bool(
        headers.get("authorization", "").lower().startswith("bearer ")
        or headers.get("sec-websocket-protocol")
        or websocket.query_params.get("access_token")
    )


async def _ws_account(websocket: WebSocket, rt: Runtime) -> tuple[Account | None, str | None]:
    """Who is connecting: a token (header, Sec-WebSocket-Protocol, or Mastodon's query
    parameter) or the session cookie. Returns the account and the subprotocol to echo."""
    token = None
    subprotocol = None
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    elif websocket.headers.get("sec-websocket-protocol"):
        subprotocol = websocket.headers["sec-websocket-protocol"].split(",")[0].strip()
        token = subprotocol
    elif websocket.query_params.get("access_token"):
        token = websocket.query_params["access_token"]
    async with rt.db.read() as session:
        if token:
            bearer = await oauth.resolve_bearer(session, token)
            if bearer is None:
                raise Unauthorized("The access token is invalid")
            return bearer.account, subprotocol
        cookie = websocket.cookies.get(SESSION_COOKIE)
        if cookie:
            return await account_for_web_session(session, cookie), None
    return None, None


class Connection:
    """One WebSocket: its subscriptions share one outbox and one writer task."""

    def __init__(self, websocket: WebSocket, rt: Runtime, account: Account | None) -> None:
        self.websocket = websocket
        self.rt = rt
        self.account = account
        self.outbox = Outbox(rt.settings.stream_buffer)
        self.viewers: dict[tuple[str, frozenset[str]], Viewer] = {}
        self.transport = websocket_transport(websocket.scope)
        self.outbox.on_overflow = self._drop

    async def error(self, message: str, *, status: int = 400, field: str | None = None) -> None:
        await self.websocket.send_text(
            orjson.dumps({"error": message, "status": status, "field": field}).decode()
        )

    async def handle(self, raw: str) -> None:
        if len(raw) > MAX_MESSAGE:
            await self.error(f"messages are at most {MAX_MESSAGE} bytes", status=413)
            return
        try:
            message = orjson.loads(raw)
        except orjson.JSONDecodeError:
            await self.error("messages must be JSON objects")
            return
        if not isinstance(message, dict):
            await self.error("messages must be JSON objects")
            return
        kind = message.get("type")
        if kind not in ("subscribe", "unsubscribe"):
            await self.error("type must be subscribe or unsubscribe", field="type")
            return
        try:
            await self.apply(kind, message)
        except DomainError as exc:
            await self.error(exc.message, status=exc.status, field=exc.field)

    async def apply(self, kind: str, message: dict[str, Any]) -> None:
        tag = message.get("tag")
        tags = [tag] if isinstance(tag, str) else ([] if tag is None else [str(tag)])
        async with self.rt.db.read() as session:
            subscription = await resolve(
                session, name=message.get("stream"), tags=tags, account=self.account
            )
        if kind == "unsubscribe":
            viewer = self.viewers.pop(subscription.key, None)
            if viewer is not None:
                self.rt.hub.detach(viewer)
            return
        if subscription.key in self.viewers:
            return  # subscribing twice is harmless, as in Mastodon
        if len(self.viewers) >= MAX_SUBSCRIPTIONS:
            raise DomainError(f"at most {MAX_SUBSCRIPTIONS} subscriptions on one connection")
        since_id = await self.rt.hub.check_since(message.get("since_id"))
        viewer = Viewer(self.outbox, subscription.streams, mode="ws", label=subscription.label)
        if self.transport is not None:
            viewer.go_direct(self.transport)
        self.viewers[subscription.key] = viewer
        try:
            await self.rt.hub.attach(viewer, since_id=since_id)
        except Exception:
            # The log could not be read for the replay: this subscription did not happen.
            log.warning("stream: a replay failed; the subscription is refused", exc_info=True)
            self.viewers.pop(subscription.key, None)
            self.rt.hub.detach(viewer)
            raise Unavailable("the event log cannot be read now; subscribe again") from None

    def _drop(self) -> None:
        """The connection overflowed: every subscription stops, the client is sent the resume
        message and closed with code 4000 (Mastodon clients reconnect on close)."""
        for viewer in list(self.viewers.values()):
            self.rt.hub.detach(viewer)
        if self.transport is not None:
            say_farewell(
                self.transport, text_frame(RESUME) + close_frame(SLOW_CLOSE_CODE, SLOW_REASON)
            )

    async def write(self) -> None:
        outbox = self.outbox
        outbox.written = True
        while not outbox.closed:
            await outbox.wakeup.wait()
            items = outbox.take()
            if outbox.overflowed:
                if self.transport is None:
                    await self.websocket.send_text(RESUME.decode())
                    await self.websocket.close(SLOW_CLOSE_CODE, SLOW_REASON.decode())
                return
            for item in items:
                await self.websocket.send_text(item if isinstance(item, str) else item.decode())

    def close(self) -> None:
        self.outbox.close()
        for viewer in self.viewers.values():
            self.rt.hub.detach(viewer)
        self.viewers.clear()


@router.websocket("/api/v1/streaming")
async def websocket_stream(websocket: WebSocket) -> None:
    rt: Runtime = websocket.app.state.runtime
    if not origin_allowed(websocket, rt.settings.public_url):
        await websocket.close(code=4003, reason="origin not allowed")
        return
    try:
        account, subprotocol = await _ws_account(websocket, rt)
    except Unauthorized as exc:
        await websocket.close(code=4001, reason=exc.message)
        return
    await websocket.accept(subprotocol=subprotocol)
    connection = Connection(websocket, rt, account)
    writer = asyncio.create_task(connection.write())
    try:
        first = websocket.query_params.get("stream")
        if first:
            initial = {"type": "subscribe", "stream": first,
                       "tag": websocket.query_params.get("tag"),
                       "since_id": websocket.query_params.get("since_id")}  # fmt: skip
            await connection.handle(orjson.dumps(initial).decode())
        while True:
            receiving = asyncio.ensure_future(websocket.receive())
            done, _ = await asyncio.wait({receiving, writer}, return_when=asyncio.FIRST_COMPLETED)
            if writer in done:
                receiving.cancel()
                break
            message = receiving.result()
            if message["type"] == "websocket.disconnect":
                break
            if message.get("text") is None:
                await connection.error("send JSON in text frames, not binary ones")
                continue
            await connection.handle(message["text"])
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        connection.close()
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer
        if websocket.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()
