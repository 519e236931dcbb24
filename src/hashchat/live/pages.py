"""The live room (``/live/<tag>``) and the mixer (``/live?tags=a,b,c``). Without JavaScript the
room lists recent posts and can post; with it, posts arrive live (static/js/live.js)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat.accounts.relations import hidden_ids
from hashchat.errors import DomainError, Invalid
from hashchat.hosting.pages import EXTEND_CHOICES, SLOW_CHOICES
from hashchat.live.service import check_room_tags, load_room, with_room_tag
from hashchat.parsing import check_id
from hashchat.posts import service
from hashchat.text import normalize_tag
from hashchat.web import flash
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.errors import error_headers
from hashchat.web.forms import read_form, safe_next, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)


def room_path(tags: list[str]) -> str:
    if len(tags) == 1:
        return f"/live/{quote(tags[0], safe='')}"
    return f"/live?{urlencode({'tags': ','.join(tags)})}"


async def _page(
    request: Request, session: SessionDep, viewer: ViewerDep, raw_tags: list[str], *,
    error: str | None = None, draft: str = "", status: int = 200,
) -> Response:  # fmt: skip
    tags = check_room_tags(raw_tags)
    highlight = request.query_params.get("hosts", "").split(",")
    max_id = check_id(request.query_params.get("max_id"), field="max_id")
    room = await load_room(
        session, tags=tags, viewer_id=viewer.id if viewer else None, highlight=highlight,
        max_id=max_id,
    )  # fmt: skip
    hosted = None  # a single listed chat's room also shows its session, by question
    if len(room.tags) == 1:
        from hashchat.hosting.grouping import room_session

        hosted = await room_session(
            session, normalize_tag(room.tags[0]), viewer_id=viewer.id if viewer else None
        )
    by_question = hosted is not None and request.query_params.get("view") == "questions"
    can = {"run": False, "moderate": False}
    if hosted is not None and viewer is not None:
        from hashchat.hosting import roles

        for name in can:
            can[name] = await roles.can(
                session, hosted.chat.id, viewer, name, session_id=hosted.chat_session.id
            )
        # Hide, mute and ban wait until the listing is vouched for (directory/hosts.py).
        can["moderate"] = can["moderate"] and (
            viewer.is_admin or hosted.chat.vouched_at is not None
        )
    panels = None
    if hosted is not None:
        from hashchat.live.panels import room_panels

        panels = await room_panels(
            session, hosted, roles=room.hosts, viewer=viewer, runs=can["run"]
        )
    errors, values = flash.take(request)  # a host control's error, carried back to the room
    config = {
        "tags": room.tags,
        "since": str(room.since_id),
        "hosts": room.hosts,
        "viewer": {"id": str(viewer.id), "handle": viewer.handle} if viewer else None,
        "silenced": [str(i) for i in await hidden_ids(session, viewer.id)] if viewer else [],
        "maxLength": request.app.state.runtime.settings.post_max_length,
        "session": hosted.entity if hosted else None,
        "answers": {a["id"]: t.question.number for t in hosted.threads for a in t.answers}
        if hosted
        else {},
        "view": "questions" if by_question else "time",
        "can": can,
        "older": str(room.older) if room.older else None,
        "paged": max_id is not None,
        "current": _current(panels),
        "board": panels.board if panels else None,
        "watching": panels.presence.watching if panels else None,
    }
    page = render(
        request,
        "live/room.html",
        {"room": room, "config": config, "path": room_path(room.tags), "error": error,
         "draft": draft, "mixer": len(room.tags) > 1, "hosted": hosted,
         "by_question": by_question, "can": can, "panels": panels, "max_id": max_id,
         "errors": errors, "values": values, "extend_choices": EXTEND_CHOICES,
         "slow_choices": SLOW_CHOICES},
        status=status,
    )  # fmt: skip
    return flash.forget(request, page)


def _current(panels: Any) -> dict[str, Any] | None:
    current = panels.current if panels else None
    if current is None:
        return None
    return {"number": current.number, "text": current.text, "answers": current.answers,
            "posted_at": current.posted_at.isoformat() if current.posted_at else None}  # fmt: skip


@router.get("/live", response_class=HTMLResponse)
async def mixer(
    request: Request, session: SessionDep, viewer: ViewerDep, tags: str = ""
) -> Response:
    if not tags.strip():
        return render(request, "live/pick.html", {})
    return await _page(request, session, viewer, [tags])


@router.get("/live/{tag}", response_class=HTMLResponse)
async def room(tag: str, request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    return await _page(request, session, viewer, [tag])


@router.post("/live/post", response_class=HTMLResponse)
async def post_in_room(
    request: Request, rt: RuntimeDep, session: SessionDep, viewer: ViewerDep
) -> Response:
    """The no-JavaScript way to post in a room: the chosen chat's hashtag is added for you."""
    form = await read_form(request)
    tags = check_room_tags([form.get("tags", "")])
    back = safe_next(form.get("next"), room_path(tags))
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    chat = form.get("chat") or tags[0]
    if chat not in tags:
        chat = tags[0]
    try:
        if not form.get("status", "").strip():
            raise Invalid("a post needs some text", field="status")
        await rt.limiter.hit("post", str(viewer.id))
        await service.create_post(
            db=rt.db,
            author=viewer,
            text=with_room_tag(form.get("status", ""), chat),
            in_reply_to_id=form.get("in_reply_to_id") or None,
            bridges=(["bluesky"] if form.get("bluesky") else [])
            + (
                [f"mastodon:{form.get('mastodon_visibility') or 'public'}"]
                if form.get("mastodon")
                else []
            ),
        )
    except DomainError as exc:
        page = await _page(request, session, viewer, tags, error=exc.message,
                           draft=form.get("status", ""), status=exc.status)  # fmt: skip
        page.headers.update(error_headers(exc))
        return page
    return see_other(back)
