"""The transcript page of a session, its exports (Markdown, HTML, JSON, CSV), a chat's Atom feed
of transcripts, and embeds of a post or of a question with its answers for other sites.

Embeds are the only pages another site may frame (``frame-ancestors *``); they need no cookie
and show no one's own state, so they render as anyone would see them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat.accounts.models import Account
from hashchat.directory import links
from hashchat.directory.zones import zone_for
from hashchat.errors import NotFound
from hashchat.transcripts import embeds, exports, service
from hashchat.web.deps import SessionDep, ViewerDep
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

FRAMEABLE = {"Content-Security-Policy": "frame-ancestors *"}


@router.get("/chats/{tag}/sessions/{session_id}/transcript", response_class=HTMLResponse)
async def transcript_page(
    tag: str,
    session_id: str,
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    order: str = "engaged",
    min_id: str = "",
    question: str = "",
    offset: str = "",
) -> Response:
    """The questions with their first answers (``order``: engaged or time), then the chat in
    time order a page at a time (``min_id``: the page after that post), the people, links and
    polls. ``question=n``: all of Qn's answers, a page at a time from ``offset``."""
    chat_session, chat = await service.visible_session(session, tag, session_id, viewer)
    number = service.check_number(question, "question")
    transcript = await service.build_transcript(
        session,
        chat_session,
        chat,
        order=service.check_order(order),
        min_id=service.check_min_id(min_id),
        chat_limit=service.CHAT_PAGE,
        answers_limit=service.ANSWERS_PAGE if number is None else service.ONE_QUESTION_PAGE,
        answers_offset=service.check_number(offset, "offset") or 0,
        number=number,
        viewer_id=viewer.id if viewer else None,
    )
    zone, _source = zone_for(request, viewer)
    context = _context(transcript, zone, viewer) | {
        "focus": number,
        "page_size": service.ONE_QUESTION_PAGE,
    }
    return render(request, "transcripts/transcript.html", context)


def _context(transcript: service.Transcript, zone: str, viewer: Account | None) -> dict[str, Any]:
    chat, chat_session = transcript.chat, transcript.chat_session
    path = exports.transcript_path(chat.hashtag, chat_session.id)
    here = ZoneInfo(zone)
    starts = chat_session.starts_at.astimezone(here)
    ends = chat_session.ends_at.astimezone(here)
    return {
        "t": transcript,
        "chat": chat,
        "s": transcript.session,
        "path": path,
        "session_path": f"{links.chat_path(chat.hashtag)}/sessions/{chat_session.id}",
        "chat_path": links.chat_path(chat.hashtag),
        "feed_path": f"{links.chat_path(chat.hashtag)}/transcripts.atom",
        "when": f"{starts:%a} {starts.day} {starts:%b %Y}, {starts:%H:%M}–{ends:%H:%M}",
        "zone": zone,
        "formats": list(exports.FORMATS),
        "hm": lambda iso: _clock(iso, here, starts.date()),
    }


def _clock(iso: str, zone: ZoneInfo, day: date) -> str:
    """An API timestamp as the reader's wall-clock time: the hour and minute, and the date too
    when it is not the session's day (a late answer)."""
    here = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(zone)
    return f"{here:%H:%M}" if here.date() == day else f"{here.day} {here:%b}, {here:%H:%M}"


@router.get("/chats/{tag}/sessions/{session_id}/transcript.{fmt}")
async def transcript_file(
    tag: str, session_id: str, fmt: str, session: SessionDep, viewer: ViewerDep,
    order: str = "engaged",
) -> Response:  # fmt: skip
    """The whole transcript as one file: ``fmt`` is md, html, json or csv."""
    if fmt not in exports.FORMATS:
        raise NotFound(f"no such format: {fmt} (md, html, json or csv)", field="format")
    chat_session, chat = await service.visible_session(session, tag, session_id, viewer)
    every = service.ALL
    transcript = await service.build_transcript(
        session, chat_session, chat, order=service.check_order(order), chat_limit=every,
        answers_limit=every, replies_limit=every, people_limit=every,
    )  # fmt: skip
    if not chat.bridged_in_exports:  # the hosts leave posts from other networks out
        transcript = exports.without_bridged(transcript)
    body: str | bytes
    if fmt == "md":
        body = exports.to_markdown(transcript)
    elif fmt == "html":
        body = exports.to_html(transcript)
    elif fmt == "json":
        body = exports.to_json(transcript)
    else:
        body = exports.to_csv(transcript)
    name = exports.filename(transcript, fmt)
    # A chat awaiting approval is its hosts' alone: no shared cache may keep its transcript.
    caching = "public, max-age=60" if chat.review == "approved" else "private, no-store"
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        body,
        media_type=exports.FORMATS[fmt],
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": caching,
        },
    )


@router.get("/chats/{tag}/transcripts.atom")
async def transcripts_feed(tag: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """The chat's ended sessions, latest first, each linking to its transcript."""
    chat, items = await service.feed_items(session, tag, viewer)
    return Response(exports.to_atom(chat, items), media_type="application/atom+xml")


@router.get("/embed/statuses/{status_id}", response_class=HTMLResponse)
async def embed_status(status_id: str, request: Request, session: SessionDep) -> Response:
    """One post, to show on another site ("deleted" in its place once it is gone)."""
    found = await embeds.embedded_status(session, status_id)
    response = render(request, "transcripts/embed.html", {"e": found, "question": None})
    response.headers.update(FRAMEABLE)
    return response


@router.get("/embed/questions/{question_id}", response_class=HTMLResponse)
async def embed_question(question_id: str, request: Request, session: SessionDep) -> Response:
    """A question with its most engaged answers, to show on another site."""
    found = await embeds.embedded_question(session, question_id)
    response = render(request, "transcripts/embed.html", {"e": None, "question": found})
    response.headers.update(FRAMEABLE)
    return response
