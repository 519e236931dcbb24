"""Addresses of a chat's page, its calendar feed, a person's feed, and "add to calendar" links."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlencode

from hashchat import urls
from hashchat.directory.schedule import Schedule


def chat(hashtag: str) -> str:
    return f"{urls.base()}/chats/{quote(hashtag, safe='')}"


def chat_path(hashtag: str) -> str:
    return f"/chats/{quote(hashtag, safe='')}"


def chat_ics(hashtag: str) -> str:
    return f"{chat(hashtag)}.ics"


def webcal(url: str) -> str:
    """The same feed for "subscribe" buttons: calendar apps open webcal:// themselves."""
    return "webcal://" + url.split("://", 1)[1]


def personal_calendar(token: str) -> str:
    return f"{urls.base()}/calendar/{token}.ics"


def google_calendar(*, title: str, details: str, schedule: Schedule, location: str) -> str:
    """Google Calendar's "create event" template, in the chat's own zone, with the rule."""
    start = schedule.dtstart
    end = start + timedelta(minutes=schedule.duration_minutes)
    params = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start:%Y%m%dT%H%M%S}/{end:%Y%m%dT%H%M%S}",
        "ctz": schedule.time_zone,
        "details": details,
        "location": location,
    }
    if schedule.rrule:
        params["recur"] = f"RRULE:{schedule.rrule}"
    return "https://calendar.google.com/calendar/render?" + urlencode(params)
