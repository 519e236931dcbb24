"""The Chat entity of hashchat's own API (``/api/v1/chats``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hashchat.accounts.entities import _iso, account_entity
from hashchat.accounts.models import Account
from hashchat.directory import links
from hashchat.directory.health import health_status
from hashchat.directory.models import Chat, ChatFollow, ChatOccurrence
from hashchat.directory.schedule import (
    Schedule,
    describe_duration,
    describe_rule,
    picked,
)
from hashchat.directory.search import ChatBrief


def schedule_entity(schedule: Schedule) -> dict[str, Any]:
    choice = picked(schedule.rrule, schedule.starts_on)
    return {
        "starts_on": schedule.starts_on.isoformat(),
        "start_time": f"{schedule.start_time:%H:%M}",
        "time_zone": schedule.time_zone,
        "duration_minutes": schedule.duration_minutes,
        "rrule": schedule.rrule,
        "repeat": choice.repeat,
        "weekday": choice.weekday,
        "nth": choice.nth,
        "text": schedule_text(schedule),
        "skipped": sorted(d.isoformat() for d in schedule.skipped),
        "moved": [
            {"date": d.isoformat(), "to": schedule.moved[d].isoformat(timespec="minutes")}
            for d in sorted(schedule.moved)
        ],
    }


def schedule_text(schedule: Schedule) -> str:
    """ "Every Wednesday, 20:00–21:00 America/New_York"."""
    start = schedule.dtstart
    end = start + schedule.duration
    words = describe_rule(schedule.rrule, schedule.starts_on, schedule.zone)
    return (
        f"{words}, {start:%H:%M}–{end:%H:%M} "
        f"{schedule.time_zone} ({describe_duration(schedule.duration_minutes)})"
    )


def occurrence_times(
    starts_at: datetime, ends_at: datetime, *, chat_zone: str, viewer_zone: str
) -> dict[str, Any]:
    here = ZoneInfo(viewer_zone)
    return {
        "starts_at": _iso(starts_at),
        "ends_at": _iso(ends_at),
        "local_start": starts_at.astimezone(ZoneInfo(chat_zone)).isoformat(timespec="minutes"),
        "viewer_start": starts_at.astimezone(here).isoformat(timespec="minutes"),
        "viewer_end": ends_at.astimezone(here).isoformat(timespec="minutes"),
        "viewer_time_zone": viewer_zone,
    }


def calendar_links(chat: Chat, schedule: Schedule) -> dict[str, str]:
    ics = links.chat_ics(chat.hashtag)
    return {
        "ics": ics,
        "webcal": links.webcal(ics),
        "google": links.google_calendar(
            title=f"#{chat.hashtag}: {chat.title}",
            details=f"{links.chat(chat.hashtag)}\n\n{chat.description[:300]}",
            schedule=schedule,
            location=links.chat(chat.hashtag),
        ),
    }


def chat_entity(
    chat: Chat,
    *,
    schedule: Schedule,
    hosts: list[tuple[Account, str]],
    viewer_zone: str,
    live: bool = False,
    follow: ChatFollow | None = None,
    viewer: bool = False,
    recent: list[ChatOccurrence] | None = None,
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """The chat as the API shows it; ``recent`` (counted occurrences) and ``notes``
    (daylight-saving notes) come with a single chat, not in lists."""
    next_occurrence = None
    if chat.next_start is not None and chat.next_end is not None:
        next_occurrence = occurrence_times(
            chat.next_start, chat.next_end, chat_zone=chat.time_zone, viewer_zone=viewer_zone
        )
    health: dict[str, Any] = {
        "status": health_status(chat),
        "inactive_since": _iso(chat.inactive_since) if chat.inactive_since else None,
    }
    if recent is not None:
        health["recent"] = [
            {
                "date": o.local_date.isoformat(),
                "starts_at": _iso(o.starts_at),
                "posts": o.posts_count,
                "participants": o.participants_count,
            }
            for o in recent
        ]
    entity: dict[str, Any] = {
        "id": str(chat.id),
        "hashtag": chat.hashtag,
        "title": chat.title,
        "url": links.chat(chat.hashtag),
        "ics_url": links.chat_ics(chat.hashtag),
        "calendar": calendar_links(chat, schedule),
        "description": chat.description,
        "description_html": chat.description_html,
        "topics": [t for t in chat.topics.split(", ") if t],
        "language": chat.language,
        "link": chat.link or None,
        "hosts": [{"role": role, "account": account_entity(a)} for a, role in hosts],
        "schedule": schedule_entity(schedule),
        "status": chat.status,
        "review": chat.review,
        "created_at": _iso(chat.created_at),
        "listed_at": _iso(chat.listed_at) if chat.listed_at else None,
        "next_occurrence": next_occurrence,
        "live": live,
        "health": health,
        "followers_count": chat.followers_count,
        "bridges": chat.bridge_networks,
        "bridge_when": chat.bridge_when,
        "bridged_in_exports": chat.bridged_in_exports,
        "bridge_lenders": chat.bridge_lenders,
    }
    if viewer:
        entity["following"] = (
            {"remind_minutes": follow.remind_minutes, "remind_by_email": follow.remind_by_email}
            if follow is not None
            else None
        )
    if notes is not None:
        entity["notes"] = notes
    return entity


def occurrence_entity(
    chat: Chat | ChatBrief,
    starts_at: datetime,
    ends_at: datetime,
    *,
    viewer_zone: str,
    moved: bool,
    live: bool,
) -> dict[str, Any]:
    """One occurrence in an agenda or an occurrence list."""
    return {
        "chat": {
            "id": str(chat.id),
            "hashtag": chat.hashtag,
            "title": chat.title,
            "url": links.chat(chat.hashtag),
            "status": chat.status,
            "health": health_status(chat),
        },
        **occurrence_times(starts_at, ends_at, chat_zone=chat.time_zone, viewer_zone=viewer_zone),
        "moved": moved,
        "live": live,
    }
