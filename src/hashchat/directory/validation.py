"""Checks on what hosts type into a listing; each raises Invalid naming the field. And the
description's Markdown, rendered without raw HTML and sanitised."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

from hashchat.errors import Invalid
from hashchat.posts.service import check_language
from hashchat.posts.tags import check_tag
from hashchat.text import is_valid_hashtag
from hashchat.text.clean import strip_controls

MAX_TITLE, MAX_DESCRIPTION, MAX_LINK = 120, 5000, 200
MAX_TOPICS, MAX_TOPIC = 8, 40
MAX_HOSTS = 6
MAX_REMIND_MINUTES = 7 * 24 * 60

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "hr",
}


def _clean_line(text: str) -> str:
    return " ".join(strip_controls(text).split())


def check_hashtag(value: object) -> tuple[str, str]:
    """(the hashtag as typed, without #; its matching key)."""
    if not isinstance(value, str) or not value.strip().lstrip("#"):
        raise Invalid("give the chat's hashtag, such as #writechat", field="hashtag")
    name = value.strip().lstrip("#")
    if not is_valid_hashtag("#" + name):
        raise Invalid(
            f"#{name} is not a hashtag: letters, digits and _ only, not only digits",
            field="hashtag",
        )
    return check_tag(name, field="hashtag")


def check_title(value: object) -> str:
    if not isinstance(value, str) or not _clean_line(value):
        raise Invalid("give the chat a title", field="title")
    title = _clean_line(value)
    if len(title) > MAX_TITLE:
        raise Invalid(f"a title has at most {MAX_TITLE} characters", field="title")
    return title


def check_description(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid("the description is text", field="description")
    text = value.replace("\r\n", "\n").strip()
    text = strip_controls(text, keep="\n\t")
    if len(text) > MAX_DESCRIPTION:
        raise Invalid(
            f"a description has at most {MAX_DESCRIPTION} characters", field="description"
        )
    return text


def check_topics(value: object) -> list[str]:
    """Topics as a list or a comma-separated text; each a short phrase, without duplicates."""
    if value is None or value == "":
        return []
    items: list[object]
    if isinstance(value, str):
        items = list(value.split(","))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise Invalid("topics are a list of words", field="topics")
    topics: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise Invalid("each topic is text", field="topics")
        topic = _clean_line(item).lstrip("#")
        if not topic:
            continue
        if len(topic) > MAX_TOPIC:
            raise Invalid(f"a topic has at most {MAX_TOPIC} characters", field="topics")
        key = topic_key(topic)
        if key not in seen:
            seen.add(key)
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise Invalid(f"a chat has at most {MAX_TOPICS} topics", field="topics")
    return topics


def topic_key(topic: str) -> str:
    return unicodedata.normalize("NFKC", topic).casefold().strip()


def check_link(value: object) -> str:
    from urllib.parse import urlsplit

    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value.strip()) > MAX_LINK:
        raise Invalid(f"a link has at most {MAX_LINK} characters", field="link")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("a link starts with http:// or https://", field="link")
    return value.strip()


def check_chat_language(value: object) -> str | None:
    try:
        return check_language(value)
    except Invalid as exc:
        raise Invalid(exc.message, field="language") from None


def check_remind_minutes(value: object) -> int | None:
    if value is None or value == "" or value == "none":
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise Invalid("remind me a number of minutes before", field="remind_minutes") from None
    if minutes < 0 or minutes > MAX_REMIND_MINUTES:
        raise Invalid(
            "a reminder comes between 0 minutes and 7 days before", field="remind_minutes"
        )
    return minutes


_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,30})$")


def host_handles(value: object) -> list[str]:
    """Handles from a list or a text such as "@maya, @lena" (in order, without repeats)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items: list[object] = list(re.split(r"[\s,;]+", value.strip()))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise Invalid("hosts are a list of @handles", field="hosts")
    handles: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise Invalid("hosts are a list of @handles", field="hosts")
        if not item.strip():
            continue
        match = _HANDLE.match(item.strip())
        if not match:
            raise Invalid(f"{item.strip()!r} is not an @handle", field="hosts")
        if match.group(1).lower() not in (h.lower() for h in handles):
            handles.append(match.group(1))
    if len(handles) > MAX_HOSTS:
        raise Invalid(f"a chat has at most {MAX_HOSTS} hosts", field="hosts")
    return handles


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML off: "<script>" in a description is shown as text.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})


def render_description(text: str) -> str:
    """Markdown to HTML, then sanitised (nh3) to a small set of tags, with safe links."""
    if not text:
        return ""
    html = _markdown().render(text)
    # Headings inside a chat's page sit under its own h1/h2: keep them small.
    html = re.sub(r"<(/?)h[1-2]>", r"<\1h3>", html)
    html = re.sub(r"<(/?)h[5-6]>", r"<\1h4>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


# The networks a chat can bring posts in from (bridges/), and when.
BRIDGE_NETWORKS = ("bluesky",)
BRIDGE_WHEN = ("sessions", "always")
MAX_BRIDGES = 2000  # chats.bridges


def check_bridges(value: object) -> list[str]:
    """A list of bridges (or one, or comma-separated), each known, each once: a network
    ("bluesky"), or a network and the place it is read from ("mastodon:https://server", read
    by the function its bridge registered in directory/bridging.py)."""
    from hashchat.directory.bridging import targets

    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise Invalid(
            'bridges is a list, such as ["bluesky", "mastodon:https://mastodon.social"]',
            field="bridges",
        )
    found: list[str] = []
    for item in items:
        name, _, place = item.strip().partition(":")
        name = name.lower()
        if not name:
            continue
        if name in targets:
            if not place.strip():
                raise Invalid(
                    f"name the server to read: {name}:https://mastodon.social", field="bridges"
                )
            name = f"{name}:{targets[name](place.strip())}"
        elif name not in BRIDGE_NETWORKS or place:
            known = ", ".join([*BRIDGE_NETWORKS, *(f"{t}:<server>" for t in targets)])
            raise Invalid(
                f"hashchat cannot bridge {item.strip()!r}; it bridges {known}", field="bridges"
            )
        if name not in found:
            found.append(name)
    if len(" ".join(found)) > MAX_BRIDGES:
        raise Invalid(f"at most {MAX_BRIDGES} characters of bridges", field="bridges")
    return found


def check_bridge_when(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in BRIDGE_WHEN:
        raise Invalid(
            'bridge_when is "sessions" (from 30 minutes before each session to its end) or '
            '"always"',
            field="bridge_when",
        )
    return value.strip().lower()


def check_flag(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes"):
        return True
    if text in ("false", "0", "off", "no", ""):
        return False
    raise Invalid(f"{field} is true or false", field=field)
