"""CSRF protection for forms and for cookie-authenticated API calls.

Every browser gets a random ``hc_csrf`` cookie (HttpOnly, SameSite=Lax). A form carries the
HMAC of that value under the server's key; a POST is accepted only when the two agree. Another
site can neither read the cookie nor compute the HMAC. JavaScript on our pages reads the token
from a ``<meta name="csrf-token">`` tag and sends it as ``X-CSRF-Token``.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hashchat.errors import Forbidden
from hashchat.security import new_token, same, sign

COOKIE = "hc_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def _cookie_value(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


class CSRFCookieMiddleware:
    """Gives each browser its CSRF cookie on first contact (pure ASGI: streams pass through)."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = _cookie_value(scope)
        fresh = value is None or len(value) < 16
        if fresh:
            value = new_token(24)
        state = scope.setdefault("state", {})
        state["csrf_cookie"] = value
        state["csrf_fresh"] = fresh  # no cookie came: no form of this request can be valid

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                attributes = f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000"
                if self.secure:
                    attributes += "; Secure"
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", attributes.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def token_for(cookie_value: str, secret: str) -> str:
    return sign(secret, "csrf:" + cookie_value)


def check(cookie_value: str | None, token: object, secret: str) -> None:
    if not cookie_value or not isinstance(token, str) or not token:
        raise Forbidden("the form has expired; reload the page and try again", field=FIELD)
    if not same(token_for(cookie_value, secret), token):
        raise Forbidden("the form has expired; reload the page and try again", field=FIELD)
