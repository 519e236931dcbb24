"""Filters (Mastodon's v2): a person names words they do not want to see in some contexts
(home, notifications, public, thread, account), to hide or to show behind a warning.

Statuses carry ``filtered`` for the person reading them: the filters whose keywords match the
post, each with the words that matched (Mastodon's FilterResult); apps hide (``hide``) or fold
(``warn``) the post where the filter's context applies. This is a Status part registered with
the posts feature (posts/steps.py), loaded once per page: one query for the reader's filters,
one for the page's texts when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.entities import _iso
from hashchat.apps.models import Filter, FilterKeyword
from hashchat.errors import Invalid, NotFound
from hashchat.parsing import check_id, find_id
from hashchat.posts.models import Post
from hashchat.posts.steps import StatusPart, Steps
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")
MAX_FILTERS, MAX_KEYWORDS, MAX_KEYWORD = 100, 100, 100


@dataclass(frozen=True, slots=True)
class KeywordChange:
    id: int | None
    keyword: str | None
    whole_word: bool | None
    destroy: bool


@dataclass(frozen=True, slots=True)
class FilterDraft:
    title: str | None
    context: list[str] | None
    action: str | None
    expires_in: int | None  # seconds; 0 clears it
    keywords: list[KeywordChange]


def _flag(value: object, default: bool) -> bool:
    if value in (None, ""):
        return default
    return str(value).lower() in ("true", "1", "on")


def check_keyword(raw: dict[str, Any], *, index: int) -> KeywordChange:
    field = f"keywords_attributes[{index}]"
    keyword = raw.get("keyword")
    if keyword is not None:
        if not isinstance(keyword, str) or not keyword.strip():
            raise Invalid("a keyword is some words", field=f"{field}[keyword]")
        if len(keyword) > MAX_KEYWORD:
            raise Invalid(f"a keyword is at most {MAX_KEYWORD} characters", field=field)
        keyword = keyword.strip()
    key = check_id(raw.get("id"), field=f"{field}[id]", message="id is a keyword's id")
    destroy = _flag(raw.get("_destroy"), False)
    if key is None and keyword is None:
        raise Invalid("a new keyword needs its keyword", field=f"{field}[keyword]")
    whole = raw.get("whole_word")
    return KeywordChange(key, keyword, None if whole in (None, "") else _flag(whole, True), destroy)


def check_filter(
    params: dict[str, Any], keywords: list[dict[str, Any]], *, new: bool
) -> FilterDraft:
    """A filter's fields as given (``new``: title and context are required)."""
    title = params.get("title")
    if title is not None or new:
        if not isinstance(title, str) or not title.strip():
            raise Invalid("a filter needs a title", field="title")
        if len(title) > 100:
            raise Invalid("a title is at most 100 characters", field="title")
        title = title.strip()
    context = params.get("context")
    if context is not None or new:
        items = context if isinstance(context, list) else [context] if context else []
        if not items or any(c not in CONTEXTS for c in items):
            raise Invalid(f"context is one or more of {', '.join(CONTEXTS)}", field="context")
        context = list(dict.fromkeys(str(c) for c in items))
    action = params.get("filter_action")
    if action is not None and action not in ACTIONS:
        raise Invalid(f"filter_action is {', '.join(ACTIONS)}", field="filter_action")
    expires_in = params.get("expires_in")
    seconds = None
    if expires_in is not None:
        try:
            seconds = 0 if expires_in == "" else int(str(expires_in))
        except ValueError:
            raise Invalid("expires_in is a number of seconds", field="expires_in") from None
        if seconds < 0:
            raise Invalid("expires_in is a number of seconds", field="expires_in")
    if len(keywords) > MAX_KEYWORDS:
        raise Invalid(f"at most {MAX_KEYWORDS} keywords", field="keywords_attributes")
    changes = [check_keyword(k, index=i) for i, k in enumerate(keywords)]
    return FilterDraft(title, context, action, seconds, changes)


def keyword_params(params: dict[str, Any], form: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """``keywords_attributes`` as a JSON list, or as a form's ``keywords_attributes[][keyword]``
    (each ``keyword`` or ``id`` starts the next one) or ``keywords_attributes[0][keyword]``."""
    listed = params.get("keywords_attributes")
    if isinstance(listed, list):
        return [k if isinstance(k, dict) else {"keyword": k} for k in listed]
    if isinstance(listed, dict):
        return [v for _, v in sorted(listed.items()) if isinstance(v, dict)]
    found: list[dict[str, Any]] = []
    indexed: dict[str, dict[str, Any]] = {}
    pattern = re.compile(r"^keywords_attributes\[(\d*)\]\[(\w+)\]$")
    for key, value in form:
        matched = pattern.match(key)
        if not matched:
            continue
        index, name = matched.groups()
        if index:
            indexed.setdefault(index, {})[name] = value
        else:
            if not found or name in found[-1]:
                found.append({})
            found[-1][name] = value
    return found + [indexed[i] for i in sorted(indexed, key=int)]


async def _own(session: AsyncSession, filter_id: object, account_id: int) -> Filter:
    row = await session.get(Filter, find_id(filter_id, field="id", message="Record not found"))
    if row is None or row.account_id != account_id:
        raise NotFound("Record not found", field="id")
    return row


async def save_filter(
    *, db: Database, account_id: int, draft: FilterDraft, filter_id: object = None
) -> int:
    """Create (``filter_id`` None) or change one of the person's filters, keywords too."""
    async with db.write() as session:
        if filter_id is None:
            mine = await session.scalars(select(Filter.id).where(Filter.account_id == account_id))
            count = len(list(mine))
            if count >= MAX_FILTERS:
                raise Invalid(f"at most {MAX_FILTERS} filters", field="title")
            row = Filter(account_id=account_id, title="", context="", action="warn")
            session.add(row)
        else:
            row = await _own(session, filter_id, account_id)
        if draft.title is not None:
            row.title = draft.title
        if draft.context is not None:
            row.context = " ".join(draft.context)
        if draft.action is not None:
            row.action = draft.action
        if draft.expires_in is not None:
            row.expires_at = (
                utcnow() + timedelta(seconds=draft.expires_in) if draft.expires_in else None
            )
        await session.flush()
        for change in draft.keywords:
            await _apply_keyword(session, row.id, change)
        return row.id


async def _apply_keyword(session: AsyncSession, filter_id: int, change: KeywordChange) -> None:
    if change.id is None:
        if not change.destroy:
            whole = True if change.whole_word is None else change.whole_word
            session.add(
                FilterKeyword(filter_id=filter_id, keyword=change.keyword, whole_word=whole)
            )
        return
    keyword = await session.get(FilterKeyword, change.id)
    if keyword is None or keyword.filter_id != filter_id:
        raise NotFound("no such keyword in this filter", field="keywords_attributes")
    if change.destroy:
        await session.delete(keyword)
        return
    if change.keyword is not None:
        keyword.keyword = change.keyword
    if change.whole_word is not None:
        keyword.whole_word = change.whole_word


async def delete_filter(*, db: Database, account_id: int, filter_id: object) -> None:
    async with db.write() as session:
        row = await _own(session, filter_id, account_id)
        await session.execute(delete(FilterKeyword).where(FilterKeyword.filter_id == row.id))
        await session.delete(row)


async def delete_keyword(*, db: Database, account_id: int, keyword_id: object) -> None:
    async with db.write() as session:
        keyword = await _keyword(session, keyword_id, account_id)
        await session.delete(keyword)


async def _keyword(session: AsyncSession, keyword_id: object, account_id: int) -> FilterKeyword:
    key = find_id(keyword_id, field="id", message="Record not found")
    keyword = await session.get(FilterKeyword, key)
    if keyword is None:
        raise NotFound("Record not found", field="id")
    await _own(session, keyword.filter_id, account_id)
    return keyword


async def get_keyword(
    session: AsyncSession, *, account_id: int, keyword_id: object
) -> FilterKeyword:
    return await _keyword(session, keyword_id, account_id)


async def filters_of(
    session: AsyncSession, account_id: int, *, active_only: bool = False, filter_id: object = None
) -> list[tuple[Filter, list[FilterKeyword]]]:
    query = select(Filter).where(Filter.account_id == account_id)
    if filter_id is not None:
        query = query.where(Filter.id == (await _own(session, filter_id, account_id)).id)
    if active_only:
        query = query.where(or_(Filter.expires_at.is_(None), Filter.expires_at > utcnow()))
    rows = list(await session.scalars(query.order_by(Filter.id)))
    if not rows:
        return []
    keywords: dict[int, list[FilterKeyword]] = {r.id: [] for r in rows}
    for keyword in await session.scalars(
        select(FilterKeyword)
        .where(FilterKeyword.filter_id.in_(keywords))
        .order_by(FilterKeyword.id)
    ):
        keywords[keyword.filter_id].append(keyword)
    return [(r, keywords[r.id]) for r in rows]


def keyword_entity(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def filter_entity(row: Filter, keywords: list[FilterKeyword]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "title": row.title,
        "context": row.context.split(),
        "expires_at": _iso(row.expires_at) if row.expires_at else None,
        "filter_action": row.action,
        "keywords": [keyword_entity(k) for k in keywords],
        "statuses": [],
    }


def _matcher(keyword: FilterKeyword) -> re.Pattern[str]:
    words = re.escape(keyword.keyword)
    return re.compile(rf"(?<!\w){words}(?!\w)" if keyword.whole_word else words, re.IGNORECASE)


def matches(text: str, keywords: list[FilterKeyword]) -> list[str]:
    """The keywords ``text`` contains (whole words where asked), case-insensitively."""
    return [k.keyword for k in keywords if _matcher(k).search(text)]


async def _load_filtered(
    session: AsyncSession, post_ids: Collection[int], viewer_id: int | None
) -> dict[int, Any]:
    if viewer_id is None:
        return {}
    active = await filters_of(session, viewer_id, active_only=True)
    found: dict[int, Any] = {i: [] for i in post_ids}
    if not active:
        return found
    for post_id, text in await session.execute(
        select(Post.id, Post.text).where(Post.id.in_(list(post_ids)))
    ):
        for row, keywords in active:
            words = matches(text, keywords)
            if words:
                found[post_id].append(
                    {
                        "filter": filter_entity(row, keywords),
                        "keyword_matches": words,
                        "status_matches": None,
                    }
                )
    return found


async def _never_written(
    session: AsyncSession, value: Any, post_id: int, tag_keys: list[str], now: datetime
) -> Any:
    return []  # a new post has no filters of its reader yet: filtered is per reader


def register(steps: Steps) -> None:
    steps.add_part(StatusPart("filtered", write=_never_written, load=_load_filtered))
