"""Questions: the host's script (Q1..Qn with minute offsets), and asking a question in the chat.

A question is posted from its author's account as "Qn: text #tag", in the same transaction that
claims its row (``scheduled`` -> ``posting``; classify.py then ties the post to it and marks it
``posted``). So a question is posted exactly once: a pass of the reconciler that dies half-way
rolls back both, and two passes at once serialise on the session's row and the second finds the
question gone from ``scheduled``.

Numbers of questions not yet posted are provisional. Whenever a question is asked, it takes the
number after the last one asked, and the questions still waiting are renumbered after it, in
their order: skip Q3 and the next one asked is still Q3; put a board question to the chat and the
script's Q3 becomes Q4. A posted question's number never changes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.errors import DomainError, Invalid, NotFound
from hashchat.hosting import roles
from hashchat.hosting.classify import chat_keys, question_entity, renumber
from hashchat.hosting.models import ChatSession, Question
from hashchat.live.service import with_room_tag
from hashchat.parsing import find_id
from hashchat.posts.batch import Draft, write_posts
from hashchat.posts.service import check_text
from hashchat.posts.writer import writer_for
from hashchat.realtime.events import record, session_stream
from hashchat.storage.engine import Database

log = logging.getLogger(__name__)
MAX_QUESTIONS = 30
WAITING = "scheduled"
ASKED = ("posting", "posted")


def question_text(number: int, text: str, tag: str) -> str:
    """What goes out: "Q3: text #tag" (the tag is not added twice)."""
    return with_room_tag(f"Q{number}: {text}", tag)


def check_question(text: object, chat: Chat, *, field: str = "text") -> str:
    """The question's own text, stripped; it must fit a post with its label and the hashtag
    (checked with a two-digit label, so renumbering can never push it over the limit)."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid("a question needs some text", field=field)
    text = " ".join(text.split())
    check_text(question_text(99, text, chat.hashtag), field=field)
    return text


def check_offset(
    offset: object, chat_session: ChatSession, *, field: str = "offset_minutes"
) -> int | None:
    """Minutes from the session's start, inside the session; None (or "") asks by hand."""
    if offset is None or offset == "":
        return None
    if isinstance(offset, bool):
        raise Invalid("the offset is a whole number of minutes", field=field)
    try:
        minutes = int(str(offset).strip())
    except ValueError:
        raise Invalid("the offset is a whole number of minutes", field=field) from None
    length = int((chat_session.ends_at - chat_session.starts_at).total_seconds() // 60)
    if not 0 <= minutes < length:
        raise Invalid(
            f"the offset must be inside the session: 0 to {length - 1} minutes", field=field
        )
    return minutes


async def locked_session(session: AsyncSession, session_id: object) -> tuple[ChatSession, Chat]:
    """The session with its row locked (PostgreSQL; SQLite writes are serial anyway): every
    change to a session's questions takes this lock first."""
    key = find_id(session_id, field="session_id", message="no such session")
    chat_session = await session.scalar(
        select(ChatSession)
        .where(ChatSession.id == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if chat_session is None:
        raise NotFound("no such session", field="session_id")
    chat = await session.get(Chat, chat_session.chat_id)
    assert chat is not None
    return chat_session, chat


async def _waiting(
    session: AsyncSession, question_id: object, actor: Account, *, doing: str = ""
) -> tuple[Question, ChatSession, Chat]:
    """A question still waiting, with its session locked, for a host to change (Forbidden for
    anyone else; Invalid once it was asked or skipped)."""
    question = await _question(session, question_id)
    chat_session, chat = await locked_session(session, question.session_id)
    await roles.require_in_session(session, chat_session, actor, "run")
    await session.refresh(question)
    if question.state != WAITING:
        raise Invalid(
            f"Q{question.number} was {question.state} already{doing}", field="question_id"
        )
    return question, chat_session, chat


async def _question(session: AsyncSession, question_id: object) -> Question:
    key = find_id(question_id, field="question_id", message="no such question")
    question = await session.get(Question, key)
    if question is None:
        raise NotFound("no such question", field="question_id")
    return question


async def questions_of(session: AsyncSession, session_id: int) -> list[Question]:
    """The session's questions: asked ones by number, then those waiting, then skipped."""
    rows = await session.scalars(select(Question).where(Question.session_id == session_id))
    order = {"posted": 0, "posting": 0, "scheduled": 1, "skipped": 2}
    return sorted(rows, key=lambda q: (order.get(q.state, 3), q.number, q.id))


async def _renumber(
    session: AsyncSession,
    session_id: int,
    *,
    first: Question | None = None,
    order: list[Question] | None = None,
) -> None:
    """Number the waiting questions after the last one asked, in their order (``first``, when
    given, goes first; ``order``, when given, is the whole new order)."""
    asked = await session.scalar(
        select(func.max(Question.number)).where(
            Question.session_id == session_id, Question.state.in_(ASKED)
        )
    )
    waiting = order or [q for q in await questions_of(session, session_id) if q.state == WAITING]
    if first is not None:
        waiting = [first, *[q for q in waiting if q.id != first.id]]
    await renumber(session, waiting, [(asked or 0) + 1 + i for i in range(len(waiting))])


def _due(chat_session: ChatSession, offset: int | None) -> datetime | None:
    return None if offset is None else chat_session.starts_at + timedelta(minutes=offset)


async def _announce(session: AsyncSession, chat_session: ChatSession, chat: Chat) -> None:
    """A ``script`` event on the session's stream: its questions changed (hosts' consoles)."""
    entities = [
        question_entity(q, chat_session) for q in await questions_of(session, chat_session.id)
    ]
    await record(
        session,
        kind="script",
        payload=orjson.dumps({"session_id": str(chat_session.id), "questions": entities}).decode(),
        streams=[session_stream(chat_session.id)],
    )


def _editable(chat_session: ChatSession) -> None:
    if chat_session.state in ("ended", "cancelled"):
        raise Invalid(f"the session has {chat_session.state}; its script is closed", field="state")


# -- the script ----------------------------------------------------------------------------


async def add_question(
    *, db: Database, actor: Account, session_id: object, text: object, offset_minutes: object = None
) -> Question:
    """Add a question at the end of the script."""
    async with db.write() as session:
        chat_session, chat = await locked_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        _editable(chat_session)
        body = check_question(text, chat)
        offset = check_offset(offset_minutes, chat_session)
        count = await session.scalar(
            select(func.count()).where(
                Question.session_id == chat_session.id, Question.state != "skipped"
            )
        )
        if (count or 0) >= MAX_QUESTIONS:
            raise Invalid(f"a session has at most {MAX_QUESTIONS} questions", field="text")
        top = await session.scalar(
            select(func.max(Question.number)).where(
                Question.session_id == chat_session.id, Question.state != "skipped"
            )
        )
        question = Question(
            session_id=chat_session.id,
            number=(top or 0) + 1,
            text=body,
            offset_minutes=offset,
            due_at=_due(chat_session, offset),
            state=WAITING,
            source="script",
            author_id=actor.id,
        )
        session.add(question)
        await session.flush()
        await _announce(session, chat_session, chat)
    return question


async def set_script(
    *, db: Database, actor: Account, session_id: object, items: object
) -> list[Question]:
    """Replace the questions still waiting with ``items`` ([{text, offset_minutes}], in order).
    Every item is checked before anything changes; an error names the item
    (``questions[2].text``)."""
    if not isinstance(items, list):
        raise Invalid("questions is a list of {text, offset_minutes}", field="questions")
    async with db.write() as session:
        chat_session, chat = await locked_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        _editable(chat_session)
        checked: list[tuple[str, int | None]] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise Invalid("each question is {text, offset_minutes}", field=f"questions[{i}]")
            checked.append(
                (
                    check_question(item.get("text"), chat, field=f"questions[{i}].text"),
                    check_offset(
                        item.get("offset_minutes"),
                        chat_session,
                        field=f"questions[{i}].offset_minutes",
                    ),
                )
            )
        existing = await questions_of(session, chat_session.id)
        asked = [q for q in existing if q.state in ASKED]
        if len(asked) + len(checked) > MAX_QUESTIONS:
            raise Invalid(f"a session has at most {MAX_QUESTIONS} questions", field="questions")
        for question in existing:
            if question.state == WAITING:
                await session.delete(question)
        await session.flush()
        top = max((q.number for q in asked), default=0)
        made = []
        for i, (body, offset) in enumerate(checked):
            question = Question(
                session_id=chat_session.id,
                number=top + 1 + i,
                text=body,
                offset_minutes=offset,
                due_at=_due(chat_session, offset),
                state=WAITING,
                source="script",
                author_id=actor.id,
            )
            session.add(question)
            made.append(question)
        await session.flush()
        await _announce(session, chat_session, chat)
    return made


async def edit_question(
    *,
    db: Database,
    actor: Account,
    question_id: object,
    text: object = None,
    offset_minutes: object = ...,
) -> Question:
    """Change a waiting question's text or offset (``offset_minutes=None`` makes it by hand).
    A question already asked cannot change: it is a post now."""
    async with db.write() as session:
        question, chat_session, chat = await _waiting(
            session, question_id, actor, doing="; it cannot be edited"
        )
        if text is not None:
            question.text = check_question(text, chat)
        if offset_minutes is not ...:
            question.offset_minutes = check_offset(offset_minutes, chat_session)
            question.due_at = _due(chat_session, question.offset_minutes)
        await _announce(session, chat_session, chat)
    return question


async def reorder(
    *, db: Database, actor: Account, session_id: object, order: object,
    keep_minutes: bool = False,
) -> list[Question]:  # fmt: skip
    """Put the waiting questions in ``order`` (their ids, every one of them once). The times
    stay where they were: the first question in the new order takes the earliest offset;
    with ``keep_minutes`` each question keeps its own minute instead (the console's up and
    down buttons, which ask before swapping two questions' minutes)."""
    if not isinstance(order, list) or not order:
        raise Invalid("order lists the ids of the questions still waiting", field="order")
    async with db.write() as session:
        chat_session, chat = await locked_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        _editable(chat_session)
        waiting = [q for q in await questions_of(session, chat_session.id) if q.state == WAITING]
        by_id = {str(q.id): q for q in waiting}
        wanted = [str(i) for i in order]
        if sorted(wanted) != sorted(by_id) or len(set(wanted)) != len(wanted):
            raise Invalid(
                "order must list every question still waiting, once each (asked and skipped "
                "ones keep their place)",
                field="order",
            )
        slots = sorted(
            (q.offset_minutes for q in waiting),
            key=lambda o: (o is None, o if o is not None else 0),
        )
        ordered = [by_id[i] for i in wanted]
        for question, offset in zip(ordered, slots, strict=True):
            if not keep_minutes:
                question.offset_minutes = offset
                question.due_at = _due(chat_session, offset)
        await _renumber(session, chat_session.id, order=ordered)
        await _announce(session, chat_session, chat)
    return ordered


async def skip(*, db: Database, actor: Account, question_id: object) -> Question:
    """Skip a waiting question: it stays in the script as skipped and is never posted."""
    async with db.write() as session:
        question, chat_session, chat = await _waiting(session, question_id, actor)
        question.state = "skipped"
        await session.flush()
        await _renumber(session, chat_session.id)
        await _announce(session, chat_session, chat)
    return question


# -- asking ---------------------------------------------------------------------------------


async def _ask(
    session: AsyncSession, db: Database, chat_session: ChatSession, chat: Chat, question: Question
) -> None:
    """Post ``question`` (waiting) as the next Qn from its author's account, in this transaction."""
    if chat_session.state != "live":
        raise Invalid(
            f"the session is {chat_session.state}; questions are asked while it is live",
            field="state",
        )
    author = await session.get(Account, question.author_id)
    if author is None:
        raise NotFound("the question's author is gone", field="question_id")
    await _renumber(session, chat_session.id, first=question)
    checked = check_text(question_text(question.number, question.text, chat.hashtag), field="text")
    question.state = "posting"  # classify.py claims it for this post, in this transaction
    await session.flush()
    chat_keys.forget()  # a chat listed a moment ago is a chat already
    results = await write_posts(
        session, [Draft(author.id, checked.text, checked.entities)], writer_for(db).tags
    )
    result = results[0]
    if isinstance(result, Exception):
        raise result
    if question.state != "posted":  # classify could not place it (outside the window)
        raise Invalid("the session's window is over; the question was not posted", field="state")


async def post_now(*, db: Database, actor: Account, question_id: object) -> Question:
    """Ask a waiting question now, as the next Qn."""
    async with db.write() as session:
        question, chat_session, chat = await _waiting(session, question_id, actor)
        await _ask(session, db, chat_session, chat, question)
    return question


async def ask_now(
    *,
    db: Database,
    actor: Account,
    session_id: object,
    text: object,
    source: str = "live",
    board_item_id: int | None = None,
) -> Question:
    """Ask a new question now from ``actor``'s account, as the next Qn: a host's question, or a
    Q&A board question picked by a host or guest (``source="board"``)."""
    async with db.write() as session:
        chat_session, chat = await locked_session(session, session_id)
        await roles.require_in_session(
            session, chat_session, actor, "pick" if source == "board" else "run"
        )
        body = check_question(text, chat)
        question = Question(
            session_id=chat_session.id,
            number=-1000,
            text=body,
            offset_minutes=None,
            due_at=None,
            state=WAITING,
            source=source,
            author_id=actor.id,
            board_item_id=board_item_id,
        )
        session.add(question)
        await session.flush()
        await _ask(session, db, chat_session, chat, question)
    return question


async def post_due(*, db: Database, now: datetime) -> tuple[int, datetime | None]:
    """The reconciler's step: ask every scripted question whose time has come in a live
    session, each in its own transaction; answer how many and when the next is due."""
    async with db.read() as session:
        due = list(
            await session.execute(
                select(Question.id, Question.session_id)
                .join(ChatSession, ChatSession.id == Question.session_id)
                .where(
                    Question.state == WAITING,
                    Question.due_at <= now,
                    ChatSession.state == "live",
                )
                .order_by(Question.due_at, Question.number)
                .limit(100)
            )
        )
    asked = 0
    for question_id, session_id in due:
        async with db.write() as session:
            chat_session, chat = await locked_session(session, session_id)
            question = await session.get(Question, question_id, populate_existing=True)
            if question is None or question.state != WAITING or chat_session.state != "live":
                continue  # another pass took it, or it was skipped or edited meanwhile
            if question.due_at is None or question.due_at > now:
                continue
            try:
                async with session.begin_nested():
                    await _ask(session, db, chat_session, chat, question)
            except DomainError as error:  # it can never go out as it is: say so, don't retry
                log.warning("Q%s of session %s was skipped: %s", question.number, session_id, error)
                question.state = "skipped"
                await _renumber(session, chat_session.id)
                continue
            asked += 1
    async with db.read() as session:
        wake = await session.scalar(
            select(func.min(Question.due_at))
            .join(ChatSession, ChatSession.id == Question.session_id)
            .where(
                Question.state == WAITING,
                Question.due_at > now,
                ChatSession.state.in_(("scheduled", "live")),
            )
        )
    return asked, wake


def script_entity(questions: list[Question], chat_session: ChatSession) -> list[dict[str, Any]]:
    return [
        question_entity(q, chat_session) | {"offset_minutes": q.offset_minutes} for q in questions
    ]
