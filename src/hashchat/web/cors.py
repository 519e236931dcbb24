"""Cross-origin requests as Mastodon answers them, so that web clients served from elsewhere
(Elk, Phanpy, a page on another port) can log in and read.

Any origin may call the API, the OAuth token endpoints, ``/.well-known/*`` and nodeinfo: those
requests are authorised by a bearer token that the page holds itself, never by something the
browser adds on its own. So the answer is ``Access-Control-Allow-Origin: *`` *without*
``Allow-Credentials``, and a session cookie that comes with a request from another origin is not
looked at (:func:`foreign_origin`, used by web/deps.py): a cookie never counts across origins.
Preflights (``OPTIONS`` with ``Access-Control-Request-Method``) are answered here, before
routing. This runs in ``App.__call__``, in front of the framework, so the fast paths (posting,
the public streams) carry the same headers.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import Message, Receive, Scope, Send

PREFIXES = ("/api/", "/.well-known/", "/nodeinfo")
PATHS = frozenset({"/oauth/token", "/oauth/revoke"})
METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
# What Mastodon exposes: paging and the rate limit's state.
EXPOSE = b"Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
MAX_AGE = b"86400"


def applies(path: str) -> bool:
    """Whether ``path`` is open to other origins."""
    return path in PATHS or path.startswith(PREFIXES)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def _preflight(scope: Scope, send: Send) -> None:
    requested = _header(scope, b"access-control-request-headers")
    headers = [
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", METHODS),
        (b"access-control-max-age", MAX_AGE),
        (b"content-length", b"0"),
    ]
    if requested:
        headers.append((b"access-control-allow-headers", requested))
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _crossing(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if not k.lower().startswith(b"access-control-")]
    return [
        *kept,
        (b"access-control-allow-origin", b"*"),
        (b"access-control-expose-headers", EXPOSE),
    ]


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": _crossing(message.get("headers", []))}
        await send(message)

    return sending


def answer_headers(scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` of an answer given outside ``send`` (web/protocol.py), with the CORS
    headers that :func:`handle` would add to it."""
    if not applies(scope["path"]) or _header(scope, b"origin") is None:
        return headers
    return _crossing(headers)


async def handle(scope: Scope, receive: Receive, send: Send) -> Send | None:
    """For a cross-origin request to an open path: answer a preflight here (None: done), or
    give the ``send`` that adds the CORS headers to the answer. Anything else keeps ``send``."""
    if scope["type"] != "http" or not applies(scope["path"]):
        return send
    if _header(scope, b"origin") is None:
        return send
    if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
        await _preflight(scope, send)
        return None
    return _with_headers(send)


def foreign_origin(origin: str | None, host: str | None, public_url: str) -> bool:
    """Whether a request's ``Origin`` is another site than this one (the public URL's, or the
    Host the request came to). No Origin (a same-origin GET, a native client) is not foreign."""
    if not origin:
        return False
    parts = urlsplit(origin)
    public = urlsplit(public_url)
    if (parts.scheme, parts.netloc) == (public.scheme, public.netloc):
        return False
    return not (parts.netloc == (host or "") and parts.scheme in ("http", "https"))
