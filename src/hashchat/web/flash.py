"""Post/redirect/get with an error: a form whose POST fails sends the browser back (303) to its
page, which shows the message beside its field and what was typed. The browser never stays on
a POST-only URL, whose reload (or a live page's refetch) would answer 405.

The message rides in a short-lived cookie scoped to the page, signed with the secret key (no one
else can put words on the page) and read once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from hashchat.web.csrf import FIELD

COOKIE = "hc_flash"
MAX_AGE = 120  # seconds: the redirect is followed at once
MAX_VALUE = 1500  # characters of one typed value kept (a cookie holds about 4 KB)


def _sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), b"flash:" + data, hashlib.sha256).hexdigest()


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def redirect_with_error(
    request: Request, url: str, *, errors: dict[str, str], values: dict[str, str]
) -> Response:
    """303 to ``url`` (a local path, maybe with an #anchor), carrying ``errors`` (field ->
    message) and the form's ``values`` (the CSRF token left out) for that page to show."""
    kept = {k: v[:MAX_VALUE] for k, v in values.items() if k != FIELD}
    data = orjson.dumps({"errors": errors, "values": kept})
    if len(data) > 3000:  # too much typed to carry: the error alone
        data = orjson.dumps({"errors": errors, "values": {}})
    runtime = request.app.state.runtime
    token = base64.urlsafe_b64encode(data).decode() + "." + _sign(runtime.secret_key, data)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        COOKIE, token, max_age=MAX_AGE, path=_path(url), httponly=True, samesite="lax",
        secure=runtime.settings.secure_cookies,
    )  # fmt: skip
    return response


def take(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """The errors and values carried to this page (empty when none, or forged)."""
    token = request.cookies.get(COOKIE)
    if not token or "." not in token:
        return {}, {}
    encoded, signature = token.rsplit(".", 1)
    try:
        data = base64.urlsafe_b64decode(encoded.encode())
    except ValueError:
        return {}, {}
    if not hmac.compare_digest(signature, _sign(request.app.state.runtime.secret_key, data)):
        return {}, {}
    try:
        found: Any = orjson.loads(data)
        errors = {str(k): str(v) for k, v in found["errors"].items()}
        values = {str(k): str(v) for k, v in found["values"].items()}
    except (orjson.JSONDecodeError, KeyError, AttributeError, TypeError):
        return {}, {}
    return errors, values


def forget(request: Request, response: Response) -> Response:
    """Read once: the page that showed the message drops it."""
    if COOKIE in request.cookies:
        raw = request.scope.get("raw_path")
        path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
        response.delete_cookie(COOKIE, path=path)
    return response
