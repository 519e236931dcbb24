"""Which session a new post belongs to, and what it is there, decided as the post is written.

Called by the post writer inside the transaction that writes the posts (posts/batch.py), so a
post and its place in a session commit together: a post carrying a listed chat's hashtag while
a session of that chat is on (from its start to its end plus the grace period) belongs to it; so
does a reply to a post that belongs to it, whenever it is written (a reply to Q1 a day later is
a late answer). Within the session, a host's "Qn" post is question n, "An" is an answer to
question n, a reply to a question answers it, and a reply to an answer is discussion under it.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory.models import Chat, ChatHost
from hashchat.hosting.models import ChatSession, Question, SessionPost
from hashchat.hosting.numbering import answer_number, question_number, without_label
from hashchat.realtime.events import Event, record_many, session_stream, tag_stream
from hashchat.storage.base import table_of
from hashchat.storage.bulk import insert_rows
from hashchat.storage.sequence import take_ids

if TYPE_CHECKING:
    from hashchat.posts.batch import Created

MAX_GRACE = timedelta(minutes=120)
CHAT_KEYS_TTL = 5.0


class ChatKeys:
    """The hashtags that are listed chats, re-read every few seconds: most posts carry none,
    and then classifying costs one set intersection."""

    def __init__(self) -> None:
        self.keys: frozenset[str] = frozenset()
        self.read_at = 0.0

    async def get(self, session: AsyncSession) -> frozenset[str]:
        if time.monotonic() - self.read_at > CHAT_KEYS_TTL:
            self.keys = frozenset(await session.scalars(select(Chat.tag_key)))
            self.read_at = time.monotonic()
        return self.keys

    def forget(self) -> None:
        self.read_at = 0.0


chat_keys = ChatKeys()


def question_entity(question: Question, chat_session: ChatSession) -> dict[str, Any]:
    """The Question entity (hashchat's own): the number, text and where it stands."""
    return {
        "id": str(question.id),
        "session_id": str(chat_session.id),
        "number": question.number,
        "text": question.text,
        "state": question.state,
        "source": question.source,
        "status_id": str(question.post_id) if question.post_id else None,
        "due_at": question.due_at.isoformat().replace("+00:00", "Z") if question.due_at else None,
    }


async def classify(session: AsyncSession, created: list[Created], now: datetime) -> None:
    keys = {k for c in created for k in c.tag_keys}
    parent_ids = {c.post.in_reply_to_id for c in created if c.post.in_reply_to_id is not None}
    chat_tags = keys & await chat_keys.get(session) if keys else set()
    if not chat_tags and not parent_ids:
        return
    by_tag: dict[str, ChatSession] = {}
    if chat_tags:
        candidates = await session.execute(
            select(ChatSession, Chat.tag_key)
            .join(Chat, Chat.id == ChatSession.chat_id)
            .where(
                Chat.tag_key.in_(chat_tags),
                ChatSession.state.in_(("scheduled", "live", "ended")),
                ChatSession.starts_at <= now,
                ChatSession.ends_at >= now - MAX_GRACE,
            )
        )
        for candidate, key in candidates:
            end = candidate.ends_at + timedelta(minutes=candidate.grace_minutes)
            if candidate.starts_at <= now <= end and key not in by_tag:
                by_tag[key] = candidate
    parents: dict[int, SessionPost] = {}
    if parent_ids:
        for row in await session.scalars(
            select(SessionPost).where(SessionPost.post_id.in_(parent_ids))
        ):
            parents[row.post_id] = row
    placed: list[tuple[Created, ChatSession | int, SessionPost | None]] = []
    for c in created:
        tagged = next((by_tag[k] for k in c.tag_keys if k in by_tag), None)
        parent = parents.get(c.post.in_reply_to_id) if c.post.in_reply_to_id else None
        if tagged is not None:
            placed.append((c, tagged, parent))
        elif parent is not None:
            placed.append((c, parent.session_id, parent))
    if not placed:
        return
    session_ids = {s if isinstance(s, int) else s.id for _, s, _ in placed}
    sessions = {
        s.id: s
        for s in await session.scalars(select(ChatSession).where(ChatSession.id.in_(session_ids)))
    }
    chat_ids = {s.chat_id for s in sessions.values()}
    tags = dict(
        (await session.execute(select(Chat.id, Chat.tag_key).where(Chat.id.in_(chat_ids)))).all()
    )
    hosts: set[tuple[int, int]] = set(
        (
            await session.execute(
                select(ChatHost.chat_id, ChatHost.account_id).where(ChatHost.chat_id.in_(chat_ids))
            )
        ).all()
    )
    rows: list[dict[str, Any]] = []
    payloads: list[tuple[str, str, tuple[str, ...]]] = []
    for c, where, parent in placed:
        chat_session = sessions[where if isinstance(where, int) else where.id]
        end = chat_session.ends_at + timedelta(minutes=chat_session.grace_minutes)
        late = now > end
        kind, number = "chat", None
        text = c.post.text
        streams = (tag_stream(tags[chat_session.chat_id]), session_stream(chat_session.id))
        asked = question_number(text)
        question = None
        if asked is not None and not late:
            question = await session.scalar(
                select(Question).where(
                    Question.session_id == chat_session.id,
                    Question.number == asked,
                    Question.state != "skipped",
                )
            )
        # A question being asked (questions.py claimed its row: a script's, or a board
        # question picked by a host or guest), or a host writing "Qn" by hand.
        claimed = (
            question is not None
            and question.state == "posting"
            and question.author_id == c.post.account_id
        )
        is_host = (chat_session.chat_id, c.post.account_id) in hosts
        if asked is not None and not late and (claimed or is_host):
            kind, number = "question", asked
            if question is not None and question.state == "scheduled":
                # The host asked Qn by hand while the script still waits with its own Qn:
                # the script's questions move up one, to follow it.
                await _make_room(session, chat_session.id, asked)
                question = None
            if question is None:
                question = Question(
                    session_id=chat_session.id,
                    number=asked,
                    text=without_label(text),
                    source="live",
                    author_id=c.post.account_id,
                    offset_minutes=None,
                )
                session.add(question)
            if question.post_id is None:
                question.post_id, question.posted_at, question.state = c.post.id, now, "posted"
                await session.flush()
                payloads.append(
                    (
                        "question",
                        orjson.dumps(question_entity(question, chat_session)).decode(),
                        streams,
                    )
                )
            else:
                kind, number = "chat", None  # Qn was asked already: this one is talk
        if kind == "chat":
            answered = answer_number(text)
            if answered is not None:
                kind, number = "answer", answered
            elif parent is not None and parent.kind == "question":
                kind, number = "answer", parent.number
            elif parent is not None and parent.kind in ("answer", "reply"):
                kind, number = "reply", parent.number
        rows.append({"post_id": c.post.id, "session_id": chat_session.id, "kind": kind,
                     "number": number, "late": late})  # fmt: skip
        if kind == "answer":
            payload = {"session_id": str(chat_session.id), "question": number,
                       "status_id": str(c.post.id), "late": late}  # fmt: skip
            payloads.append(("answer", orjson.dumps(payload).decode(), streams))
    await insert_rows(session, table_of(SessionPost), rows)
    if payloads:
        first = await take_ids(session, len(payloads))
        await record_many(
            session, [Event(first + i, k, p, s) for i, (k, p, s) in enumerate(payloads)]
        )


async def renumber(session: AsyncSession, questions: list[Question], numbers: list[int]) -> None:
    """Give ``questions`` their new ``numbers`` in two steps through negative numbers, so the
    unique index (which checks each row as it changes) never sees two rows with one number."""
    for i, question in enumerate(questions):
        question.number = -(i + 1)
    await session.flush()
    for question, number in zip(questions, numbers, strict=True):
        question.number = number
    await session.flush()


async def _make_room(session: AsyncSession, session_id: int, number: int) -> None:
    """Move the waiting questions numbered ``number`` and up one number up."""
    waiting = list(
        await session.scalars(
            select(Question)
            .where(
                Question.session_id == session_id,
                Question.state == "scheduled",
                Question.number >= number,
            )
            .order_by(Question.number)
        )
    )
    await renumber(session, waiting, [q.number + 1 for q in waiting])
