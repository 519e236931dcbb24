"""How long until an occurrence, as a person says it: "starts in 2 days, 3 h", "starts in
45 min", "live now", "ended". static/js/countdown.js says the same thing in the browser and
keeps it current; the page is right without it, as of when it was rendered."""

from __future__ import annotations

import math
from datetime import datetime


def countdown(starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    """The time left before ``starts_at``, rounded up to the minute, in its two largest units
    (days and hours, or hours and minutes); "live now" from the start to the end."""
    if now >= ends_at:
        return "ended"
    if now >= starts_at:
        return "live now"
    minutes = math.ceil((starts_at - now).total_seconds() / 60)
    if minutes < 60:
        return f"starts in {minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"starts in {hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"starts in {days} day{'s' if days != 1 else ''}" + (f", {hours} h" if hours else "")


def iso(value: datetime) -> str:
    """An instant as the countdown's ``data-starts`` / ``data-ends`` (UTC, with its Z)."""
    return value.isoformat().replace("+00:00", "Z")
