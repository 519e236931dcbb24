"""A session read back as people follow it: its questions in order, each with the answers
threaded under it (what classify.py recorded as the posts were written). The live room's
"by question" view and, later, the transcript read this one grouping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.hosting import roles
from hashchat.hosting.classify import question_entity
from hashchat.hosting.models import ChatSession, Question, SessionGuest, SessionPost
from hashchat.hosting.sessions import session_entity
from hashchat.hosting.visibility import shown_in
from hashchat.posts.entities import render_statuses
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow

ANSWERS_SHOWN = 200


@dataclass
class Thread:
    question: Question
    status: dict[str, Any] | None
    answers: list[dict[str, Any]] = field(default_factory=list)
    answers_count: int = 0


async def threads(
    session: AsyncSession, chat_session: ChatSession, *, viewer_id: int | None = None
) -> list[Thread]:
    """The asked questions by number, each with its answers (and replies under them) oldest
    first, at most ``ANSWERS_SHOWN`` each (``answers_count`` says how many there are); what
    the chat's moderation hides is left out (hosting/visibility.py)."""
    asked = list(
        await session.scalars(
            select(Question)
            .where(Question.session_id == chat_session.id, Question.state == "posted")
            .order_by(Question.number)
        )
    )
    rows = list(
        await session.execute(
            select(SessionPost.post_id, SessionPost.number)
            .join(Post, Post.id == SessionPost.post_id)
            .where(
                SessionPost.session_id == chat_session.id,
                SessionPost.kind.in_(("answer", "reply")),
                Post.deleted_at.is_(None),
                shown_in(chat_session.chat_id),
            )
            .order_by(SessionPost.post_id)
        )
    )
    by_number: dict[int, list[int]] = {}
    for post_id, number in rows:
        if number is not None:
            by_number.setdefault(number, []).append(post_id)
    wanted = {q.post_id for q in asked if q.post_id is not None}
    for q in asked:
        wanted.update(by_number.get(q.number, [])[:ANSWERS_SHOWN])
    posts = {
        p.id: p
        for p in await session.scalars(
            select(Post).where(
                Post.id.in_(wanted), Post.deleted_at.is_(None), shown_in(chat_session.chat_id)
            )
        )
    }
    entities = {
        int(e["id"]): e for e in await render_statuses(session, posts.values(), viewer_id=viewer_id)
    }
    result = []
    for q in asked:
        ids = by_number.get(q.number, [])
        result.append(
            Thread(
                question=q,
                status=entities.get(q.post_id) if q.post_id is not None else None,
                answers=[entities[i] for i in ids[:ANSWERS_SHOWN] if i in entities],
                answers_count=len(ids),
            )
        )
    return result


def thread_entity(thread: Thread, chat_session: ChatSession) -> dict[str, Any]:
    return {
        **question_entity(thread.question, chat_session),
        "status": thread.status,
        "answers": thread.answers,
        "answers_count": thread.answers_count,
    }


async def session_view(
    session: AsyncSession, chat_session: ChatSession, chat: Chat, viewer: Account | None
) -> dict[str, Any]:
    """The session entity as ``viewer`` sees it: with its guests, what the viewer may do, and
    the script (everything for its hosts; the asked questions for everyone else)."""
    from hashchat.hosting.questions import questions_of, script_entity

    capabilities = {
        name: await roles.can(session, chat.id, viewer, name, session_id=chat_session.id)
        for name in ("run", "moderate", "pick")
    }
    guests = list(
        await session.scalars(
            select(Account)
            .join(SessionGuest, SessionGuest.account_id == Account.id)
            .where(SessionGuest.session_id == chat_session.id)
            .order_by(Account.handle_key)
        )
    )
    every = await questions_of(session, chat_session.id)
    shown = every if capabilities["run"] else [q for q in every if q.state == "posted"]
    return {
        **session_entity(chat_session, chat),
        "guests": [a.handle for a in guests],
        "can": capabilities,
        "questions": script_entity(shown, chat_session),
    }


@dataclass
class RoomSession:
    """What a chat's live room shows of its session: the session, and its questions with
    their answers so far (the room's "by question" view)."""

    chat: Chat
    chat_session: ChatSession
    entity: dict[str, Any]
    threads: list[Thread]


async def room_session(
    session: AsyncSession, tag_key: str, *, viewer_id: int | None = None
) -> RoomSession | None:
    """The listed chat of ``tag_key``'s live session, else its next one, else its last."""
    from hashchat.hosting.sessions import current_or_next

    chat = await session.scalar(
        select(Chat).where(Chat.tag_key == tag_key, Chat.review == "approved")
    )
    if chat is None:
        return None
    chat_session = await current_or_next(session, chat, utcnow())
    if chat_session is None:
        return None
    found = await threads(session, chat_session, viewer_id=viewer_id)
    return RoomSession(chat, chat_session, session_entity(chat_session, chat), found)
