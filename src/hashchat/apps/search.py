"""Mastodon's search (/api/v2/search, /api/v1/accounts/search): people by handle or name,
hashtags by name and chats by what they are about (a chat is found by its hashtag: searching
"writing" finds #writechat), and posts by their words.

People and hashtags page with ``offset``; posts with ``max_id``/``min_id`` (and ``offset``).
Only this server's accounts and posts exist, so ``resolve`` finds nothing more; a URL of one
of our posts or profiles finds that post or person.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import urls
from hashchat.accounts.models import Account, Follow
from hashchat.accounts.validation import handle_key
from hashchat.directory.models import Chat
from hashchat.directory.search import Filters, search_chats
from hashchat.errors import Invalid
from hashchat.parsing import check_id, parse_id
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.storage.base import utcnow
from hashchat.text import normalize_tag

TYPES = ("accounts", "hashtags", "statuses")
DEFAULT_LIMIT, MAX_LIMIT = 20, 40
MAX_QUERY = 200
MAX_OFFSET = 10_000
_POST_URL = re.compile(r"^/@([^/]+)/(\d+)$")
_PROFILE_URL = re.compile(r"^/@([^/]+)$")


@dataclass(frozen=True, slots=True)
class Search:
    q: str
    type: str | None = None
    following: bool = False
    account_id: int | None = None
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    max_id: int | None = None
    min_id: int | None = None


@dataclass(slots=True)
class Results:
    accounts: list[Account] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)  # as spelled in the chat or first post
    chats: dict[str, Chat] = field(default_factory=dict)  # hashtag key -> its listed chat
    statuses: list[Post] = field(default_factory=list)


def _flag(value: object) -> bool:
    return str(value).lower() in ("true", "1", "on", "yes")


def _number(value: object, name: str, *, low: int = 0) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise Invalid(f"{name} must be a number", field=name) from None
    if not low <= number <= MAX_OFFSET:
        raise Invalid(f"{name} must be between {low} and {MAX_OFFSET}", field=name)
    return number


def check_search(params: dict[str, Any]) -> Search:
    """The search asked for, or Invalid naming the parameter."""
    q = params.get("q")
    if isinstance(q, str):  # control characters are no words (and NUL no PostgreSQL text)
        q = "".join(c for c in q if c.isspace() or unicodedata.category(c) != "Cc")
    if not isinstance(q, str) or not q.strip():
        raise Invalid("q is required: the words to search for", field="q")
    kind = params.get("type") or None
    if kind is not None and kind not in TYPES:
        raise Invalid("type is accounts, hashtags or statuses", field="type")
    limit = _number(params.get("limit"), "limit", low=1) or DEFAULT_LIMIT
    return Search(
        q=" ".join(q.split())[:MAX_QUERY],
        type=kind,
        following=_flag(params.get("following")),
        account_id=check_id(params.get("account_id"), field="account_id"),
        offset=_number(params.get("offset"), "offset") or 0,
        limit=min(limit, MAX_LIMIT),
        max_id=check_id(params.get("max_id"), field="max_id"),
        min_id=check_id(params.get("min_id"), field="min_id"),
    )


def _like(words: str) -> str:
    """A LIKE pattern for text containing ``words`` (its wildcards taken literally)."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _own_path(q: str) -> str | None:
    """The path of ``q`` when it is a URL of this server."""
    if not q.startswith(("http://", "https://")):
        return None
    parts, ours = urlsplit(q), urlsplit(urls.base())
    if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
        return None
    return parts.path


async def search(session: AsyncSession, wanted: Search, *, viewer: Account | None) -> Results:
    """What matches ``wanted.q``, of the type asked for (every type when none)."""
    found = Results()
    if wanted.type in (None, "accounts"):
        found.accounts = await search_accounts(session, wanted, viewer=viewer)
    if wanted.type in (None, "hashtags"):
        found.hashtags, found.chats = await search_hashtags(session, wanted)
    # Mastodon searches posts only for someone signed in.
    if wanted.type in (None, "statuses") and viewer is not None:
        found.statuses = await search_statuses(session, wanted)
    return found


async def search_accounts(
    session: AsyncSession, wanted: Search, *, viewer: Account | None
) -> list[Account]:
    """People whose handle starts with the words or whose name contains them; the exact
    handle first, then the most followed. ``following``: only people the viewer follows."""
    q = wanted.q
    path = _own_path(q)
    if path is not None:
        matched = _PROFILE_URL.match(path)
        if not matched:
            return []
        q = matched.group(1)
    handle = q.lstrip("@")
    exact_only = path is not None
    if "@" in handle:  # an address, handle@domain: only this server's people are known
        handle, _, domain = handle.partition("@")
        if domain.lower() != urlsplit(urls.base()).netloc.lower():
            return []
        exact_only = True
    key = handle_key(handle)
    if not key:
        return []
    conditions: list[ColumnElement[bool]] = [
        Account.handle_key == key
        if exact_only
        else Account.handle_key.startswith(key, autoescape=True)
    ]
    if len(handle) >= 2 and not exact_only:
        conditions.append(Account.display_name.ilike(_like(handle), escape="\\"))
    query = select(Account).where(or_(*conditions))
    if wanted.following:
        if viewer is None:
            return []
        query = query.join(
            Follow, (Follow.followee_id == Account.id) & (Follow.follower_id == viewer.id)
        )
    exact = case((Account.handle_key == key, 0), else_=1)
    query = query.order_by(exact, Account.followers_count.desc(), Account.id)
    return list(await session.scalars(query.offset(wanted.offset).limit(wanted.limit)))


async def search_hashtags(
    session: AsyncSession, wanted: Search
) -> tuple[list[str], dict[str, Chat]]:
    """Hashtags named like the words (the exact one first) and the hashtags of chats about
    them (the directory's full-text search: title, topics, description)."""
    words = wanted.q.lstrip("#")
    key = normalize_tag(words.replace(" ", ""))
    names: dict[str, str] = {}
    chats: dict[str, Chat] = {}
    if key:
        exact = await session.scalar(select(Tag).where(Tag.key == key))
        if exact is not None:
            names[exact.key] = exact.name
    listed = await search_chats(session, Filters(q=words, limit=MAX_LIMIT), now=utcnow())
    for chat in listed.chats:
        chat_key = normalize_tag(chat.hashtag)
        names.setdefault(chat_key, chat.hashtag)
        chats[chat_key] = chat
    if key:
        rows = await session.scalars(
            select(Tag)
            .where(Tag.key.startswith(key, autoescape=True), Tag.key != key)
            .order_by(Tag.key)
            .limit(wanted.offset + wanted.limit)
        )
        for tag in rows:
            names.setdefault(tag.key, tag.name)
    page = list(names.items())[wanted.offset : wanted.offset + wanted.limit]
    return [name for _, name in page], {k: chats[k] for k, _ in page if k in chats}


async def search_statuses(session: AsyncSession, wanted: Search) -> list[Post]:
    """Posts containing the words (or carrying the hashtag, for ``#tag``), newest first;
    ``account_id`` limits them to one person's."""
    path = _own_path(wanted.q)
    if path is not None:
        matched = _POST_URL.match(path)
        key = parse_id(matched.group(2)) if matched else None
        post = await session.get(Post, key) if key else None
        return [post] if post is not None and post.deleted_at is None else []
    query = select(Post).where(Post.deleted_at.is_(None), Post.reblog_of_id.is_(None))
    if wanted.q.startswith("#") and " " not in wanted.q:
        tagged = (
            select(PostTag.post_id)
            .join(Tag, Tag.id == PostTag.tag_id)
            .where(Tag.key == normalize_tag(wanted.q[1:]), PostTag.reblog.is_(False))
        )
        query = query.where(Post.id.in_(tagged))
    else:
        for word in wanted.q.split():
            query = query.where(Post.text.ilike(_like(word), escape="\\"))
    if wanted.account_id is not None:
        query = query.where(Post.account_id == wanted.account_id)
    if wanted.max_id is not None:
        query = query.where(Post.id < wanted.max_id)
    if wanted.min_id is not None:
        query = query.where(Post.id > wanted.min_id)
    rows = list(
        await session.scalars(
            query.order_by(Post.id.desc()).offset(wanted.offset).limit(wanted.limit)
        )
    )
    return rows
