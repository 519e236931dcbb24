"""Polls: Mastodon's paths (``GET /api/v1/polls/:id``, ``POST /api/v1/polls/:id/votes``) and a
host's poll in a session (``/api/v1/chats/sessions/{session_id}/polls``). A Mastodon client
makes a poll with ``POST /api/v1/statuses`` and ``poll[...]`` (posts/api.py)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from hashchat.hosting import polls
from hashchat.hosting.sessions import visible_session
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep, WriteUser
from hashchat.web.params import body_doc, read_params

router = APIRouter(tags=["polls"])


class VoteIn(BaseModel):
    choices: list[int]  # option positions, from 0


class SessionPollIn(BaseModel):
    question: str  # the post's text; the chat's hashtag is added
    options: list[str]  # 2 to 6, each 1 to 50 characters
    expires_in: int  # seconds, 300 to 2629746
    multiple: bool = False


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


@router.get("/api/v1/polls/{poll_id}")
async def get_poll(poll_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    return _json(await polls.get_poll(session, poll_id, viewer_id=viewer.id if viewer else None))


@router.post("/api/v1/polls/{poll_id}/votes", openapi_extra=body_doc(VoteIn))
async def vote(poll_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Vote in a poll: ``choices[]`` (one, unless the poll is ``multiple``); once per person."""
    data = await read_params(request)
    entity = await polls.vote(db=rt.db, voter=viewer, poll_id=poll_id, choices=data.get("choices"))
    return _json(entity)


@router.post(
    "/api/v1/chats/sessions/{session_id}/polls",
    status_code=201,
    openapi_extra=body_doc(SessionPollIn),
)
async def create_session_poll(
    session_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> Response:
    """A poll in the session (hosts): posted from the host's account with the chat's hashtag
    and kept with the session. Answers the Status, its ``poll`` included."""
    data = await read_params(request)
    await rt.limiter.hit("post", str(viewer.id))
    created = await polls.create_session_poll(
        db=rt.db,
        actor=viewer,
        session_id=session_id,
        question=data.get("question"),
        options=data.get("options"),
        expires_in=data.get("expires_in"),
        multiple=data.get("multiple", False),
    )
    entity = {**created.entity, "favourited": False, "reblogged": False, "muted": False,
              "bookmarked": False, "pinned": False}  # fmt: skip
    entity["poll"] = {**entity["poll"], "voted": True, "own_votes": []}
    return _json(entity, status=201)


@router.get("/api/v1/chats/sessions/{session_id}/polls")
async def session_polls(session_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """The session's polls and their results, as Status entities, oldest first."""
    chat_session, _chat = await visible_session(session, session_id, viewer)
    viewer_id = viewer.id if viewer else None
    return _json(await polls.session_polls(session, chat_session.id, viewer_id=viewer_id))
