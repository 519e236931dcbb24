"""A Mastodon Status (as the REST API and the streams give it) as a remote post: keyed by its
ActivityPub ``uri``, linked to its ``url``, by the account whose actor URI is ``account.uri``
(``account.url`` before Mastodon 4.2). Its HTML is the server's, cleaned again here (links,
paragraphs and line breaks only); its text is that HTML's text."""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime
from typing import Any

import nh3

from hashchat.bridges import remote
from hashchat.bridges.mastodon.servers import domain_of

NETWORK = "mastodon"
MAX_TEXT = 20_000
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clean_html(content: str) -> str:
    return nh3.clean(
        content,
        tags={"a", "p", "br", "span"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="nofollow ugc noopener",
    )


def text_of(content: str) -> str:
    """The words of a Status's HTML: paragraphs and breaks as newlines, entities decoded."""
    return htmllib.unescape(_TAG.sub("", _BREAK.sub("\n", content))).strip()[:MAX_TEXT]


def when(value: object, now: datetime) -> datetime:
    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if found.tzinfo is not None:
                return found
        except ValueError:
            pass
    return now


def author_of(account: dict[str, Any], server: str) -> remote.RemoteAuthor | None:
    actor = account.get("uri") or account.get("url")
    if not isinstance(actor, str) or not actor.startswith(("https://", "http://")):
        return None
    acct = str(account.get("acct") or account.get("username") or "")
    handle = acct if "@" in acct else f"{acct}@{domain_of(server)}"  # one of the server's own
    return remote.RemoteAuthor(
        NETWORK,
        actor[:320],
        handle[:320],
        str(account.get("url") or actor)[:512],
        str(account.get("display_name") or ""),
    )


def remote_post(
    status: Any, server: str, now: datetime, reply_to: str | None = None
) -> remote.RemotePost | None:
    """The post ``status`` is; None for what is not a public post (a boost, a private or
    malformed one)."""
    if not isinstance(status, dict) or status.get("reblog"):
        return None
    if status.get("visibility", "public") not in ("public", "unlisted"):
        return None
    account = status.get("account")
    uri = status.get("uri")
    content = status.get("content")
    if not isinstance(account, dict) or not isinstance(uri, str) or not isinstance(content, str):
        return None
    author = author_of(account, server)
    if author is None or not uri.startswith(("https://", "http://")):
        return None
    url = status.get("url") if isinstance(status.get("url"), str) else uri
    tags = [
        str(t["name"])
        for t in status.get("tags") or []
        if isinstance(t, dict) and isinstance(t.get("name"), str)
    ]
    language = status.get("language")
    return remote.RemotePost(
        author=author,
        uri=uri[:512],
        url=str(url)[:512],
        created_at=when(status.get("created_at"), now),
        text=text_of(content),
        html=clean_html(content),
        tags=tags,
        reply_to=reply_to,
        language=language if isinstance(language, str) else None,
    )


def id_key(status_id: str) -> tuple[int, str]:
    """Orders status ids: Mastodon's are numbers in strings (snowflakes); longer is newer."""
    return (len(status_id), status_id)
