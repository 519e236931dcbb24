"""Jinja2 pages. Autoescaping is on for every template: user text is always escaped, and only
HTML that hashchat rendered itself (post content, marked safe in text/) goes in unescaped."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hashchat import urls
from hashchat.web import csrf

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _context(request: Request) -> dict[str, Any]:
    runtime = request.app.state.runtime
    auth = getattr(request.state, "auth", None)
    cookie = getattr(request.state, "csrf_cookie", "") or ""
    return {
        "viewer": auth.account if auth else None,
        "csrf_token": csrf.token_for(cookie, runtime.secret_key),
        "settings": runtime.settings,
        "urls": urls,
    }


def _local_time(value: datetime, zone: str = "UTC", fmt: str = "%d %b %Y, %H:%M") -> str:
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return value.astimezone(tz).strftime(fmt)


def _when(iso: str, zone: str = "UTC") -> str:
    """An API timestamp as the reader's wall-clock time ("UTC" named when no zone is known)."""
    value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    text = _local_time(value, zone, "%d %b %Y, %H:%M")
    return f"{text} UTC" if zone == "UTC" else text


templates = Jinja2Templates(directory=str(TEMPLATES), context_processors=[_context])
templates.env.filters["local_time"] = _local_time
templates.env.filters["when"] = _when
templates.env.globals["post_max_length"] = 280


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, context or {}, status_code=status, headers=headers
    )


def render_error(
    request: Request, status: int, message: str, *, headers: dict[str, str] | None = None
) -> HTMLResponse:
    return render(
        request, "error.html", {"status": status, "message": message}, status=status,
        headers=headers,
    )  # fmt: skip
