"""The hosting API (hashchat's own, under /api/v1/chats): a chat's sessions, running one
(start early, extend, end, details), its question script, and the answers under each question;
roles in a chat. Every check of who may do what is in the services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hashchat.accounts.models import Account
from hashchat.directory import service as directory
from hashchat.errors import Invalid, NotFound
from hashchat.hosting import grouping, questions, roles, sessions
from hashchat.hosting.classify import question_entity
from hashchat.hosting.models import ChatSession, Question
from hashchat.hosting.schemas import (
    AskIn,
    ExtendIn,
    OrderIn,
    QuestionEditIn,
    QuestionIn,
    RoleIn,
    ScriptIn,
    SessionEditIn,
)
from hashchat.parsing import parse_id
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep, WriteUser
from hashchat.web.params import body_doc, read_params

router = APIRouter(tags=["hosting"])


async def _view(rt: Any, chat_session: ChatSession, viewer: Account | None) -> dict[str, Any]:
    async with rt.db.read() as session:
        fresh, chat = await sessions.get_session(session, chat_session.id)
        return await grouping.session_view(session, fresh, chat, viewer)


async def _question_view(rt: Any, question: Any) -> dict[str, Any]:
    async with rt.db.read() as session:
        chat_session, _chat = await sessions.get_session(session, question.session_id)
        return question_entity(question, chat_session) | {"offset_minutes": question.offset_minutes}


@router.get("/api/v1/chats/{tag}/sessions")
async def chat_sessions(
    tag: str, session: SessionDep, viewer: ViewerDep, limit: int = 20
) -> list[dict[str, Any]]:
    """The chat's sessions, latest first (upcoming ones are made two weeks ahead)."""
    chat = await directory.visible_chat(session, tag, viewer)
    found = await sessions.sessions_of(session, chat, limit=max(1, min(limit, 100)))
    return [sessions.session_entity(s, chat) for s in found]


@router.get("/api/v1/chats/sessions/{session_id}")
async def one_session(session_id: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """A session with its guests, its questions (the whole script for its hosts) and what the
    viewer may do in it (``can``: run, moderate, pick)."""
    chat_session, chat = await sessions.visible_session(session, session_id, viewer)
    return await grouping.session_view(session, chat_session, chat, viewer)


@router.patch("/api/v1/chats/sessions/{session_id}", openapi_extra=body_doc(SessionEditIn))
async def edit_session(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Topic, notes, grace period (minutes after the end that still count) and guests."""
    data = await read_params(request)
    guests = data.get("guests")
    if isinstance(guests, str):
        guests = [g for g in guests.replace(",", " ").split() if g]
    if guests is not None and not (
        isinstance(guests, list) and all(isinstance(g, str) for g in guests)
    ):
        raise Invalid("guests is a list of handles", field="guests")
    changed = await sessions.update_details(
        db=rt.db,
        actor=viewer,
        session_id=session_id,
        topic=data.get("topic"),
        notes=data.get("notes"),
        grace_minutes=data.get("grace_minutes"),
        guests=guests,
    )
    return await _view(rt, changed, viewer)


@router.post("/api/v1/chats/sessions/{session_id}/start")
async def start(session_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Start a scheduled session now; it keeps its end, and the script keeps its offsets."""
    return await _view(
        rt, await sessions.start_now(db=rt.db, actor=viewer, session_id=session_id), viewer
    )


@router.post("/api/v1/chats/sessions/{session_id}/extend", openapi_extra=body_doc(ExtendIn))
async def extend(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    data = await read_params(request)
    changed = await sessions.extend(
        db=rt.db, actor=viewer, session_id=session_id, minutes=data.get("minutes")
    )
    return await _view(rt, changed, viewer)


@router.post("/api/v1/chats/sessions/{session_id}/end")
async def end(session_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    return await _view(
        rt, await sessions.end_now(db=rt.db, actor=viewer, session_id=session_id), viewer
    )


@router.get("/api/v1/chats/sessions/{session_id}/questions")
async def script(session_id: str, session: SessionDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """The questions: all of the script for the session's hosts, the asked ones for others."""
    chat_session, chat = await sessions.visible_session(session, session_id, viewer)
    view = await grouping.session_view(session, chat_session, chat, viewer)
    shown: list[dict[str, Any]] = view["questions"]
    return shown


@router.put("/api/v1/chats/sessions/{session_id}/questions", openapi_extra=body_doc(ScriptIn))
async def replace_script(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Replace the questions still waiting with ``questions`` ([{text, offset_minutes}])."""
    data = await read_params(request)
    await questions.set_script(
        db=rt.db, actor=viewer, session_id=session_id, items=data.get("questions")
    )
    async with rt.db.read() as session:
        chat_session, _chat = await sessions.get_session(session, session_id)
    return await _view(rt, chat_session, viewer)


@router.post(
    "/api/v1/chats/sessions/{session_id}/questions",
    status_code=201,
    openapi_extra=body_doc(QuestionIn),
)
async def add_question(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Add a question at the end of the script (``offset_minutes`` empty: ask it by hand)."""
    data = await read_params(request)
    made = await questions.add_question(
        db=rt.db,
        actor=viewer,
        session_id=session_id,
        text=data.get("text"),
        offset_minutes=data.get("offset_minutes"),
    )
    return await _question_view(rt, made)


@router.post("/api/v1/chats/sessions/{session_id}/questions/order", openapi_extra=body_doc(OrderIn))
async def reorder(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Put the waiting questions in a new order (``order``: their ids); times keep their slots."""
    data = await read_params(request)
    order = data.get("order")
    if isinstance(order, str):
        order = [part for part in order.replace(",", " ").split() if part]
    await questions.reorder(db=rt.db, actor=viewer, session_id=session_id, order=order)
    async with rt.db.read() as session:
        chat_session, _chat = await sessions.get_session(session, session_id)
    return await _view(rt, chat_session, viewer)


@router.patch(
    "/api/v1/chats/sessions/{session_id}/questions/{question_id}",
    openapi_extra=body_doc(QuestionEditIn),
)
async def edit_question(
    session_id: str, question_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Change a waiting question's ``text`` or ``offset_minutes``; one already asked cannot."""
    data = await read_params(request)
    await _belongs(rt, session_id, question_id)
    changed = await questions.edit_question(
        db=rt.db,
        actor=viewer,
        question_id=question_id,
        text=data.get("text"),
        offset_minutes=data.get("offset_minutes", ...),
    )
    return await _question_view(rt, changed)


@router.post("/api/v1/chats/sessions/{session_id}/questions/{question_id}/ask")
async def ask_question(
    session_id: str, question_id: str, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Ask a waiting question now, as the next Qn."""
    await _belongs(rt, session_id, question_id)
    return await _question_view(
        rt, await questions.post_now(db=rt.db, actor=viewer, question_id=question_id)
    )


@router.post("/api/v1/chats/sessions/{session_id}/questions/{question_id}/skip")
async def skip_question(
    session_id: str, question_id: str, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    await _belongs(rt, session_id, question_id)
    return await _question_view(
        rt, await questions.skip(db=rt.db, actor=viewer, question_id=question_id)
    )


@router.post(
    "/api/v1/chats/sessions/{session_id}/ask", status_code=201, openapi_extra=body_doc(AskIn)
)
async def ask_new(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Ask a new question now (not in the script), as the next Qn."""
    data = await read_params(request)
    made = await questions.ask_now(
        db=rt.db, actor=viewer, session_id=session_id, text=data.get("text")
    )
    return await _question_view(rt, made)


@router.get("/api/v1/chats/sessions/{session_id}/answers")
async def answers(session_id: str, session: SessionDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """The asked questions in order, each with its answers (Status entities) threaded under it."""
    chat_session, _chat = await sessions.visible_session(session, session_id, viewer)
    found = await grouping.threads(session, chat_session, viewer_id=viewer.id if viewer else None)
    return [grouping.thread_entity(t, chat_session) for t in found]


async def _belongs(rt: Any, session_id: str, question_id: str) -> None:
    """NotFound unless the question is one of this session's (the path says both)."""
    async with rt.db.read() as session:
        key = parse_id(question_id)
        question = await session.get(Question, key) if key else None
        if question is None or str(question.session_id) != session_id:
            raise NotFound("no such question in this session", field="question_id")


# -- roles ------------------------------------------------------------------------------------


@router.get("/api/v1/chats/{tag}/roles")
async def chat_roles(tag: str, session: SessionDep, viewer: ViewerDep) -> list[dict[str, str]]:
    """Who hosts, co-hosts, moderates and guests in the chat."""
    chat = await directory.visible_chat(session, tag, viewer)
    return await roles.listing(session, chat.id)


@router.post("/api/v1/chats/{tag}/roles", openapi_extra=body_doc(RoleIn))
async def grant_role(
    tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> list[dict[str, str]]:
    """Make someone a ``moderator`` or a standing ``guest`` of the chat (hosts only)."""
    data = await read_params(request)
    await roles.grant(
        db=rt.db, actor=viewer, tag=tag, handle=data.get("account"), role=data.get("role")
    )
    async with rt.db.read() as session:
        chat = await directory.get_chat(session, tag)
        return await roles.listing(session, chat.id)


@router.delete("/api/v1/chats/{tag}/roles/{handle}")
async def revoke_role(tag: str, handle: str, rt: RuntimeDep, viewer: WriteUser) -> Response:
    await roles.revoke(db=rt.db, actor=viewer, tag=tag, handle=handle)
    return Response(status_code=204)
