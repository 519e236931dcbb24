"""A Bluesky post's text as safe HTML, and its hashtags, from the record's own facets.

Facets mark spans of the text by UTF-8 byte offsets (start inclusive, end exclusive) with what
they are: ``#tag`` (a hashtag, without "#"), ``#mention`` (a DID), ``#link`` (a URI). They are
the truth (the text may show a link shortened, and a "#word" without a facet is no hashtag), so
the HTML links exactly them, escaped as our own posts are (text/render.py). Hashtags are those
of the tag facets and the record's ``tags`` (up to 8 more, not in the text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hashchat import urls
from hashchat.text import Link, render_links

TAG = "app.bsky.richtext.facet#tag"
MENTION = "app.bsky.richtext.facet#mention"
LINK = "app.bsky.richtext.facet#link"
PROFILE = "https://bsky.app/profile/"


def _char_index(data: bytes, offset: object) -> int | None:
    """The code point index of UTF-8 byte ``offset``; None if it is not at a character's start
    or outside the text (a malformed facet is left out, not guessed)."""
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= len(data):
        return None
    try:
        return len(data[:offset].decode("utf-8"))
    except UnicodeDecodeError:
        return None


def render(text: str, facets: object, extra_tags: object = ()) -> tuple[str, list[str]]:
    """The post's HTML (without the enclosing paragraph) and its hashtags, in order, once."""
    links: list[Link] = []
    tags: list[str] = []
    data = text.encode("utf-8")
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, Mapping):
            continue
        index = facet.get("index")
        if not isinstance(index, Mapping):
            continue
        start = _char_index(data, index.get("byteStart"))
        end = _char_index(data, index.get("byteEnd"))
        features = facet.get("features")
        for feature in features if isinstance(features, list) else []:
            if not isinstance(feature, Mapping):
                continue
            kind = feature.get("$type")
            if kind == TAG and isinstance(feature.get("tag"), str):
                tags.append(feature["tag"])
                href, css = urls.tag(feature["tag"]), "hashtag"
            elif kind == MENTION and isinstance(feature.get("did"), str):
                href, css = PROFILE + feature["did"], "mention"
            elif kind == LINK and isinstance(feature.get("uri"), str):
                href, css = feature["uri"], "url"
            else:
                continue
            if start is not None and end is not None:
                links.append(Link(start, end, href, css))
            break  # one link per span
    tags += [t for t in (extra_tags if isinstance(extra_tags, list) else []) if isinstance(t, str)]
    return str(render_links(text, links)), list(dict.fromkeys(t for t in tags if t))


def hashtags(record: Mapping[str, Any]) -> list[str]:
    """The record's hashtags (tag facets and ``tags``), without rendering anything: what the
    reader matches chats against."""
    found: list[str] = []
    facets = record.get("facets")
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, Mapping) else None
        for feature in features if isinstance(features, list) else []:
            if isinstance(feature, Mapping) and feature.get("$type") == TAG:
                tag = feature.get("tag")
                if isinstance(tag, str) and tag:
                    found.append(tag)
    extra = record.get("tags")
    found += [t for t in (extra if isinstance(extra, list) else []) if isinstance(t, str) and t]
    return found
