"""The Q&A board API (``/api/v1/chats/sessions/{session_id}/board...``). Roles are checked in
hosting/board.py; every answer that changes a question is the question as its caller sees it."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from hashchat.accounts.models import Account
from hashchat.hosting import board
from hashchat.hosting.models import BoardItem
from hashchat.hosting.sessions import session_entity, visible_session
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, ViewerDep, WriteUser
from hashchat.web.params import body_doc, read_params

router = APIRouter(tags=["board"])
BASE = "/api/v1/chats/sessions/{session_id}/board"


class QuestionIn(BaseModel):
    text: str
    anonymous: bool = False


class BoxIn(BaseModel):
    opens_at: str | None = None  # ISO 8601 with an offset; now when left out
    closes_at: str | None = None  # left out: when the session ends


class MergeIn(BaseModel):
    into_id: str


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _entity(rt: Any, item: BoardItem, viewer: Account) -> dict[str, Any]:
    """The question as ``viewer`` sees it now (read after the write committed)."""
    from hashchat.hosting import roles
    from hashchat.hosting.sessions import get_session

    async with rt.db.read() as session:
        fresh = await session.get(BoardItem, item.id)
        assert fresh is not None
        chat_session, _ = await get_session(session, fresh.session_id)
        moderator = await roles.can(
            session, chat_session.chat_id, viewer, "moderate", session_id=chat_session.id
        )
        return (
            await board.render_items(session, [fresh], moderator=moderator, viewer_id=viewer.id)
        )[0]


@router.get(BASE)
async def public_board(session_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """The board: approved and answered questions by votes (anonymous ones without their
    author), how many are pending, declined and merged, the box; ``yours`` for a signed-in
    viewer (their questions not on the board)."""
    await visible_session(session, session_id, viewer)
    return _json(await board.public_board(session, session_id, viewer=viewer))


@router.get(BASE + "/moderation")
async def moderation_board(
    session_id: str, session: SessionDep, viewer: ReadUser, state: str | None = None
) -> Response:
    """Every question with its author (hosts and moderators); ``state`` keeps one state."""
    return _json(await board.moderation_board(session, session_id, actor=viewer, state=state))


@router.post(BASE, status_code=201, openapi_extra=body_doc(QuestionIn))
async def submit(session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Send a question to the box (signed in, while it is open)."""
    data = await read_params(request)
    await rt.limiter.hit("post", str(viewer.id))
    item = await board.submit(
        db=rt.db,
        author=viewer,
        session_id=session_id,
        text=data.get("text"),
        anonymous=data.get("anonymous", False),
    )
    return _json(await _entity(rt, item, viewer), status=201)


@router.post(BASE + "/open", openapi_extra=body_doc(BoxIn))
async def open_box(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Open the question box (hosts), now or from ``opens_at``, until ``closes_at``."""
    data = await read_params(request)
    chat_session = await board.open_box(
        db=rt.db,
        actor=viewer,
        session_id=session_id,
        opens_at=data.get("opens_at"),
        closes_at=data.get("closes_at"),
    )
    return await _session(rt, chat_session.id)


@router.post(BASE + "/close")
async def close_box(session_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Close the question box now (hosts)."""
    chat_session = await board.close_box(db=rt.db, actor=viewer, session_id=session_id)
    return await _session(rt, chat_session.id)


async def _session(rt: Any, session_id: int) -> dict[str, Any]:
    from hashchat.hosting.sessions import get_session

    async with rt.db.read() as session:
        chat_session, chat = await get_session(session, session_id)
        return session_entity(chat_session, chat)


@router.post(BASE + "/{item_id}/upvote")
async def upvote(session_id: str, item_id: str, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Upvote a question on the board (once per person; not one's own)."""
    item = await board.upvote(db=rt.db, voter=viewer, session_id=session_id, item_id=item_id)
    return _json(await _entity(rt, item, viewer))


@router.delete(BASE + "/{item_id}/upvote")
async def unvote(session_id: str, item_id: str, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Take one's upvote back."""
    item = await board.unvote(db=rt.db, voter=viewer, session_id=session_id, item_id=item_id)
    return _json(await _entity(rt, item, viewer))


@router.post(BASE + "/{item_id}/approve")
async def approve(session_id: str, item_id: str, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Put a question on the board (hosts and moderators)."""
    item = await board.approve(db=rt.db, actor=viewer, session_id=session_id, item_id=item_id)
    return _json(await _entity(rt, item, viewer))


@router.post(BASE + "/{item_id}/reject")
async def reject(session_id: str, item_id: str, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Decline a question (hosts and moderators); the board counts it as declined."""
    item = await board.reject(db=rt.db, actor=viewer, session_id=session_id, item_id=item_id)
    return _json(await _entity(rt, item, viewer))


@router.post(BASE + "/{item_id}/merge", openapi_extra=body_doc(MergeIn))
async def merge(
    session_id: str, item_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> Response:
    """Merge a duplicate into ``into_id`` (hosts and moderators); answers the question it was
    merged into, with the votes carried over."""
    data = await read_params(request)
    into = data.get("into_id")
    if into is None or into == "":
        from hashchat.errors import Invalid

        raise Invalid("into_id is required", field="into_id")
    target = await board.merge(
        db=rt.db, actor=viewer, session_id=session_id, item_id=item_id, into_id=into
    )
    return _json(await _entity(rt, target, viewer))


@router.post(BASE + "/{item_id}/pick")
async def pick(session_id: str, item_id: str, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Ask an approved question in the live session as the next Qn (hosts and guests)."""
    item = await board.pick(db=rt.db, actor=viewer, session_id=session_id, item_id=item_id)
    return _json(await _entity(rt, item, viewer))
