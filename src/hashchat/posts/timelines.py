"""Reading posts: hashtag, account, home and public timelines, and threads.

Pagination is Mastodon's: ``max_id`` (older than), ``since_id`` (newer than, newest first) and
``min_id`` (the page just after, oldest-first internally, returned newest first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hashchat.accounts.models import Follow, TagFollow
from hashchat.accounts.relations import hidden_from
from hashchat.errors import Invalid
from hashchat.parsing import check_id
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.text import normalize_tag

DEFAULT_LIMIT, MAX_LIMIT = 20, 40

# A rule that leaves posts out of a hashtag's timeline: given the timeline's tag keys, a SQL
# condition on ``Post`` that is true for a post to leave out. A feature above posts/ registers
# its rule (hosting: what a chat's moderation hides, hosting/visibility.py) when the app is
# built; posts/ never imports it (docs/architecture.md, "Extension by registration").
TagRule = Callable[[list[str]], Any]
_tag_rules: list[TagRule] = []


def register_tag_rule(rule: TagRule) -> None:
    """Apply ``rule`` to every hashtag timeline from now on (registering twice is once)."""
    if rule not in _tag_rules:
        _tag_rules.append(rule)


def left_out(tag_keys: list[str]) -> Any | None:
    """The registered rules for a timeline of ``tag_keys`` as one condition (None: none)."""
    if not _tag_rules or not tag_keys:
        return None
    return or_(*(rule(tag_keys) for rule in _tag_rules))


async def left_out_ids(
    session: AsyncSession, tag_names: Iterable[str], post_ids: Iterable[int]
) -> set[int]:
    """Which of ``post_ids`` the registered rules leave out of the timeline of ``tag_names``
    (an author's own view shows them, marked)."""
    keys = sorted({normalize_tag(n.lstrip("#")) for n in tag_names if n.strip("# ")})
    ids = sorted(set(post_ids))
    rule = left_out(keys)
    if rule is None or not ids:
        return set()
    return set(await session.scalars(select(Post.id).where(Post.id.in_(ids), rule)))


@dataclass(frozen=True, slots=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def parse(
        cls,
        *,
        max_id: object = None,
        since_id: object = None,
        min_id: object = None,
        limit: object = None,
    ) -> Page:
        def as_id(value: object, name: str) -> int | None:
            return check_id(value, field=name, message=f"{name} must be a post id (a number)")

        size = DEFAULT_LIMIT
        if limit not in (None, ""):
            size = check_id(limit, field="limit", message="limit must be a number") or 0
            if size < 1:
                raise Invalid("limit must be at least 1", field="limit")
            size = min(size, MAX_LIMIT)
        return cls(
            as_id(max_id, "max_id"), as_id(since_id, "since_id"), as_id(min_id, "min_id"), size
        )


async def _run(session: AsyncSession, ids: Select[Any], page: Page) -> list[Post]:
    """Apply the page to a query of post ids (column labelled ``id``) and load the posts."""
    sub = ids.subquery()
    query = select(sub.c.id)
    if page.max_id is not None:
        query = query.where(sub.c.id < page.max_id)
    if page.since_id is not None:
        query = query.where(sub.c.id > page.since_id)
    if page.min_id is not None:
        query = query.where(sub.c.id > page.min_id).order_by(sub.c.id.asc())
    else:
        query = query.order_by(sub.c.id.desc())
    chosen = list(await session.scalars(query.limit(page.limit)))
    if not chosen:
        return []
    posts = {p.id: p for p in await session.scalars(select(Post).where(Post.id.in_(chosen)))}
    return [posts[i] for i in sorted(chosen, reverse=True) if i in posts]


def _visible() -> list[ColumnElement[bool]]:
    return [Post.deleted_at.is_(None)]


def not_hidden(viewer_id: int | None) -> list[ColumnElement[bool]]:
    """For ``viewer_id``: leave out the posts of people they muted or blocked (or who blocked
    them), and reposts of such posts (accounts/relations.py)."""
    if viewer_id is None:
        return []
    hidden = hidden_from(viewer_id)
    original = aliased(Post)
    theirs = select(original.id).where(original.account_id.in_(hidden))
    return [
        Post.account_id.not_in(hidden),
        or_(Post.reblog_of_id.is_(None), Post.reblog_of_id.not_in(theirs)),
    ]


async def tag_ids(session: AsyncSession, names: list[str]) -> list[int]:
    keys = {normalize_tag(n.lstrip("#")) for n in names if n.strip("# ")}
    if not keys:
        return []
    return list(await session.scalars(select(Tag.id).where(Tag.key.in_(keys))))


async def tag_timeline(
    session: AsyncSession,
    *,
    any_tags: list[str],
    all_tags: list[str] | None = None,
    none_tags: list[str] | None = None,
    page: Page,
    include_reblogs: bool = False,
    only_account_ids: set[int] | None = None,
    viewer_id: int | None = None,
) -> list[Post]:
    """Posts carrying any of ``any_tags`` and every one of ``all_tags``, none of ``none_tags``,
    and not left out by a registered rule (what a chat's moderation hides), except the
    viewer's own posts: their author still sees them."""
    any_ids = await tag_ids(session, any_tags)
    if not any_ids:
        return []
    query = select(PostTag.post_id.label("id")).where(PostTag.tag_id.in_(any_ids))
    rule = left_out(sorted({normalize_tag(t.lstrip("#")) for t in any_tags if t.strip("# ")}))
    if rule is not None or only_account_ids is not None or viewer_id is not None:
        query = query.join(Post, Post.id == PostTag.post_id)
    if rule is not None:
        query = query.where(
            ~rule if viewer_id is None else or_(~rule, Post.account_id == viewer_id)
        )
    if not include_reblogs:
        query = query.where(PostTag.reblog.is_(False))
    if all_tags:
        all_ids = await tag_ids(session, all_tags)
        if len(all_ids) < len({normalize_tag(t) for t in all_tags}):
            return []  # a tag nobody has used: nothing can carry all of them
        having_all = (
            select(PostTag.post_id)
            .where(PostTag.tag_id.in_(all_ids))
            .group_by(PostTag.post_id)
            .having(func.count() == len(all_ids))
        )
        query = query.where(PostTag.post_id.in_(having_all))
    if none_tags:
        none_ids = await tag_ids(session, none_tags)
        if none_ids:
            query = query.where(
                PostTag.post_id.not_in(select(PostTag.post_id).where(PostTag.tag_id.in_(none_ids)))
            )
    if viewer_id is not None:  # people the viewer muted or blocked (accounts/relations.py)
        query = query.where(*not_hidden(viewer_id))
    if only_account_ids is not None:
        query = query.where(Post.account_id.in_(only_account_ids))
    return await _run(session, query.distinct(), page)


async def account_timeline(
    session: AsyncSession,
    *,
    account_id: int,
    page: Page,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    tagged: str | None = None,
) -> list[Post]:
    """One person's posts and reposts; ``exclude_replies`` keeps their replies to themselves
    (threads), as Mastodon does; ``tagged`` only posts carrying that hashtag."""
    query = select(Post.id.label("id")).where(Post.account_id == account_id, *_visible())
    if exclude_replies:
        query = query.where(
            or_(Post.in_reply_to_id.is_(None), Post.in_reply_to_account_id == account_id)
        )
    if exclude_reblogs:
        query = query.where(Post.reblog_of_id.is_(None))
    if tagged:
        ids = await tag_ids(session, [tagged])
        if not ids:
            return []
        query = query.where(
            Post.id.in_(
                select(PostTag.post_id).where(PostTag.tag_id.in_(ids), PostTag.reblog.is_(False))
            )
        )
    return await _run(session, query, page)


async def public_timeline(
    session: AsyncSession, *, page: Page, viewer_id: int | None = None
) -> list[Post]:
    query = select(Post.id.label("id")).where(
        Post.reblog_of_id.is_(None), *_visible(), *not_hidden(viewer_id)
    )
    return await _run(session, query, page)


async def home_timeline(session: AsyncSession, *, account_id: int, page: Page) -> list[Post]:
    """The person's own posts, those of accounts they follow, and posts in hashtags they follow."""
    followed = select(Follow.followee_id).where(Follow.follower_id == account_id)
    followed_tags = select(TagFollow.tag_id).where(TagFollow.account_id == account_id)
    in_tags = select(PostTag.post_id).where(
        PostTag.tag_id.in_(followed_tags), PostTag.reblog.is_(False)
    )
    query = select(Post.id.label("id")).where(
        or_(
            Post.account_id == account_id,
            Post.account_id.in_(followed),
            Post.id.in_(in_tags),
        ),
        *_visible(),
        *not_hidden(account_id),
    )
    return await _run(session, query, page)


@dataclass(frozen=True, slots=True)
class Thread:
    ancestors: list[Post]
    post: Post
    descendants: list[Post]


async def thread(session: AsyncSession, post: Post, *, limit: int = 500) -> Thread:
    """The post with the replies above it (oldest first) and the replies below it (depth-first,
    in the order they were written), as Mastodon's context endpoint gives them."""
    ancestors: list[Post] = []
    cursor = post
    seen = {post.id}
    while cursor.in_reply_to_id is not None and len(ancestors) < limit:
        parent = await session.get(Post, cursor.in_reply_to_id)
        if parent is None or parent.id in seen:
            break
        seen.add(parent.id)
        ancestors.append(parent)
        cursor = parent
    ancestors.reverse()
    rows = await session.scalars(
        select(Post)
        .where(Post.conversation_id == post.conversation_id, Post.id > post.id)
        .order_by(Post.id)
        .limit(limit * 4)
    )
    children: dict[int, list[Post]] = {}
    for row in rows:
        if row.in_reply_to_id is not None:
            children.setdefault(row.in_reply_to_id, []).append(row)
    descendants: list[Post] = []
    stack = list(reversed(children.get(post.id, [])))  # iterative: threads can be deep
    while stack and len(descendants) < limit:
        child = stack.pop()
        if child.deleted_at is None:
            descendants.append(child)
        stack.extend(reversed(children.get(child.id, [])))
    return Thread([a for a in ancestors if a.deleted_at is None], post, descendants)
