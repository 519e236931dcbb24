"""Absolute URLs of hashchat's pages and API entities, from the configured public URL."""

from __future__ import annotations

from urllib.parse import quote

from hashchat.config import get_settings


def base() -> str:
    return get_settings().public_url


def profile(handle: str) -> str:
    return f"{base()}/@{quote(handle)}"


def post(handle: str, post_id: int) -> str:
    return f"{base()}/@{quote(handle)}/{post_id}"


def tag(name: str) -> str:
    return f"{base()}/tags/{quote(name, safe='')}"


def avatar(account_id: int) -> str:
    """PNG: native apps cannot draw SVG (the pages' own profile uses the SVG one)."""
    return f"{base()}/avatars/{account_id}.png"


def header(account_id: int) -> str:
    return f"{base()}/headers/{account_id}.png"


def live(name: str) -> str:
    return f"{base()}/live/{quote(name, safe='')}"
