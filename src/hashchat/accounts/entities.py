"""Mastodon's Account entity, built from an Account row."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.text import render_html
from hashchat.text.render import LINK_REL, url_href


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


def render_website(url: str) -> str:
    """A profile's website as Mastodon clients expect a field's value: HTML, escaped, linked
    (rel ``me``) when it is an http(s) address. Clients render it as HTML, so the raw text
    would be stored XSS for anyone who can set it."""
    href = url_href(url) if url.lower().startswith(("http://", "https://")) else None
    if href is None:
        return str(Markup.escape(url))
    return str(
        Markup('<a href="{}" rel="{} me" target="_blank">{}</a>').format(href, LINK_REL, url)
    )


def account_entity(account: Account, *, source: bool = False) -> dict[str, Any]:
    """The public Account entity; ``source`` adds the owner-only fields of verify_credentials."""
    avatar = urls.avatar(account.id)
    acct, url = account.handle, urls.profile(account.handle)
    uri = url
    if account.origin is not None and account.origin_url:  # someone on another network
        acct, url = remote_acct(account.handle, account.origin_url), account.origin_url
        # The fediverse's id of them (an ActivityPub actor: the key a Mastodon bridge keeps).
        uri = account.handle_key if account.handle_key.startswith("https://") else url
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
        "uri": uri,
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
        "fields": [
            {"name": "Website", "value": render_website(account.website), "verified_at": None}
        ]
        if account.website
        else [],
        "time_zone": account.time_zone,
        "role": account.role,
    }
    if source:
        entity["source"] = {
            "note": account.bio,
            # The owner's own words, as typed (Mastodon's source.fields are plain text).
            "fields": [{"name": "Website", "value": account.website, "verified_at": None}]
            if account.website
            else [],
            "privacy": "public",
            "sensitive": False,
            "language": "",
            "follow_requests_count": 0,
        }
    return entity


def _iso(value: Any) -> str:
    text: str = value.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
