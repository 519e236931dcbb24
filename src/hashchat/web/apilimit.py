"""The API's rate limits, as Mastodon applies them: every request under ``/api/`` counts, per
account when it is signed in (a bearer token or the browser's session), else per IP address;
every answer says where the caller stands (``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``)
and one over the limit is a 429 with ``Retry-After``. The streams are not counted: a client
holds one open, and a room's whole audience reconnects at once after a restart.

Applied in front of the routes (``App.__call__``), so the framework-free fast paths count too.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import TYPE_CHECKING

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hashchat.accounts import oauth
from hashchat.accounts.service import account_for_web_session
from hashchat.web.deps import SESSION_COOKIE, Auth

if TYPE_CHECKING:
    from hashchat.runtime import Runtime

STREAMS = "/api/v1/streaming"


def counted(scope: Scope) -> bool:
    path: str = scope["path"]
    return path.startswith("/api/") and not path.startswith(STREAMS)


def _session_cookie(raw: bytes) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:
        return None
    return jar[SESSION_COOKIE].value if SESSION_COOKIE in jar else None


async def caller(scope: Scope, runtime: Runtime) -> tuple[str, str]:
    """(rule, who): the signed-in account, else the client's address."""
    authorization = cookie = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == b"cookie":
            cookie = value
    if authorization is not None:
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            bearer = await oauth.authenticate(runtime.db, token.strip())  # cached
            if bearer is not None and bearer.account is not None:
                return "api_authenticated", f"account:{bearer.account.id}"
    elif cookie is not None and (value := _session_cookie(cookie)):
        async with runtime.db.read() as session:
            account = await account_for_web_session(session, value)
        if account is not None:
            # The route asks again who this is (web/deps.get_auth): it finds the answer here.
            scope.setdefault("state", {})["auth"] = Auth(account, "cookie")
            return "api_authenticated", f"account:{account.id}"
    client = scope.get("client")
    return "api_anonymous", f"ip:{client[0] if client else 'unknown'}"


async def serve_counted(
    scope: Scope, receive: Receive, send: Send, app: ASGIApp, runtime: Runtime
) -> None:
    """Run ``app`` on an API request once it is counted, with the headers added."""
    rule, who = await caller(scope, runtime)
    window = await runtime.limiter.window(rule, who)
    extra = window.headers()
    if window.exceeded:
        retry = window.retry_after()
        body = orjson.dumps(
            {"error": f"too many requests; try again in {retry} seconds", "field": None}
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry).encode()),
            *extra,
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return

    async def with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    await app(scope, receive, with_headers)
