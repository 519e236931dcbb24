"""The moderation API: hide and unhide posts, mute and ban people in a chat's room, read the
audit log (``/api/v1/chats/{tag}/moderation/...``), and slow mode and lock on a session
(``/api/v1/chats/sessions/{session_id}/...``). Roles are checked in hosting/moderation.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from hashchat import urls
from hashchat.hosting import moderation
from hashchat.hosting.sessions import session_entity
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, WriteUser
from hashchat.web.params import body_doc, read_params

router = APIRouter(tags=["moderation"])
BASE = "/api/v1/chats/{tag}/moderation"


class RestrictionIn(BaseModel):
    minutes: int | None = None  # leave out: until lifted


class SlowModeIn(BaseModel):
    seconds: int  # 0 (off) to 3600


@router.post(BASE + "/statuses/{status_id}/hide")
async def hide(tag: str, status_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Hide a post from the chat's room (hosts and moderators); a ``hide`` event follows."""
    return await moderation.hide_post(db=rt.db, actor=viewer, tag=tag, status_id=status_id)


@router.post(BASE + "/statuses/{status_id}/unhide")
async def unhide(tag: str, status_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    return await moderation.unhide_post(db=rt.db, actor=viewer, tag=tag, status_id=status_id)


async def _restrict(
    kind: str, tag: str, account_id: str, request: Request, rt: Any, viewer: Any
) -> dict[str, Any]:
    data = await read_params(request)
    return await moderation.restrict(
        db=rt.db, actor=viewer, tag=tag, kind=kind, account_id=account_id,
        minutes=data.get("minutes"),
    )  # fmt: skip


@router.post(BASE + "/accounts/{account_id}/mute", openapi_extra=body_doc(RestrictionIn))
async def mute(
    tag: str, account_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Mute a person in the chat (their posts with its hashtag are hidden from its room), for
    ``minutes`` or until unmuted."""
    return await _restrict("mute", tag, account_id, request, rt, viewer)


@router.post(BASE + "/accounts/{account_id}/ban", openapi_extra=body_doc(RestrictionIn))
async def ban(
    tag: str, account_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Ban a person from the chat (they cannot post with its hashtag), for ``minutes`` or until
    unbanned."""
    return await _restrict("ban", tag, account_id, request, rt, viewer)


@router.post(BASE + "/accounts/{account_id}/unmute")
async def unmute(tag: str, account_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    return await moderation.lift(
        db=rt.db, actor=viewer, tag=tag, kind="mute", account_id=account_id
    )


@router.post(BASE + "/accounts/{account_id}/unban")
async def unban(tag: str, account_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    return await moderation.lift(db=rt.db, actor=viewer, tag=tag, kind="ban", account_id=account_id)


@router.get(BASE + "/restrictions")
async def restrictions(tag: str, session: SessionDep, viewer: ReadUser) -> list[dict[str, Any]]:
    """Who is muted or banned in the chat now, and until when."""
    return await moderation.restrictions(session, actor=viewer, tag=tag)


@router.get(BASE + "/log")
async def log(tag: str, request: Request, session: SessionDep, viewer: ReadUser) -> Response:
    """The audit log, newest first: ``limit`` (20, at most 100) entries before ``max_id``; a
    ``Link`` header points to the next page."""
    page = await moderation.audit_log(
        session, actor=viewer, tag=tag, max_id=request.query_params.get("max_id"),
        limit=request.query_params.get("limit"),
    )  # fmt: skip
    headers: dict[str, str] = {}
    if page.next_max_id is not None:
        query = {"max_id": str(page.next_max_id)}
        if request.query_params.get("limit"):
            query["limit"] = request.query_params["limit"]
        next_url = f"{urls.base()}{request.url.path}?{urlencode(query)}"
        headers["Link"] = f'<{next_url}>; rel="next"'
    return Response(orjson.dumps(page.entries), headers=headers, media_type="application/json")


@router.post("/api/v1/chats/sessions/{session_id}/slow_mode", openapi_extra=body_doc(SlowModeIn))
async def slow_mode(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """One post per ``seconds`` per person in the session (0 turns it off); hosts only."""
    data = await read_params(request)
    chat_session, chat = await moderation.set_slow_mode(
        db=rt.db, actor=viewer, session_id=session_id, seconds=data.get("seconds")
    )
    return session_entity(chat_session, chat)


@router.post("/api/v1/chats/sessions/{session_id}/lock")
async def lock(session_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """While the session is live, only its hosts, moderators and guests can post with the
    chat's hashtag; hosts only."""
    chat_session, chat = await moderation.set_locked(
        db=rt.db, actor=viewer, session_id=session_id, locked=True
    )
    return session_entity(chat_session, chat)


@router.post("/api/v1/chats/sessions/{session_id}/unlock")
async def unlock(session_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    chat_session, chat = await moderation.set_locked(
        db=rt.db, actor=viewer, session_id=session_id, locked=False
    )
    return session_entity(chat_session, chat)
