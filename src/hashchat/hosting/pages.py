"""The hosting pages: a session's page (its questions with their answers, and for its hosts the
console that runs it). Every change goes through the same services as the API; the page works
without JavaScript (each button is a form)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat.accounts.models import Account
from hashchat.directory import links
from hashchat.directory import service as directory
from hashchat.directory.zones import zone_for
from hashchat.errors import DomainError, NotFound
from hashchat.hosting import board, grouping, moderation, polls, questions, sessions
from hashchat.hosting.models import ChatSession
from hashchat.parsing import parse_id
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.forms import read_form, safe_next, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

EXTEND_CHOICES = (10, 15, 30, 60)
POLL_MINUTES = (5, 10, 15, 30, 60)
SLOW_CHOICES = (0, 10, 30, 60, 120, 300)


def session_path(hashtag: str, session_id: int) -> str:
    return f"{links.chat_path(hashtag)}/sessions/{session_id}"


def _when(value: datetime, zone: str) -> str:
    here = value.astimezone(ZoneInfo(zone))
    return f"{here:%a} {here.day} {here:%b %Y}, {here:%H:%M}"


async def _context(
    session: Any, request: Request, chat_session: ChatSession, chat: Any, viewer: Account | None
) -> dict[str, Any]:
    zone, _source = zone_for(request, viewer)
    view = await grouping.session_view(session, chat_session, chat, viewer)
    threads = await grouping.threads(session, chat_session, viewer_id=viewer.id if viewer else None)
    script = await questions.questions_of(session, chat_session.id)
    moderating = view["can"]["moderate"]
    public = await board.public_board(session, chat_session.id, viewer=viewer)
    pending: list[dict[str, Any]] = []
    if moderating and viewer is not None:
        queue = await board.moderation_board(
            session, chat_session.id, actor=viewer, state="pending"
        )
        pending = queue["items"]
    viewer_id = viewer.id if viewer else None
    audit: list[dict[str, Any]] = []
    if moderating and viewer is not None:
        audit = (await moderation.audit_log(session, actor=viewer, tag=chat.hashtag)).entries
    waiting = [q for q in script if q.state == "scheduled"]
    return {
        "chat": chat,
        "s": view,
        "state": chat_session.state,
        "path": session_path(chat.hashtag, chat_session.id),
        "chat_path": links.chat_path(chat.hashtag),
        "starts": _when(chat_session.starts_at, zone),
        "ends": _when(chat_session.ends_at, zone),
        "zone": zone,
        "threads": threads,
        "script": script,
        "waiting_ids": [q.id for q in waiting],
        "asked_at": {
            q.id: f"{q.posted_at.astimezone(ZoneInfo(zone)):%H:%M}" for q in script if q.posted_at
        },
        "extend_choices": EXTEND_CHOICES,
        "length": int((chat_session.ends_at - chat_session.starts_at).total_seconds() // 60),
        "others": await sessions.sessions_of(session, chat, limit=8),
        "board": public,
        "pending": pending,
        "polls": await polls.session_polls(session, chat_session.id, viewer_id=viewer_id),
        "poll_minutes": POLL_MINUTES,
        "slow_choices": SLOW_CHOICES,
        "audit": audit,
        "errors": {},
        "values": {},
    }


@router.get("/chats/{tag}/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(
    tag: str, session_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> Response:
    chat_session, chat = await sessions.get_session(session, session_id)
    if chat.tag_key != (await directory.visible_chat(session, tag, viewer)).tag_key:
        raise NotFound("no such session of this chat", field="session_id")
    return render(
        request,
        "hosting/session.html",
        await _context(session, request, chat_session, chat, viewer),
    )


async def _form_and_back(
    request: Request, rt: Any, session_id: str, anchor: str
) -> tuple[dict[str, str], str]:
    """The posted form (CSRF checked) and the session page to go back to, at ``anchor``."""
    form = await read_form(request)
    async with rt.db.read() as session:
        chat_session, chat = await sessions.get_session(session, session_id)
    return form, session_path(chat.hashtag, chat_session.id) + anchor


@router.post("/chats/{tag}/sessions/{session_id}/run", response_class=HTMLResponse)
async def run(
    tag: str, session_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """The console's buttons: start, extend, end; add, edit, ask, skip and move questions."""
    form, back = await _form_and_back(request, rt, session_id, "")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    action = form.get("action", "")
    question_id = form.get("question", "")
    try:
        if action == "start":
            await sessions.start_now(db=rt.db, actor=viewer, session_id=session_id)
        elif action == "extend":
            await sessions.extend(
                db=rt.db, actor=viewer, session_id=session_id, minutes=form.get("minutes")
            )
        elif action == "end":
            await sessions.end_now(db=rt.db, actor=viewer, session_id=session_id)
        elif action == "slow_mode":
            await moderation.set_slow_mode(
                db=rt.db, actor=viewer, session_id=session_id, seconds=form.get("seconds")
            )
        elif action in ("lock", "unlock"):
            await moderation.set_locked(
                db=rt.db, actor=viewer, session_id=session_id, locked=action == "lock"
            )
        elif action == "details":
            await sessions.update_details(
                db=rt.db,
                actor=viewer,
                session_id=session_id,
                topic=form.get("topic", ""),
                notes=form.get("notes", ""),
                guests=[g for g in form.get("guests", "").replace(",", " ").split() if g],
            )
        elif action == "add":
            await questions.add_question(
                db=rt.db,
                actor=viewer,
                session_id=session_id,
                text=form.get("text"),
                offset_minutes=form.get("offset_minutes"),
            )
        elif action == "ask_new":
            await questions.ask_now(
                db=rt.db, actor=viewer, session_id=session_id, text=form.get("text")
            )
        elif action == "edit":
            await questions.edit_question(
                db=rt.db,
                actor=viewer,
                question_id=question_id,
                text=form.get("text"),
                offset_minutes=form.get("offset_minutes"),
            )
        elif action == "ask":
            await questions.post_now(db=rt.db, actor=viewer, question_id=question_id)
        elif action == "skip":
            await questions.skip(db=rt.db, actor=viewer, question_id=question_id)
        elif action in ("up", "down"):
            ids = (parse_id(i) for i in form.get("order", "").split(","))
            order = [i for i in ids if i is not None]
            key = parse_id(question_id)
            if key in order:
                i = order.index(key)
                j = i - 1 if action == "up" else i + 1
                if 0 <= j < len(order):
                    order[i], order[j] = order[j], order[i]
            await questions.reorder(db=rt.db, actor=viewer, session_id=session_id, order=order)
        else:
            raise NotFound("no such action", field="action")
    except DomainError as exc:
        return await _again(request, rt, session_id, viewer, form, exc)
    anchor = "#script" if action in ("add", "ask_new", "edit", "ask", "skip", "up", "down") else ""
    return see_other(safe_next(form.get("next"), back) + anchor)


async def _again(
    request: Request, rt: Any, session_id: str, viewer: Account | None, form: dict[str, str],
    exc: DomainError,
) -> Response:  # fmt: skip
    """The page again, with the error beside its field and what was typed kept."""
    async with rt.db.read() as session:
        chat_session, chat = await sessions.get_session(session, session_id)
        context = await _context(session, request, chat_session, chat, viewer)
    context["errors"] = {exc.field or "form": exc.message}
    context["values"] = form
    return render(request, "hosting/session.html", context, status=exc.status)


@router.post("/chats/{tag}/sessions/{session_id}/board", response_class=HTMLResponse)
async def board_action(
    tag: str, session_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """The Q&A board's buttons: ask, upvote, and the moderators' and hosts' decisions."""
    form, back = await _form_and_back(request, rt, session_id, "#board")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    action = form.get("action", "")
    item = form.get("item", "")
    try:
        if action == "submit":
            await board.submit(
                db=rt.db,
                author=viewer,
                session_id=session_id,
                text=form.get("text"),
                anonymous=form.get("anonymous") == "on",
            )
        elif action == "upvote":
            await board.upvote(db=rt.db, voter=viewer, session_id=session_id, item_id=item)
        elif action == "unvote":
            await board.unvote(db=rt.db, voter=viewer, session_id=session_id, item_id=item)
        elif action == "approve":
            await board.approve(db=rt.db, actor=viewer, session_id=session_id, item_id=item)
        elif action == "reject":
            await board.reject(db=rt.db, actor=viewer, session_id=session_id, item_id=item)
        elif action == "merge":
            await board.merge(
                db=rt.db,
                actor=viewer,
                session_id=session_id,
                item_id=item,
                into_id=form.get("into"),
            )
        elif action == "pick":
            await board.pick(db=rt.db, actor=viewer, session_id=session_id, item_id=item)
        elif action == "open":
            await board.open_box(db=rt.db, actor=viewer, session_id=session_id)
        elif action == "close":
            await board.close_box(db=rt.db, actor=viewer, session_id=session_id)
        else:
            raise NotFound("no such action", field="action")
    except DomainError as exc:
        return await _again(request, rt, session_id, viewer, form, exc)
    return see_other(back)


@router.post("/chats/{tag}/sessions/{session_id}/polls", response_class=HTMLResponse)
async def poll_action(
    tag: str, session_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """Vote in one of the session's polls, or (hosts) start a poll."""
    form, back = await _form_and_back(request, rt, session_id, "#polls")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    try:
        if form.get("action") == "create":
            minutes = form.get("minutes", "")
            await polls.create_session_poll(
                db=rt.db,
                actor=viewer,
                session_id=session_id,
                question=form.get("question"),
                options=[o for o in form.get("options", "").splitlines() if o.strip()],
                expires_in=int(minutes) * 60 if minutes.isdigit() else minutes,
            )
        else:
            choices = (await request.form()).getlist("choices")
            await polls.vote(
                db=rt.db, voter=viewer, poll_id=form.get("poll"), choices=list(choices)
            )
    except DomainError as exc:
        return await _again(request, rt, session_id, viewer, form, exc)
    return see_other(safe_next(form.get("next"), back))


@router.post("/polls/{poll_id}/vote", response_class=HTMLResponse)
async def vote_from_a_page(
    poll_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """Vote from any page showing a poll (the live room without JavaScript, say)."""
    form = await read_form(request)
    back = safe_next(form.get("next"), "/")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    choices = (await request.form()).getlist("choices")
    await polls.vote(db=rt.db, voter=viewer, poll_id=poll_id, choices=list(choices))
    return see_other(back)
