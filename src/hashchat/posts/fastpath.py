"""The hottest request, straight from the ASGI server: ``POST /api/v1/statuses`` with a JSON
body and a bearer token.

During a chat this one request is most of the load, and FastAPI's routing, middleware and
dependency solving cost more than writing the post does (docs/benchmarks.md, "Profile"). This
path runs the same checks through the same functions (parameters validated by the same model,
the same token cache and scopes, the same rate limit, the same service) and answers in the same
shape; it only skips the framework. Anything else (a form body, a cookie, another method) goes
to the FastAPI route, which stays the documented one in /openapi.json; so does a post with a
poll, found once the body is read (``slow``: the app behind, handed the body read so far).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hashchat.accounts import oauth
from hashchat.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from hashchat.posts import service
from hashchat.posts.keys import AlreadyPosted, check_key
from hashchat.posts.schemas import StatusIn
from hashchat.posts.writer import Busy, writer_for
from hashchat.web.bodylimit import declared_length, limit_for
from hashchat.web.params import BadRequest, check_no_nul, validate

PATH = "/api/v1/statuses"


def wants_fast_path(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
        return False
    headers = dict(scope["headers"])
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    authorization = headers.get(b"authorization", b"")
    return bool(
        content_type == b"application/json" and authorization.lower().startswith(b"bearer ")
    )


async def _body(receive: Receive) -> bytes:
    """The whole body; App.__call__ (web/bodylimit.py) has already limited its size: past
    the limit, ``receive`` says the client went away and the 413 is answered for us."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("client went away")
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise BadRequest("the JSON body must be an object")
    return check_no_nul(parsed)


async def _answer(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + extra})
    await send({"type": "http.response.body", "body": body})


class NotFast(Exception):
    """This post needs the full route (it has a poll); ``body`` is what was read of it."""

    def __init__(self, body: bytes) -> None:
        super().__init__("not for the fast path")
        self.body = body


async def create_status(
    scope: Scope, receive: Receive, send: Send, runtime: Any, slow: ASGIApp
) -> None:
    try:
        entity = await _create(scope, receive, runtime)
    except ConnectionResetError:
        return
    except NotFast as exc:
        await slow(scope, _replay(exc.body, receive), send)
        return
    except DomainError as exc:
        status, extra, body = _error(exc)
        await _answer(send, status, body, extra)
        return
    await _answer(send, 200, orjson.dumps(entity), [])


def _error(exc: DomainError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    extra: list[tuple[bytes, bytes]] = []
    if isinstance(exc, RateLimited | Unavailable):
        extra.append((b"retry-after", str(exc.retry_after).encode()))
    if isinstance(exc, Unauthorized):
        extra.append((b"www-authenticate", b'Bearer realm="hashchat"'))
    body: dict[str, Any] = {"error": exc.message, "field": exc.field}
    if isinstance(exc, Conflict) and exc.url:
        body["url"] = exc.url
    return exc.status, extra, orjson.dumps(body)


def refusal(scope: Scope, runtime: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """From the request's headers alone, before its body is read: the answer the fast path
    would give a post that the writer refuses now (503, Retry-After), or None to serve it as
    usual. The HTTP protocol asks this before it makes a task for the request
    (web/protocol.py): under overload most requests are refused, and a refusal must cost
    next to nothing. Status, headers (without Content-Length) and body."""
    if not wants_fast_path(scope):
        return None
    length = declared_length(scope)
    if length is None or length > limit_for(PATH):
        return None  # chunked, or answered 413 (web/bodylimit.py): the body is not read
    if not dict(scope["headers"])[b"authorization"][7:].strip():
        return None  # the fast path answers 401 first
    try:
        writer_for(runtime.db).admit()
    except Busy as exc:
        status, extra, body = _error(exc)
        return status, [(b"content-type", b"application/json"), *extra], body
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands out ``body`` first, then whatever comes next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _create(scope: Scope, receive: Receive, runtime: Any) -> dict[str, Any]:
    headers = dict(scope["headers"])
    token = headers[b"authorization"].decode("latin-1")[7:].strip()
    if not token:
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    raw = await _body(receive)
    # Under overload, refused before any other work: the refusal must cost next to nothing.
    writer_for(runtime.db).admit()
    if b"poll" in raw:  # a cheap look first; most posts never parse twice
        parsed = _json(raw)
        if "poll" in parsed or any(k.startswith("poll[") for k in parsed):
            raise NotFast(raw)
    bearer = await oauth.authenticate(runtime.db, token)
    if bearer is None:
        raise Unauthorized("The access token is invalid")
    if bearer.account is None:
        raise Unauthorized("This method requires an authenticated user")
    if "write" not in bearer.scopes and "write:statuses" not in bearer.scopes:
        raise Forbidden("This action is outside the authorized scopes (write)")
    data: dict[str, Any] = {}
    if scope.get("query_string"):
        from urllib.parse import parse_qsl

        data.update(parse_qsl(scope["query_string"].decode("latin-1")))
    if raw:
        data.update(_json(raw))
    body = validate(StatusIn, data)
    if body.media_ids:
        raise Invalid("hashchat does not take media attachments", field="media_ids")
    raw_key = headers.get(b"idempotency-key")
    key = check_key(raw_key.decode("latin-1") if raw_key is not None else None)
    await runtime.limiter.hit("post", str(bearer.account.id))
    try:
        created = await service.create_post_entity(
            db=runtime.db,
            author=bearer.account,
            text=body.status,
            in_reply_to_id=body.in_reply_to_id,
            language=body.language,
            bridges=body.bridges or (),
            idempotency_key=key,
        )
    except AlreadyPosted as made:  # sent again: the post it made, as Mastodon answers
        return await service.posted_before(runtime.db, bearer.account, made)
    return {**created.entity, "favourited": False, "reblogged": False, "muted": False,
            "bookmarked": False, "pinned": False}  # fmt: skip
