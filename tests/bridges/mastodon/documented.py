"""Mastodon's own entities and streaming frames, as its documentation shows them
(docs.joinmastodon.org: entities/Status, entities/Instance, methods/streaming), trimmed to the
fields the bridge reads, for what differs from hashchat's answers: remote accounts (``acct``
with a domain, ``uri`` the actor), tags, a streaming host on another domain."""

from __future__ import annotations

from typing import Any

import orjson


def status(
    *,
    id: str = "108914327388663283",
    uri: str = "https://letsalllovela.in/objects/e9cebb0c-7c75-414f-9608-20b5628e52d7",
    content: str = '<p>A1: glad i was able to help <a href="https://mastodon.social/tags/'
    'edchat" class="mention hashtag" rel="tag">#<span>EdChat</span></a></p>',
    edited_at: str | None = None,
    in_reply_to_id: str | None = None,
    visibility: str = "public",
) -> dict[str, Any]:
    return {
        "id": id,
        "created_at": "2022-08-30T23:05:46.839Z",
        "in_reply_to_id": in_reply_to_id,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": visibility,
        "language": "en",
        "uri": uri,
        "url": uri,
        "edited_at": edited_at,
        "content": content,
        "reblog": None,
        "account": {
            "id": "464472",
            "username": "freon",
            "acct": "freon@letsalllovela.in",
            "display_name": "freon",
            "url": "https://letsalllovela.in/users/freon",
            "uri": "https://letsalllovela.in/users/freon",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": "edchat", "url": "https://mastodon.social/tags/edchat"}],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def frame(event: str, payload: Any, tag: str = "edchat") -> str:
    """A WebSocket message: the payload a JSON string (or an id for ``delete``)."""
    body = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    return orjson.dumps({"stream": ["hashtag", tag], "event": event, "payload": body}).decode()


def instance_v2(streaming: str, max_characters: int = 500) -> dict[str, Any]:
    return {
        "domain": "mastodon.social",
        "configuration": {
            "urls": {"streaming": streaming, "status": None},
            "statuses": {
                "max_characters": max_characters,
                "max_media_attachments": 4,
                "characters_reserved_per_url": 23,
            },
        },
    }
