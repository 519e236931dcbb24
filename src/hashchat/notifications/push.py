"""Web Push for notifications (filled in by the push feature): nothing to send yet."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.notifications.models import Notification


async def queue(session: AsyncSession, notification: Notification, entity: dict[str, Any]) -> None:
    """Queue ``notification`` for the recipient's push subscriptions (none yet)."""
    return None
