"""Mastodon's paging for the API's lists of posts: ``max_id``/``since_id``/``min_id``/``limit``
in, a ``Link`` header out (next: older, prev: newer)."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse

from hashchat.posts.timelines import Page


class HasId(Protocol):
    id: int


def page_of(request: Request) -> Page:
    q = request.query_params
    return Page.parse(
        max_id=q.get("max_id"), since_id=q.get("since_id"), min_id=q.get("min_id"),
        limit=q.get("limit"),
    )  # fmt: skip


def paged(request: Request, rows: list[Any], entities: list[Any]) -> JSONResponse:
    """The page with Mastodon's Link header; ``rows`` (newest first) have the ids it pages by."""
    headers = {}
    if rows:
        base = str(request.url.remove_query_params(["max_id", "min_id", "since_id"]))
        join = "&" if "?" in base else "?"
        links = [
            f'<{base}{join}{urlencode({"max_id": rows[-1].id})}>; rel="next"',
            f'<{base}{join}{urlencode({"min_id": rows[0].id})}>; rel="prev"',
        ]
        headers["Link"] = ", ".join(links)
    return JSONResponse(entities, headers=headers)
