"""What a server says of itself (``GET /api/v2/instance``, else v1): where its streaming API is
(which may be another host than its API) and how long a post may be there. Kept with hashchat's
app on that server and asked again after a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hashchat.bridges.mastodon import client

DEFAULT_MAX_CHARACTERS = 500
STALE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Instance:
    streaming_url: str  # wss://... (ws:// for a server on this machine)
    max_characters: int


def _ws(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url.removeprefix("https://")
    if url.startswith("http://"):
        return "ws://" + url.removeprefix("http://")
    return url


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse(server: str, v2: Any, v1: Any = None) -> Instance:
    """The streaming address and character limit from an instance description (v2, else v1);
    what is missing or malformed falls back to the server itself and 500."""
    config = _dict(_dict(v2).get("configuration"))
    streaming = _dict(config.get("urls")).get("streaming")
    limit = _dict(config.get("statuses")).get("max_characters")
    if isinstance(v1, dict):
        statuses = _dict(_dict(v1.get("configuration")).get("statuses"))
        streaming = streaming or _dict(v1.get("urls")).get("streaming_api")
        limit = limit or statuses.get("max_characters") or v1.get("max_toot_chars")
    url = streaming if isinstance(streaming, str) and "://" in streaming else server
    chars = limit if isinstance(limit, int) and 0 < limit <= 1_000_000 else DEFAULT_MAX_CHARACTERS
    return Instance(_ws(url.rstrip("/")), chars)


async def describe(server: str) -> Instance:
    """Ask ``server`` (v2, falling back to v1 for servers before Mastodon 4.0)."""
    v2 = await client.get_json(server, "/api/v2/instance")
    if isinstance(v2, dict) and isinstance(v2.get("configuration"), dict):
        return parse(server, v2)
    return parse(server, v2, await client.get_json(server, "/api/v1/instance"))
