"""Whose clock a page or an answer is in: the viewer's time zone."""

from __future__ import annotations

from urllib.parse import unquote

from starlette.requests import Request

from hashchat.accounts.models import Account
from hashchat.accounts.validation import time_zones

COOKIE = "hc_tz"  # set by static/js/viewer-zone.js from the browser, for guests


def zone_for(request: Request, viewer: Account | None) -> tuple[str, str]:
    """(zone, where it came from): a ``tz`` parameter, else the profile, else the browser's
    (a cookie its script sets), else UTC."""
    asked = request.query_params.get("tz", "")
    if asked in time_zones():
        return asked, "query"
    if viewer is not None:
        return viewer.time_zone, "profile"
    cookie = unquote(request.cookies.get(COOKIE, ""))
    if cookie in time_zones():
        return cookie, "browser"
    return "UTC", "default"
