"""Chats to suggest to a newcomer: those on the topics they picked, at the days and times of
day that suit them (in their own zone), the most followed first. When nothing matches all of
it, the times are let go first, then the topics: a newcomer always has chats to choose from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory import search
from hashchat.directory.models import Chat, ChatTopic
from hashchat.directory.schedule import WEEKDAYS
from hashchat.directory.validation import topic_key
from hashchat.errors import Invalid

MAX_TOPICS = 12
SUGGESTED = 12


@dataclass(frozen=True)
class Wishes:
    """What a newcomer picked: topics (their keys) and the days and time of day that suit them
    (``filters``: ``days``, ``time_from``/``time_to`` and ``zone`` only)."""

    topics: tuple[str, ...] = ()
    filters: search.Filters = field(default_factory=search.Filters)

    def query_items(self) -> list[tuple[str, str]]:
        """The picks as query parameters, for a link back to the form that keeps them."""
        items = [("topic", t) for t in self.topics]
        items += [("day", WEEKDAYS[d].lower()) for d in self.filters.days]
        part = next(
            (
                name
                for name, span in search.PARTS_OF_DAY.items()
                if span == (self.filters.time_from, self.filters.time_to)
            ),
            "",
        )
        if part:
            items.append(("time", part))
        return items


def check_wishes(data: Mapping[str, Any], *, zone: str) -> Wishes:
    """Wishes from the form's parameters: ``topic`` (repeated), ``day`` (repeated) and ``time``
    (morning, afternoon, evening or night); Invalid (with its field) for anything else."""
    raw = data.get("topic", [])
    names = raw if isinstance(raw, list) else [raw]
    topics: list[str] = []
    for name in names:
        key = topic_key(str(name).lstrip("#"))
        if not key:
            continue
        if len(key) > 40:
            raise Invalid("a topic has at most 40 characters", field="topic")
        if key not in topics:
            topics.append(key)
    if len(topics) > MAX_TOPICS:
        raise Invalid(f"pick at most {MAX_TOPICS} topics", field="topic")
    when = {k: data[k] for k in ("day", "time") if k in data}
    parsed = search.parse_filters(when, zone=zone)
    return Wishes(
        tuple(topics),
        search.Filters(
            days=parsed.days, time_from=parsed.time_from, time_to=parsed.time_to, zone=zone
        ),
    )


@dataclass
class Suggestions:
    chats: list[Chat]
    matched: str  # "all": topics and times; "topics": times let go; "popular": neither


async def suggest_chats(
    session: AsyncSession, wishes: Wishes, *, now: datetime, limit: int = SUGGESTED
) -> Suggestions:
    """Active, listed chats for ``wishes``: more topics in common first, then those that are
    not "may be inactive", then the most followed, then the soonest."""
    attempts: list[tuple[str, Wishes]] = [("all", wishes)]
    if wishes.filters.by_time and wishes.topics:
        attempts.append(("topics", Wishes(wishes.topics, search.Filters(zone=wishes.filters.zone))))
    attempts.append(("popular", Wishes()))
    for matched, attempt in attempts:
        chats = await _matching(session, attempt, now=now, limit=limit)
        if chats:
            return Suggestions(chats, matched)
    return Suggestions([], "popular")


async def _matching(
    session: AsyncSession, wishes: Wishes, *, now: datetime, limit: int
) -> list[Chat]:
    filters = search.Filters(
        days=wishes.filters.days,
        time_from=wishes.filters.time_from,
        time_to=wishes.filters.time_to,
        zone=wishes.filters.zone,
    )
    wanted = search.chat_query(session, filters, now)
    wanted.conditions.append(Chat.status == "active")  # "may be inactive" ones come last
    common = (
        select(func.count())
        .where(ChatTopic.chat_id == Chat.id, ChatTopic.key.in_(wishes.topics))
        .correlate(Chat)
        .scalar_subquery()
    )
    query = wanted.apply(select(Chat))
    if wishes.topics:
        query = query.where(
            Chat.id.in_(select(ChatTopic.chat_id).where(ChatTopic.key.in_(wishes.topics)))
        )
        query = query.order_by(common.desc())
    query = query.order_by(Chat.standing, Chat.followers_count.desc(), Chat.next_start, Chat.id)
    return list(await session.scalars(query.limit(limit)))


async def popular_topics(session: AsyncSession, limit: int = 24) -> list[str]:
    """The topics of the most listed active chats, for a newcomer to pick from."""
    rows = await session.execute(
        select(ChatTopic.key, func.count())
        .join(Chat, Chat.id == ChatTopic.chat_id)
        .where(Chat.review == "approved", Chat.status == "active")
        .group_by(ChatTopic.key)
        .order_by(func.count().desc(), ChatTopic.key)
        .limit(limit)
    )
    return [key for key, _count in rows]
