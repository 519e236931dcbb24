"""What the session page's forms share: the page's address, reading a posted form with the
page to go back to, and going back with an error (post/redirect/get, web/flash.py)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from hashchat.directory import links
from hashchat.errors import DomainError
from hashchat.hosting import sessions
from hashchat.web import flash
from hashchat.web.forms import read_form, safe_next


def session_path(hashtag: str, session_id: int) -> str:
    return f"{links.chat_path(hashtag)}/sessions/{session_id}"


async def form_and_back(
    request: Request, rt: Any, session_id: str, anchor: str
) -> tuple[dict[str, str], str]:
    """The posted form (CSRF checked) and the page to go back to: the form's own ``next`` (the
    live room's host controls and board, say) when it is a path here, else the session page
    at ``anchor``. An error goes back there too, so a host never leaves the room."""
    form = await read_form(request)
    async with rt.db.read() as session:
        chat_session, chat = await sessions.get_session(session, session_id)
    return form, safe_next(form.get("next"), session_path(chat.hashtag, chat_session.id) + anchor)


def again(request: Request, back: str, form: dict[str, str], exc: DomainError) -> Response:
    """Back to the page (303), which shows the error beside its field and what was typed."""
    return flash.redirect_with_error(
        request, back, errors={exc.field or "form": exc.message}, values=form
    )
