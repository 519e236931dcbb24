"""Mastodon's Account entity, built from an Account row."""

from __future__ import annotations

from typing import Any

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.text import render_html


def render_bio(bio: str) -> str:
    if not bio:
        return ""
    return str(render_html(bio, tag_url=urls.tag, mention_url=urls.profile))


def account_entity(account: Account, *, source: bool = False) -> dict[str, Any]:
    """The public Account entity; ``source`` adds the owner-only fields of verify_credentials."""
    avatar = urls.avatar(account.id)
    entity: dict[str, Any] = {
        "id": str(account.id),
        "username": account.handle,
        "acct": account.handle,
        "display_name": account.display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": _iso(account.created_at),
        "note": render_bio(account.bio),
        "url": urls.profile(account.handle),
        "uri": urls.profile(account.handle),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": urls.header(account.id),
        "header_static": urls.header(account.id),
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": account.last_status_at.date().isoformat()
        if account.last_status_at
        else None,
        "emojis": [],
        "fields": [{"name": "Website", "value": account.website, "verified_at": None}]
        if account.website
        else [],
        "time_zone": account.time_zone,
        "role": account.role,
    }
    if source:
        entity["source"] = {
            "note": account.bio,
            "fields": entity["fields"],
            "privacy": "public",
            "sensitive": False,
            "language": "",
            "follow_requests_count": 0,
        }
    return entity


def _iso(value: Any) -> str:
    text: str = value.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
