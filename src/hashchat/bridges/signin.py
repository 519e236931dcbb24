"""What both bridges' sign-ins share (Bluesky's in oauth_pages.py, Mastodon's in
mastodon/flow.py and mastodon/login_pages.py).

- :class:`RoundTrip`: what the callback needs waits in one sealed, HttpOnly cookie, scoped to
  the callback's path, for as long as the network's request lives; it is read once and then
  forgotten. No table, nothing the browser can read, no token in a URL.
- :func:`log_in_again`: the log-in page shown again, the reason beside that network's field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hashchat.bridges.api import sealer_of
from hashchat.bridges.sealing import Unsealable
from hashchat.errors import DomainError
from hashchat.web.errors import error_headers
from hashchat.web.templating import render


@dataclass(frozen=True)
class RoundTrip:
    cookie: str  # its name
    owner: str  # what the seal is for: a cookie sealed for another purpose does not open
    path: str  # the callback's path: the cookie goes nowhere else
    seconds: int  # how long the network's authorization request lives

    def keep(self, response: Response, rt: Any, pending: dict[str, Any]) -> Response:
        """``response`` (the redirect to the network) with ``pending`` sealed in the cookie."""
        response.set_cookie(
            self.cookie,
            sealer_of(rt).seal(self.owner, pending),
            max_age=self.seconds,
            httponly=True,
            samesite="lax",
            secure=rt.settings.secure_cookies,
            path=self.path,
        )
        return response

    def pending_of(self, request: Request, rt: Any) -> dict[str, Any]:
        """What :meth:`keep` kept for this browser; {} when nothing (or nothing that opens)."""
        sealed = request.cookies.get(self.cookie, "")
        try:
            return sealer_of(rt).open(self.owner, sealed) if sealed else {}
        except Unsealable:
            return {}

    def forget(self, response: Response) -> Response:
        """The callback's answer, with the cookie gone: a round trip is used once."""
        response.delete_cookie(self.cookie, path=self.path)
        return response


def log_in_again(
    request: Request, exc: DomainError, *, network: str, next: str, given: str = ""
) -> HTMLResponse:
    """The log-in page again, ``exc`` beside ``network``'s field (its part opened, ``given``
    in it), with the error's status and headers (a 429's Retry-After)."""
    return render(
        request,
        "accounts/login.html",
        {"values": {}, "errors": {network: exc.message}, "next": next, network: given},
        status=exc.status,
        headers=error_headers(exc),
    )
