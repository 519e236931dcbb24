"""How much of a request body hashchat reads: a limit per route, counted as the bytes arrive.

The limit is applied in front of everything (``App.__call__``), the framework-free fast paths
included. A body whose ``Content-Length`` is over the limit is answered 413 at once, without
reading any of it; a body without one (chunked) is read until it passes the limit, and then
the application is told the client went away and the answer is 413. So no route, form parser
or upload spool ever holds more than its limit, whatever the client sends.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hashchat.web.early import answer

KiB = 1024
MiB = 1024 * KiB

#: Every route not named below: an API call's JSON or a page's form (a chat's description is
#: 5,000 characters, a question script a few dozen questions).
DEFAULT = 1 * MiB
#: Signing up and in, OAuth, registering an app: a few short fields.
ACCOUNT = 64 * KiB
#: A post: at most HASHCHAT_POST_MAX_LENGTH (up to 10,000) characters, escaped in JSON as up to
#: 12 bytes each, and a poll.
POST = 256 * KiB
#: The directory's spreadsheet: directory/csvio.py takes files up to 10 MB, plus the form.
IMPORT = 10 * MiB + 64 * KiB

LIMITS: dict[str, int] = {
    "/login": ACCOUNT,
    "/signup": ACCOUNT,
    "/logout": ACCOUNT,
    "/oauth/token": ACCOUNT,
    "/oauth/revoke": ACCOUNT,
    "/oauth/authorize": ACCOUNT,
    "/api/v1/apps": ACCOUNT,
    "/api/v1/accounts": ACCOUNT,
    "/api/v1/statuses": POST,
    "/posts": POST,
    "/live/post": POST,
    "/chats/import": IMPORT,
    "/api/v1/chats/import": IMPORT,
}


def limit_for(path: str) -> int:
    return LIMITS.get(path, DEFAULT)


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """The 413: JSON for the API, the error page for a browser."""
    message = f"the request body is too large (at most {limit // KiB} KiB here)"
    await answer(scope, receive, send, 413, message, close=True)


async def serve_limited(scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
    """Run ``app`` on an HTTP request whose body may not pass its route's limit."""
    limit = limit_for(scope["path"])
    declared = declared_length(scope)
    if declared is not None and declared > limit:
        await refuse(scope, receive, send, limit)
        return
    received = 0
    over = False
    started = False

    async def counted() -> Message:
        nonlocal received, over
        if over:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                over = True  # the application hears that the client left; we answer 413
                return {"type": "http.disconnect"}
        return message

    async def guarded(message: Message) -> None:
        nonlocal started
        if over and not started:
            return  # whatever the application answers to the "disconnect", the 413 goes out
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, counted, guarded)
    except Exception:
        if not over:
            raise
    if over and not started:
        await refuse(scope, receive, send, limit)
