"""The analytics API: a session's figures (public, like its transcript) and a chat's sessions
over time (its hosts)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from hashchat.analytics import service
from hashchat.analytics.pages import figures_entity
from hashchat.web.deps import SessionDep, ViewerDep

router = APIRouter(tags=["analytics"])


@router.get("/api/v1/chats/sessions/{session_id}/analytics")
async def session_analytics(
    session_id: str, session: SessionDep, viewer: ViewerDep
) -> dict[str, Any]:
    """Participants (and, apart, people who only reposted), posts, replies, reposts, likes,
    posts per minute, answers per question, first-time and returning participants, and reach
    (distinct followers, each counted once)."""
    chat_session, chat = await service.visible_session(session, session_id, viewer)
    return figures_entity(await service.session_figures(session, chat_session, chat))


@router.get("/api/v1/chats/{tag}/analytics")
async def chat_analytics(tag: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """The chat's last sessions, oldest first, with their figures (the chat's hosts only)."""
    chat = await service.dashboard_chat(session, tag, viewer)
    figures = await service.chat_figures(session, chat)
    return {
        "chat": figures.hashtag,
        "participants_ever": figures.participants_ever,
        "posts": figures.posts,
        "sessions": [asdict(s) | {"session_id": str(s.session_id)} for s in figures.sessions],
    }
