"""What an embed shows on another site: one post (or "deleted" where it was), or a question
with its most engaged answers, each linking back to the transcript it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.errors import NotFound
from hashchat.hosting.models import ChatSession, Question, SessionPost
from hashchat.parsing import find_id
from hashchat.posts.entities import render_statuses
from hashchat.posts.models import Post
from hashchat.transcripts import service
from hashchat.transcripts.exports import transcript_url

EMBED_ANSWERS = 5


@dataclass
class EmbeddedPost:
    status: dict[str, Any] | None  # None once deleted
    handle: str
    kind: str | None  # question, answer, reply or chat in a session; None outside one
    number: int | None
    late: bool
    transcript_url: str | None


@dataclass
class EmbeddedQuestion:
    thread: service.QuestionThread
    chat: Chat
    chat_session: ChatSession
    transcript_url: str


def _key(value: object, field: str) -> int:
    return find_id(value, field=field, message="there is no such post")


async def _listed_session(session: AsyncSession, session_id: int) -> tuple[ChatSession, Chat]:
    """A session whose chat everyone may see (embeds have no viewer)."""
    found = await session.execute(
        select(ChatSession, Chat)
        .join(Chat, Chat.id == ChatSession.chat_id)
        .where(ChatSession.id == session_id, Chat.review == "approved")
    )
    row = found.first()
    if row is None:
        raise NotFound("there is no such session", field="session_id")
    return row[0], row[1]


async def embedded_status(session: AsyncSession, status_id: object) -> EmbeddedPost:
    """The post ``status_id`` as anyone sees it; a deleted one keeps only who wrote it."""
    post = await session.get(Post, _key(status_id, "id"))
    if post is None or post.reblog_of_id is not None:
        raise NotFound("there is no such post", field="id")
    author = await session.get(Account, post.account_id)
    assert author is not None
    placed = await session.get(SessionPost, post.id)
    where = None
    if placed is not None:
        try:
            chat_session, chat = await _listed_session(session, placed.session_id)
            where = transcript_url(chat.hashtag, chat_session.id)
        except NotFound:
            placed = None
    status = None
    if post.deleted_at is None:
        status = (await render_statuses(session, [post]))[0]
    return EmbeddedPost(
        status=status,
        handle=author.handle,
        kind=placed.kind if placed else None,
        number=placed.number if placed else None,
        late=placed.late if placed else False,
        transcript_url=where,
    )


async def embedded_question(session: AsyncSession, question_id: object) -> EmbeddedQuestion:
    """An asked question with its ``EMBED_ANSWERS`` most engaged answers."""
    question = await session.get(Question, _key(question_id, "question_id"))
    if question is None or question.state != "posted":
        raise NotFound("there is no such question", field="question_id")
    chat_session, chat = await _listed_session(session, question.session_id)
    threads = await service.question_threads(
        session, chat, chat_session, order="engaged", limit=EMBED_ANSWERS, replies_limit=0,
        question_ids=[question.id],
    )  # fmt: skip
    return EmbeddedQuestion(
        thread=threads[0],
        chat=chat,
        chat_session=chat_session,
        transcript_url=transcript_url(chat.hashtag, chat_session.id) + f"#q{question.number}",
    )
