"""Headers every answer carries: pages may not be framed by other sites (their forms act in one
click: follow, delete, end a session), and no answer is sniffed as another type than it says.

A route that is meant to be framed (the embeds) says so itself with its own
``Content-Security-Policy: frame-ancestors ...``; everything else is ``frame-ancestors 'none'``
and ``X-Frame-Options: DENY`` (for browsers that predate frame-ancestors).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
DENY = (b"x-frame-options", b"DENY")
NO_FRAMES = b"frame-ancestors 'none'"


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with nosniff, and framing denied unless a policy already allows it."""
    names = {name.lower() for name, _ in headers}
    out = list(headers)
    if b"x-content-type-options" not in names:
        out.append(NOSNIFF)
    policy = next((v for n, v in out if n.lower() == b"content-security-policy"), None)
    if policy is not None and b"frame-ancestors" in policy:
        return out  # the route chose who may frame it (the embeds)
    if policy is None:
        out.append((b"content-security-policy", NO_FRAMES))
    else:
        out = [
            (n, v + b"; " + NO_FRAMES if n.lower() == b"content-security-policy" else v)
            for n, v in out
        ]
    if b"x-frame-options" not in names:
        out.append(DENY)
    return out


class SecurityHeadersMiddleware:
    """Adds :func:`with_security_headers` to every HTTP answer (pure ASGI: streams pass)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = with_security_headers(list(message.get("headers", [])))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
