"""Mastodon's Account entity, built from an Account row."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.text import render_html


def remote_acct(handle: str, profile_url: str) -> str:
    """Mastodon's ``user@domain`` for someone on another network: a Mastodon handle has it
    already; a Bluesky handle (a domain name) takes its profile site's domain
    ("alice.bsky.social@bsky.app")."""
    if "@" in handle:
        return handle
    return f"{handle}@{urlsplit(profile_url).hostname or 'remote'}"


def render_bio(bio: str) -> str:
    if not bio:
        return ""
    return str(render_html(bio, tag_url=urls.tag, mention_url=urls.profile))


def account_entity(account: Account, *, source: bool = False) -> dict[str, Any]:
    """The public Account entity; ``source`` adds the owner-only fields of verify_credentials."""
    avatar = urls.avatar(account.id)
    acct, url = account.handle, urls.profile(account.handle)
    if account.origin is not None and account.origin_url:  # someone on another network
        acct, url = remote_acct(account.handle, account.origin_url), account.origin_url
    entity: dict[str, Any] = {
        "id": str(account.id),
        "username": account.handle.split("@", 1)[0],
        "acct": acct,
        "display_name": account.display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": _iso(account.created_at),
        "note": render_bio(account.bio),
        "url": url,
        "uri": url,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": "",
        "header_static": "",
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
