"""Safe HTML rendering of a text with its hashtags, mentions and URLs linked."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .extract import Entity, extract_entities

#: ``rel`` of every link: user content, not endorsed, no window.opener.
LINK_REL = "nofollow ugc noopener"
#: URLs longer than this are displayed shortened, with an ellipsis.
MAX_URL_DISPLAY_LENGTH = 40

_HTTP_URL = re.compile(r"https?://", re.ASCII | re.IGNORECASE)
# A scheme without dots ("javascript:", "data:"): such URLs are never linked. A URL without
# a scheme ("example.com/a", "example.com:8080/a") is linked with "http://" before it.
_OTHER_SCHEME = re.compile(r"[a-z][a-z0-9+\-]*:", re.ASCII | re.IGNORECASE)
_NEWLINE = re.compile(r"\r\n|[\r\n]")


def _escape_text(text: str) -> str:
    return _NEWLINE.sub("<br>", str(escape(text)))


def url_href(url: str) -> str | None:
    """The ``href`` for a URL entity: itself if http(s), ``http://`` + it if it has no
    scheme, ``None`` (do not link) for any other scheme."""
    if _HTTP_URL.match(url):
        return url
    if _OTHER_SCHEME.match(url):
        return None
    return "http://" + url


def _display_url(url: str) -> str:
    if len(url) <= MAX_URL_DISPLAY_LENGTH:
        return url
    return url[: MAX_URL_DISPLAY_LENGTH - 1] + "\u2026"


def _link(href: str, label: str, css_class: str, title: str | None = None) -> str:
    title_attr = f' title="{escape(title)}"' if title is not None else ""
    return (
        f'<a href="{escape(href)}" class="{css_class}" rel="{LINK_REL}"{title_attr}>'
        f"{escape(label)}</a>"
    )


def render_html(
    text: str,
    entities: Sequence[Entity] | None = None,
    *,
    tag_url: Callable[[str], str],
    mention_url: Callable[[str], str | None],
) -> Markup:
    """``text`` as HTML: all of it escaped, newlines as ``<br>``, entities as links.

    Hashtags link to ``tag_url(tag)`` (class ``hashtag``), mentions to
    ``mention_url(screen_name)`` (class ``mention``; a list's ``/slug`` stays plain text;
    a mention whose ``mention_url`` is None, someone who has no account here, stays text),
    and http(s) URLs or URLs without a scheme to themselves (class ``url``; ``http://`` is
    added to the latter), shown as written and shortened beyond
    :data:`MAX_URL_DISPLAY_LENGTH` characters. URLs with any other scheme, cashtags and
    entities that overlap an earlier one or fall outside the text stay plain text. Every
    link has ``rel="nofollow ugc noopener"``. ``entities`` defaults to
    :func:`~hashchat.text.extract_entities` of ``text``.
    """
    if entities is None:
        entities = extract_entities(text)
    parts: list[str] = []
    pos = 0
    for entity in sorted(entities, key=lambda e: e.start):
        start, end = entity.start, entity.end
        if start < pos or end > len(text) or end <= start:
            continue
        written = text[start:end]
        if entity.kind == "hashtag":
            html = _link(tag_url(entity.text), written, "hashtag")
        elif entity.kind == "mention":
            href = mention_url(entity.text)
            if href is None:
                continue
            slug = entity.list_slug
            if slug and written.endswith(slug):
                mention = written[: -len(slug)]
                html = _link(href, mention, "mention") + _escape_text(slug)
            else:
                html = _link(href, written, "mention")
        elif entity.kind == "url":
            href = url_href(written)
            if href is None:
                continue
            display = _display_url(written)
            html = _link(href, display, "url", written if display != written else None)
        else:
            continue
        parts.append(_escape_text(text[pos:start]))
        parts.append(html)
        pos = end
    parts.append(_escape_text(text[pos:]))
    return Markup("".join(parts))  # noqa: S704 -- every part above is escaped


@dataclass(frozen=True, slots=True)
class Link:
    """A span of a text to link: code point indices (``end`` exclusive), where it points, and
    what it is (``hashtag``, ``mention`` or ``url``: the link's class)."""

    start: int
    end: int
    href: str
    kind: str


def render_links(text: str, links: Sequence[Link]) -> Markup:
    """``text`` as HTML with the given spans linked, escaped as :func:`render_html` does: for
    text whose links were found elsewhere (another network's own facets). A span that overlaps
    an earlier one, falls outside the text, or points anywhere but http(s) stays plain text."""
    parts: list[str] = []
    pos = 0
    for link in sorted(links, key=lambda k: k.start):
        if link.start < pos or link.end > len(text) or link.end <= link.start:
            continue
        href = link.href if _HTTP_URL.match(link.href) else None
        if href is None:
            continue
        parts.append(_escape_text(text[pos : link.start]))
        parts.append(_link(href, text[link.start : link.end], link.kind))
        pos = link.end
    parts.append(_escape_text(text[pos:]))
    return Markup("".join(parts))  # noqa: S704 -- every part above is escaped
