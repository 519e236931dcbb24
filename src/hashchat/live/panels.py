"""What a chat's live room shows beside the stream during a session: the question being
answered now, the Q&A board, the session's poll, the people (hosts and guests first, then who
is posting), and, for its hosts, what comes next. Read with the hosting feature's own readers
(board, polls, questions), so each says what the session page says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.entities import account_entity
from hashchat.accounts.models import Account
from hashchat.hosting import board, polls, questions
from hashchat.hosting.grouping import RoomSession
from hashchat.hosting.models import Question
from hashchat.live.presence import Presence, room_presence

ROLE_ORDER = {"host": 0, "cohost": 1, "guest": 2, "moderator": 3}


@dataclass
class Current:
    """The question asked last in a live session, with its answers so far."""

    number: int
    text: str
    posted_at: datetime | None
    answers: int
    status_id: str | None


@dataclass
class Panels:
    current: Current | None
    board: dict[str, Any]
    poll: dict[str, Any] | None  # the session's latest poll, as a Status
    people: list[dict[str, Any]]  # {"account": Account entity, "role": str | None}
    presence: Presence
    next_up: list[Question] = field(default_factory=list)  # for its hosts: the waiting script
    waiting_ids: list[int] = field(default_factory=list)


def current_question(hosted: RoomSession) -> Current | None:
    if hosted.chat_session.state != "live" or not hosted.threads:
        return None
    last = max(hosted.threads, key=lambda t: t.question.number)
    q = last.question
    status_id = str(q.post_id) if q.post_id is not None else None
    return Current(q.number, q.text, q.posted_at, last.answers_count, status_id)


async def people(
    session: AsyncSession, roles: dict[str, str], posting: list[Account]
) -> list[dict[str, Any]]:
    """Hosts and guests first (``roles``: the room's, guests of the session included), then
    who posted lately."""
    ranked = {int(i): r for i, r in roles.items()}
    found = {
        a.id: a for a in await session.scalars(select(Account).where(Account.id.in_(list(ranked))))
    }
    first = sorted(found.values(), key=lambda a: (ROLE_ORDER.get(ranked[a.id], 9), a.handle_key))
    rows: list[dict[str, Any]] = [
        {"account": account_entity(a), "role": ranked[a.id]} for a in first
    ]
    rows += [{"account": account_entity(a), "role": None} for a in posting if a.id not in ranked]
    return rows


async def room_panels(
    session: AsyncSession,
    hosted: RoomSession,
    *,
    roles: dict[str, str],
    viewer: Account | None,
    runs: bool,
) -> Panels:
    """Everything beside the stream, as ``viewer`` sees it (``runs``: may run the session)."""
    chat_session = hosted.chat_session
    found = await room_presence(session, hosted.chat.tag_key)
    session_polls = await polls.session_polls(
        session, chat_session.id, viewer_id=viewer.id if viewer else None
    )
    panels = Panels(
        current=current_question(hosted),
        board=await board.public_board(session, chat_session.id, viewer=viewer),
        poll=session_polls[-1] if session_polls else None,
        people=await people(session, roles, found.posting),
        presence=found,
    )
    if runs:
        script = await questions.questions_of(session, chat_session.id)
        panels.next_up = [q for q in script if q.state == "scheduled"]
        panels.waiting_ids = [q.id for q in panels.next_up]
    return panels
