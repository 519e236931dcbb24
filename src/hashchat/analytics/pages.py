"""Analytics pages: a session's figures (public), the chat's dashboard (its hosts), and every
table as CSV and every chart as SVG or PNG under the page's own address."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat.analytics import charts, exports, service
from hashchat.directory import links
from hashchat.directory.zones import zone_for
from hashchat.errors import Unauthorized
from hashchat.hosting import roles
from hashchat.hosting.sessions import held_on
from hashchat.web.deps import SessionDep, ViewerDep
from hashchat.web.forms import see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

SESSION_FORMATS = ("csv", "svg", "png")


def analytics_path(hashtag: str, session_id: int) -> str:
    return f"{links.chat_path(hashtag)}/sessions/{session_id}/analytics"


def dashboard_path(hashtag: str) -> str:
    return f"{links.chat_path(hashtag)}/analytics"


def download(body: str | bytes, fmt: str, filename: str) -> Response:
    media = {"csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "png": "image/png"}[fmt]
    disposition = "attachment" if fmt in ("csv", "png") else "inline"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'{disposition}; filename="{quote(filename)}"',
            "Cache-Control": "private, max-age=60",  # a chat awaiting approval is not public
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/chats/{tag}/sessions/{session_id}/analytics", response_class=HTMLResponse)
async def session_analytics(
    tag: str, session_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> Response:
    chat_session, chat = await service.visible_session(session, session_id, viewer, tag=tag)
    figures = await service.session_figures(session, chat_session, chat)
    path = analytics_path(chat.hashtag, chat_session.id)
    hosting = await roles.can(session, chat.id, viewer, "run")
    zone, _source = zone_for(request, viewer)  # times as the session page shows them
    return render(
        request,
        "analytics/session.html",
        {
            "chat": chat,
            "f": figures,
            "path": path,
            "session_path": f"{links.chat_path(chat.hashtag)}/sessions/{chat_session.id}",
            "dashboard": dashboard_path(chat.hashtag) if hosting else None,
            "summary": exports.summary_rows(figures),
            "zone": zone,
            "charts": {
                name: charts.svg(
                    exports.session_chart(figures, name, zone), element_id=f"chart-{name}"
                )
                for name in ("minutes", "questions", "contributors")
            },
        },
    )


@router.get("/chats/{tag}/sessions/{session_id}/analytics/{filename}")
async def session_download(
    tag: str, session_id: str, filename: str, request: Request, session: SessionDep,
    viewer: ViewerDep,
) -> Response:  # fmt: skip
    """``summary.csv``, ``minutes.csv``, ``contributors.csv``, ``questions.csv``; the charts
    ``minutes``, ``questions`` and ``contributors`` as ``.svg`` or ``.png`` (times in the
    viewer's zone; the CSV keeps UTC). Named after the day the session was held."""
    name, fmt = exports.split_name(filename, SESSION_FORMATS)
    chat_session, chat = await service.visible_session(session, session_id, viewer, tag=tag)
    figures = await service.session_figures(session, chat_session, chat)
    stem = f"{chat.hashtag}-{held_on(chat_session, chat).isoformat()}-{name}.{fmt}"
    if fmt == "csv":
        return download(exports.to_csv(exports.session_table(figures, name)), fmt, stem)
    chart = exports.session_chart(figures, name, zone_for(request, viewer)[0])
    return download(charts.svg(chart) if fmt == "svg" else charts.png(chart), fmt, stem)


@router.get("/chats/{tag}/analytics", response_class=HTMLResponse)
async def dashboard(tag: str, request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': request.url.path})}")
    chat = await service.dashboard_chat(session, tag, viewer)
    figures = await service.chat_figures(session, chat)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "chat": chat,
            "f": figures,
            "path": dashboard_path(chat.hashtag),
            "chat_path": links.chat_path(chat.hashtag),
            "charts": {
                name: charts.svg(exports.chat_chart(figures, name), element_id=f"chart-{name}")
                for name in ("participants", "posts")
            },
        },
    )


@router.get("/chats/{tag}/analytics/{filename}")
async def dashboard_download(
    tag: str, filename: str, session: SessionDep, viewer: ViewerDep
) -> Response:
    """``sessions.csv``; the charts ``participants`` and ``posts`` as ``.svg`` or ``.png``."""
    name, fmt = exports.split_name(filename, SESSION_FORMATS)
    if viewer is None:
        raise Unauthorized("log in to download the chat's dashboard")
    chat = await service.dashboard_chat(session, tag, viewer)
    figures = await service.chat_figures(session, chat)
    stem = f"{chat.hashtag}-{name}.{fmt}"
    if fmt == "csv":
        response = download(exports.to_csv(exports.chat_table(figures, name)), fmt, stem)
    else:
        chart = exports.chat_chart(figures, name)
        body = charts.svg(chart) if fmt == "svg" else charts.png(chart)
        response = download(body, fmt, stem)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


def figures_entity(f: service.SessionFigures) -> dict[str, Any]:
    """The session's figures as JSON (the API)."""
    return {
        "session_id": str(f.session_id),
        "chat": f.hashtag,
        "state": f.state,
        **{name: value for name, value, _ in exports.summary_rows(f)},
        "per_minute": {
            "starts_at": f.first_minute.isoformat().replace("+00:00", "Z"),
            "posts": f.per_minute,
            "outside_window": f.outside_window,
        },
        "questions_answered": [
            {"number": q.number, "text": q.text, "answers": q.answers} for q in f.per_question
        ],
        # Where the people came from: made here ("hashchat"), or bridged (bluesky, mastodon).
        "by_network": {
            name: {"people": n.people, "posts": n.posts, "answers": n.answers}
            for name, n in sorted(f.by_network.items())
        },
        "top_contributors": [
            {
                "handle": c.handle,
                "posts": c.posts,
                "answers": c.answers,
                "likes": c.likes,
                "reposts": c.reposts,
                "returning": c.returning,
            }
            for c in f.top_contributors
        ],
    }
