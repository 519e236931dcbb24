"""A post as a Bluesky record (app.bsky.feed.post): its text within Bluesky's limits (300
graphemes, 3,000 bytes), and its facets by Bluesky's own rules (the atproto SDK's port of the
official app's detection): hashtags, links, and mentions of handles resolved to DIDs. Facet
offsets are UTF-8 byte positions, start inclusive, end exclusive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import regex
from atproto_client.utils.facet_detection import detect_facets, detect_mentions

from hashchat.bridges.bluesky import identity
from hashchat.bridges.bluesky.richtext import MENTION
from hashchat.config import Settings
from hashchat.errors import Invalid

COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
_CLUSTER = regex.compile(r"\X")


def graphemes(text: str) -> int:
    """What Bluesky counts: extended grapheme clusters (UAX #29), as Intl.Segmenter does."""
    return len(_CLUSTER.findall(text))


def check_length(text: str, field: str = "status") -> None:
    count = graphemes(text)
    if count > MAX_GRAPHEMES:
        raise Invalid(
            f"Bluesky takes at most {MAX_GRAPHEMES} characters; this post has {count}",
            field=field,
        )
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise Invalid(f"Bluesky takes at most {MAX_BYTES} bytes of text", field=field)


def _plain(facet: Any) -> dict[str, Any]:
    dumped = facet.model_dump(by_alias=True, exclude_none=True)
    return {
        "index": {
            "byteStart": dumped["index"]["byteStart"],
            "byteEnd": dumped["index"]["byteEnd"],
        },
        "features": dumped["features"],
    }


async def facets_for(text: str, settings: Settings) -> list[dict[str, Any]]:
    """The text's facets; a mention whose handle resolves to no DID is left plain text."""
    facets = [_plain(f) for f in detect_facets(text)]
    resolved: dict[str, str | None] = {}
    for mention in detect_mentions(text):
        handle = mention.handle.lower()
        if handle not in resolved:
            resolved[handle] = await identity.did_for_handle(handle, settings)
        did = resolved[handle]
        if did is not None:
            facets.append(
                {
                    "index": {"byteStart": mention.byte_start, "byteEnd": mention.byte_end},
                    "features": [{"$type": MENTION, "did": did}],
                }
            )
    return sorted(facets, key=lambda f: int(f["index"]["byteStart"]))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build(
    *,
    text: str,
    created_at: datetime,
    facets: list[dict[str, Any]],
    language: str | None = None,
    reply: dict[str, Any] | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": COLLECTION, "text": text, "createdAt": iso(created_at)}
    if facets:
        record["facets"] = facets
    if language:
        record["langs"] = [language]
    if reply:
        record["reply"] = reply
    return record
