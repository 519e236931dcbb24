"""The hosting pages: a session's page (its questions with their answers, and for its hosts the
console that runs it). Every change goes through the same services as the API; the page works
without JavaScript (each button is a form). A form that fails sends the browser back to the
page with the error beside its field (post/redirect/get, web/flash.py), never leaving it on a
POST-only URL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat.accounts.entities import account_entity
from hashchat.accounts.models import Account
from hashchat.directory import links
from hashchat.directory import service as directory
from hashchat.directory.zones import zone_for
from hashchat.errors import DomainError, Invalid, NotFound
from hashchat.hosting import board, grouping, moderation, polls, questions, sessions
from hashchat.hosting.models import ChatSession
from hashchat.hosting.moderation_pages import moderation_section
from hashchat.hosting.page_forms import again, form_and_back, session_path
from hashchat.live.presence import POSTING_WINDOW, room_presence
from hashchat.parsing import parse_id
from hashchat.storage.base import utcnow
from hashchat.web import flash
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.forms import read_form, safe_next, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

EXTEND_CHOICES = (10, 15, 30, 60)
POLL_MINUTES = (5, 10, 15, 30, 60)
SLOW_CHOICES = (0, 10, 30, 60, 120, 300)
SCRIPT_ACTIONS = ("add", "ask_new", "edit", "ask", "skip", "up", "down", "swap")


def _when(value: datetime, zone: str) -> str:
    here = value.astimezone(ZoneInfo(zone))
    return f"{here:%a} {here.day} {here:%b %Y}, {here:%H:%M}"


def _until(start: datetime, end: datetime, zone: str) -> str:
    """The end as the header shows it: the time, and the date too when it is another day."""
    here, there = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    if here.date() == there.date():
        return f"{there:%H:%M}"
    return f"{there:%a} {there.day} {there:%b}, {there:%H:%M}"


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
    moderated: dict[str, Any] = {"audit": [], "restricted": []}
    if moderating and viewer is not None and moderation.may_moderate_room(chat, viewer):
        moderated = await moderation_section(session, chat, viewer)
    waiting = [q for q in script if q.state == "scheduled"]
    length = sessions.length_minutes(chat_session)
    now = utcnow()
    # Its hosts see who is in the room from the console too (the count the room shows).
    runs = view["can"]["run"] and chat_session.state in ("scheduled", "live")
    return {
        "presence": await _presence(session, chat.tag_key) if runs else None,
        "chat": chat,
        "s": view,
        "state": chat_session.state,
        "path": session_path(chat.hashtag, chat_session.id),
        "chat_path": links.chat_path(chat.hashtag),
        "starts": _when(chat_session.starts_at, zone),
        "ends": _until(chat_session.starts_at, chat_session.ends_at, zone),
        "ends_if_started_now": _until(now, now + timedelta(minutes=length), zone),
        "zone": zone,
        "threads": threads,
        "script": script,
        "waiting_ids": [q.id for q in waiting],
        "asked_at": {
            q.id: f"{q.posted_at.astimezone(ZoneInfo(zone)):%H:%M}" for q in script if q.posted_at
        },
        "extend_choices": EXTEND_CHOICES,
        "length": length,
        "others": await sessions.sessions_of(session, chat, limit=8),
        "board": public,
        "pending": pending,
        "polls": await polls.session_polls(session, chat_session.id, viewer_id=viewer_id),
        "poll_minutes": POLL_MINUTES,
        "slow_choices": SLOW_CHOICES,
        "posting_minutes": int(POSTING_WINDOW.total_seconds() // 60),
        **moderated,
        "room_moderation": viewer is not None and moderation.may_moderate_room(chat, viewer),
        "errors": {},
        "values": {},
    }


async def _presence(session: Any, tag_key: str) -> dict[str, Any]:
    found = await room_presence(session, tag_key)
    return {"watching": found.watching, "posting": [account_entity(a) for a in found.posting]}


@router.get("/chats/{tag}/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(
    tag: str, session_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> Response:
    chat_session, chat = await sessions.get_session(session, session_id)
    if chat.tag_key != (await directory.visible_chat(session, tag, viewer)).tag_key:
        raise NotFound("no such session of this chat", field="session_id")
    context = await _context(session, request, chat_session, chat, viewer)
    context["errors"], context["values"] = flash.take(request)  # a form's error, carried here
    return flash.forget(request, render(request, "hosting/session.html", context))


@router.post("/chats/{tag}/sessions/{session_id}/run", response_class=HTMLResponse)
async def run(
    tag: str, session_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """The console's buttons: start, extend, end; add, edit, ask, skip and move questions."""
    form, back = await form_and_back(request, rt, session_id, "")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    action = form.get("action", "")
    question_id = form.get("question", "")
    anchor = "#script" if action in SCRIPT_ACTIONS else ""
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
            swap = await _move(rt, viewer, session_id, form, action)
            if swap is not None:  # both have a minute: ask before swapping them
                return flash.redirect_with_error(
                    request, back + "#script", errors={"order": swap}, values=form
                )
        elif action == "swap":
            await _swap_minutes(rt, viewer, session_id, form)
        else:
            raise NotFound("no such action", field="action")
    except DomainError as exc:
        return again(request, back + (anchor if exc.field != "state" else ""), form, exc)
    return see_other(safe_next(form.get("next"), back) + anchor)


def _neighbours(form: dict[str, str], action: str) -> tuple[list[int], int, int] | None:
    """The waiting questions' order as the page showed it, and the two places a move swaps."""
    ids = (parse_id(i) for i in form.get("order", "").split(","))
    order = [i for i in ids if i is not None]
    key = parse_id(form.get("question", ""))
    if key not in order:
        return None
    i = order.index(key)
    j = i - 1 if action == "up" else i + 1
    return (order, i, j) if 0 <= j < len(order) else None


async def _move(
    rt: Any, viewer: Account, session_id: str, form: dict[str, str], action: str
) -> str | None:
    """Move a waiting question up or down. Each keeps its own minute; when both have one, the
    move would mean swapping them, so the host is asked first (the question, returned)."""
    found = _neighbours(form, action)
    if found is None:
        raise Invalid("that question cannot move that way", field="order")
    order, i, j = found
    async with rt.db.read() as session:
        script = {q.id: q for q in await questions.questions_of(session, int(session_id))}
    mine, other = script.get(order[i]), script.get(order[j])
    if mine is None or other is None:
        raise Invalid("the script changed; look again", field="order")
    if (
        mine.offset_minutes is not None
        and other.offset_minutes is not None
        and mine.offset_minutes != other.offset_minutes
    ):
        return (
            f"Q{mine.number} is asked at minute {mine.offset_minutes} and Q{other.number} at "
            f"minute {other.offset_minutes}: the script asks in time order. Swap their minutes?"
        )
    order[i], order[j] = order[j], order[i]
    await questions.reorder(
        db=rt.db, actor=viewer, session_id=session_id, order=order, keep_minutes=True
    )
    return None


async def _swap_minutes(rt: Any, viewer: Account, session_id: str, form: dict[str, str]) -> None:
    """The host said yes: the two questions change places and minutes."""
    found = _neighbours(form, form.get("direction", ""))
    if found is None:
        raise Invalid("that question cannot move that way", field="order")
    order, i, j = found
    order[i], order[j] = order[j], order[i]
    await questions.reorder(db=rt.db, actor=viewer, session_id=session_id, order=order)


@router.post("/chats/{tag}/sessions/{session_id}/board", response_class=HTMLResponse)
async def board_action(
    tag: str, session_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """The Q&A board's buttons: ask, upvote, and the moderators' and hosts' decisions."""
    form, back = await form_and_back(request, rt, session_id, "#board")
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
        return again(request, back, form, exc)
    return see_other(back)


@router.post("/chats/{tag}/sessions/{session_id}/polls", response_class=HTMLResponse)
async def poll_action(
    tag: str, session_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """Vote in one of the session's polls, or (hosts) start a poll."""
    form, back = await form_and_back(request, rt, session_id, "#polls")
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
        return again(request, back, form, exc)
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
