"""Mastodon's Notification entity, with hashchat's own fields for chat notifications."""

from __future__ import annotations

from typing import Any

from hashchat.accounts.entities import _iso, account_entity
from hashchat.accounts.models import Account
from hashchat.directory import links
from hashchat.directory.models import Chat
from hashchat.notifications.models import Notification


def chat_summary(chat: Chat) -> dict[str, Any]:
    return {
        "id": str(chat.id),
        "hashtag": chat.hashtag,
        "title": chat.title,
        "url": links.chat(chat.hashtag),
    }


def notification_entity(
    notification: Notification,
    *,
    account: Account,
    chat: Chat | None,
    status: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``account`` is who the notification is from (who replied, liked, followed; a chat's
    host), or the person themself when it comes from hashchat; ``status`` the post it is
    about; ``text`` is one plain sentence (chat notifications), to show as text."""
    return {
        "id": str(notification.id),
        "type": notification.type,
        "group_key": f"ungrouped-{notification.id}",
        "created_at": _iso(notification.created_at),
        "account": account_entity(account),
        "status": status,
        "text": notification.text,
        "chat": chat_summary(chat) if chat is not None else None,
        "starts_at": _iso(notification.starts_at) if notification.starts_at else None,
    }
