"""Answers given before a request reaches its route (web/bodylimit.py, the NUL guard): JSON
for the API, the error page for a browser, in the shape every other error has."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


async def answer(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, *, close: bool = False
) -> None:
    from hashchat.web.errors import error_response, wants_json

    request = Request(scope, receive)
    response: Response
    if wants_json(request) or "app" not in scope:
        response = error_response(status, message)
    else:
        from hashchat.web.templating import render_error

        response = render_error(request, status, message)
    if close:
        response.headers["Connection"] = "close"  # the rest of the body is never read
    await response(scope, receive, send)


async def refuse_nul(scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer a request with a NUL character (``%00``) in its path (404: nothing is called
    that) or its query string (400), and say whether it did. No name, tag or parameter of
    hashchat's holds NUL, and PostgreSQL refuses NUL in any text it is given (a 500), where
    SQLite would look it up or store it."""
    if "\x00" in scope["path"]:
        await answer(scope, receive, send, 404, "there is nothing at this address")
        return True
    if b"%00" in scope["query_string"]:
        await answer(scope, receive, send, 400, "a request may not contain NUL characters (%00)")
        return True
    return False
