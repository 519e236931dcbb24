"""The moderation audit log's rows: every moderation action, who took it, on whom, and in which
session, written in the transaction of the action itself (read by hosting/moderation.py's
``audit_log``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession, ModerationAction
from hashchat.storage.base import utcnow


async def live_session_id(session: AsyncSession, chat: Chat) -> int | None:
    return await session.scalar(
        select(ChatSession.id)
        .where(ChatSession.chat_id == chat.id, ChatSession.state == "live")
        .order_by(ChatSession.starts_at)
        .limit(1)
    )


async def record_action(
    session: AsyncSession, chat: Chat, actor_id: int, action: str, *,
    session_id: int | None = None, account_id: int | None = None, post_id: int | None = None,
    detail: str = "",
) -> None:  # fmt: skip
    """One row of the log; ``session_id`` defaults to the chat's live session, if one is on."""
    if session_id is None:
        session_id = await live_session_id(session, chat)
    session.add(
        ModerationAction(
            chat_id=chat.id, session_id=session_id, actor_id=actor_id, action=action,
            target_account_id=account_id, target_post_id=post_id, detail=detail,
            created_at=utcnow(),
        )
    )  # fmt: skip
