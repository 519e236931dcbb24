"""What apps show people to explore: the hashtags trending now (the chats live now first, then
the tags most used in the last day, with a week's daily history), the posts most reposted and
liked lately, and people to follow (chat hosts, then the most followed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account, Follow
from hashchat.accounts.relations import hidden_from
from hashchat.directory.models import ChatHost
from hashchat.directory.search import live_now
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.storage.base import utcnow
from hashchat.text import normalize_tag

DAYS = 7
RECENT = timedelta(days=2)


@dataclass(slots=True)
class Trend:
    name: str
    live_chat: str | None = None  # the title of the chat live under it now
    uses: dict[str, int] = field(default_factory=dict)  # day (UTC midnight, unix) -> posts
    accounts: dict[str, int] = field(default_factory=dict)  # day -> distinct people


def _day(at: datetime) -> str:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return str(int(midnight.timestamp()))


async def trending_tags(
    session: AsyncSession, *, limit: int, offset: int = 0, now: datetime | None = None
) -> list[Trend]:
    """Hashtags of chats live now, then the tags with the most posts in the last 24 hours."""
    at = now or utcnow()
    trends: dict[str, Trend] = {}
    for happening in await live_now(session, now=at, limit=20):
        chat = happening.chat
        trends.setdefault(normalize_tag(chat.hashtag), Trend(chat.hashtag, chat.title))
    day_ago = at - timedelta(days=1)
    busy = await session.execute(
        select(Tag.key, Tag.name, func.count(PostTag.post_id).label("uses"))
        .join(PostTag, PostTag.tag_id == Tag.id)
        .join(Post, Post.id == PostTag.post_id)
        .where(Post.created_at > day_ago, Post.deleted_at.is_(None), PostTag.reblog.is_(False))
        .group_by(Tag.key, Tag.name)
        .order_by(func.count(PostTag.post_id).desc(), Tag.key)
        .limit(offset + limit + len(trends))
    )
    for key, name, _uses in busy:
        trends.setdefault(key, Trend(name))
    chosen = list(trends.items())[offset : offset + limit]
    if not chosen:
        return []
    start = (at - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    for trend in (t for _, t in chosen):
        for d in range(DAYS):
            trend.uses[_day(start + timedelta(days=d))] = 0
            trend.accounts[_day(start + timedelta(days=d))] = 0
    keys = [k for k, _ in chosen]
    rows = await session.execute(
        select(Tag.key, Post.created_at, Post.account_id)
        .join(PostTag, PostTag.tag_id == Tag.id)
        .join(Post, Post.id == PostTag.post_id)
        .where(Tag.key.in_(keys), Post.created_at >= start, Post.deleted_at.is_(None),
               PostTag.reblog.is_(False))
    )  # fmt: skip
    people: dict[tuple[str, str], set[int]] = {}
    for key, created_at, account_id in rows:
        day = _day(created_at)
        trends[key].uses[day] = trends[key].uses.get(day, 0) + 1
        people.setdefault((key, day), set()).add(account_id)
    for (key, day), who in people.items():
        trends[key].accounts[day] = len(who)
    return [t for _, t in chosen]


async def trending_posts(
    session: AsyncSession, *, limit: int, offset: int = 0, viewer_id: int | None = None
) -> list[Post]:
    """Posts of the last two days most reposted and liked (at least once)."""
    since = utcnow() - RECENT
    score = Post.reblogs_count * 2 + Post.favourites_count + Post.replies_count
    query = select(Post).where(
        Post.created_at > since, Post.deleted_at.is_(None), Post.reblog_of_id.is_(None),
        score > 0,
    )  # fmt: skip
    if viewer_id is not None:
        query = query.where(Post.account_id.not_in(hidden_from(viewer_id)))
    rows = await session.scalars(
        query.order_by(score.desc(), Post.id.desc()).offset(offset).limit(limit)
    )
    return list(rows)


async def suggestions(
    session: AsyncSession, *, viewer_id: int, limit: int
) -> list[tuple[Account, str]]:
    """People the viewer does not follow yet: chat hosts first ("featured"), then the most
    followed ("most_followed"). Never themselves, nor anyone muted or blocked either way."""
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer_id)
    base = and_(
        Account.id != viewer_id,
        Account.id.not_in(followed),
        Account.id.not_in(hidden_from(viewer_id)),
    )
    hosts = list(
        await session.scalars(
            select(Account).where(base, Account.id.in_(select(ChatHost.account_id)))
            .order_by(Account.followers_count.desc(), Account.id).limit(limit)
        )
    )  # fmt: skip
    found: list[tuple[Account, str]] = [(a, "featured") for a in hosts]
    if len(found) < limit:
        others = await session.scalars(
            select(Account).where(base, Account.id.not_in([a.id for a in hosts]))
            .order_by(Account.followers_count.desc(), Account.id).limit(limit - len(found))
        )  # fmt: skip
        found += [(a, "most_followed") for a in others]
    return found
