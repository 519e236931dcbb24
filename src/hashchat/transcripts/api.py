"""The transcripts API: a session's transcript as JSON, and oEmbed (https://oembed.com) for a
post or a question with its answers, so other sites can embed them with an iframe."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter

from hashchat import urls
from hashchat.errors import DomainError, Invalid, NotFound
from hashchat.parsing import parse_id
from hashchat.transcripts import embeds, exports, service
from hashchat.web.deps import SessionDep, ViewerDep
from hashchat.web.openapi import errors

router = APIRouter(tags=["transcripts"])

EMBED_WIDTH, POST_HEIGHT, QUESTION_HEIGHT = 550, 260, 640
_POST_PATH = re.compile(r"^/(?:@[^/]+|embed/statuses)/(\d+)/?$")
_QUESTION_PATH = re.compile(r"^/embed/questions/(\d+)/?$")


class NotImplementedFormat(DomainError):
    """oEmbed's answer to a format it does not offer (the specification says 501)."""

    status = 501


@router.get("/api/v1/chats/sessions/{session_id}/transcript")
async def transcript(
    session_id: str,
    session: SessionDep,
    viewer: ViewerDep,
    order: str = "engaged",
    min_id: str = "",
    limit: int = service.CHAT_PAGE,
) -> dict[str, Any]:
    """The session's transcript: questions with their answers (``order``: engaged or time),
    a page of the chat in time order after ``min_id`` (``next_min_id`` is the next page), the
    people, links and polls."""
    chat_session, chat = await service.visible_session(session, None, session_id, viewer)
    found = await service.build_transcript(
        session,
        chat_session,
        chat,
        order=service.check_order(order),
        min_id=service.check_min_id(min_id),
        chat_limit=max(1, min(limit, 1000)),
        viewer_id=viewer.id if viewer else None,
    )
    return exports.transcript_entity(found)


def _dimension(value: str | None, default: int, field: str) -> int:
    if value is None or value == "":
        return default
    pixels = parse_id(value)
    if not pixels:
        raise Invalid(f"{field} is a whole number of pixels", field=field)
    return min(default, pixels)


@router.get("/api/oembed", responses=errors(404, 501))
async def oembed(
    session: SessionDep,
    url: str,
    format: str = "json",  # oEmbed's own parameter name
    maxwidth: str | None = None,
    maxheight: str | None = None,
) -> dict[str, Any]:
    """oEmbed for a post (``/@handle/123`` or ``/embed/statuses/123``) or a question
    (``/embed/questions/45``): a "rich" answer whose html is an iframe of the embed."""
    if format not in ("json", ""):  # oEmbed answers a format it does not offer with 501
        raise NotImplementedFormat("only format=json is offered", field="format")
    parts = urlsplit(url.strip())
    ours = urlsplit(urls.base())
    if parts.scheme not in ("http", "https") or parts.netloc != ours.netloc:
        raise NotFound("not a hashchat post or question", field="url")
    post, question = _POST_PATH.match(parts.path), _QUESTION_PATH.match(parts.path)
    width = _dimension(maxwidth, EMBED_WIDTH, "maxwidth")
    if post:
        found = await embeds.embedded_status(session, post.group(1))
        src = f"{urls.base()}/embed/statuses/{post.group(1)}"
        height = _dimension(maxheight, POST_HEIGHT, "maxheight")
        title = f"A post by @{found.handle}" if found.status else "A deleted post"
        author_name, author_url = f"@{found.handle}", urls.profile(found.handle)
    elif question:
        asked = await embeds.embedded_question(session, question.group(1))
        src = f"{urls.base()}/embed/questions/{question.group(1)}"
        height = _dimension(maxheight, QUESTION_HEIGHT, "maxheight")
        q = asked.thread.question
        title = f"Q{q.number}: {q.text}"
        author_name = f"#{asked.chat.hashtag}"
        author_url = asked.transcript_url
    else:
        raise NotFound("not a hashchat post or question", field="url")
    iframe = (
        f'<iframe src="{src}" width="{width}" height="{height}" '
        f'style="border:0;max-width:100%" loading="lazy" title="hashchat" '
        f'sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>'
    )
    return {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "author_name": author_name,
        "author_url": author_url,
        "provider_name": "hashchat",
        "provider_url": urls.base() + "/",
        "cache_age": 3600,
        "html": iframe,
        "width": width,
        "height": height,
    }
