"""Form handling shared by the pages: read a form, check its CSRF token, and redirect safely."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

from hashchat.web import csrf
from hashchat.web.params import check_no_nul


async def read_form(request: Request) -> dict[str, str]:
    """The submitted form as a dict of strings, after the CSRF check (Forbidden if it fails).

    A browser that came without a CSRF cookie cannot hold a valid token, so it is refused
    before its body is read; a form never carries files here (those are refused unspooled)."""
    check_csrf_cookie(request)
    form = await request.form(max_files=0)
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    csrf.check(
        getattr(request.state, "csrf_cookie", None),
        data.get(csrf.FIELD),
        request.app.state.runtime.secret_key,
    )
    return check_no_nul(data)


def check_csrf_cookie(request: Request) -> None:
    """Forbidden, before anything is parsed, when the request brought no CSRF cookie."""
    if getattr(request.state, "csrf_fresh", True):
        csrf.check(None, None, "")


def safe_next(target: Any, default: str = "/") -> str:
    """A local path to go back to; anything pointing off-site becomes ``default``."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
