"""Search for Mastodon apps: /api/v2/search and /api/v1/accounts/search."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from hashchat.accounts.entities import account_entity
from hashchat.accounts.models import TagFollow
from hashchat.apps import search as searching
from hashchat.directory import links
from hashchat.posts.entities import render_statuses, tag_entity
from hashchat.posts.models import Tag
from hashchat.text import normalize_tag
from hashchat.web.deps import ReadUser, SessionDep, ViewerDep
from hashchat.web.openapi import errors
from hashchat.web.params import read_params

router = APIRouter(tags=["search"])


@router.get("/api/v2/search", responses=errors(422))
async def search(request: Request, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Accounts, hashtags (and the chats behind them) and statuses matching ``q``; ``type``,
    ``resolve``, ``following``, ``account_id``, ``offset``, ``max_id``, ``min_id``, ``limit``
    as in Mastodon. Statuses only for someone signed in."""
    wanted = searching.check_search(await read_params(request, body=False))
    found = await searching.search(session, wanted, viewer=viewer)
    followed: set[str] = set()
    if viewer is not None and found.hashtags:
        followed = set(
            await session.scalars(
                select(Tag.key)
                .join(TagFollow, TagFollow.tag_id == Tag.id)
                .where(TagFollow.account_id == viewer.id)
            )
        )
    hashtags = []
    for name in found.hashtags:
        key = normalize_tag(name)
        entity = tag_entity(name, following=key in followed if viewer is not None else None)
        chat = found.chats.get(key)
        if chat is not None:  # hashchat's own: the chat held under this hashtag
            entity["chat"] = {"hashtag": chat.hashtag, "title": chat.title,
                              "url": links.chat(chat.hashtag)}  # fmt: skip
        hashtags.append(entity)
    return {
        "accounts": [account_entity(a) for a in found.accounts],
        "statuses": await render_statuses(
            session, found.statuses, viewer_id=viewer.id if viewer else None
        ),
        "hashtags": hashtags,
    }


@router.get("/api/v1/accounts/search", responses=errors(422))
async def search_accounts(
    request: Request, session: SessionDep, viewer: ReadUser
) -> list[dict[str, Any]]:
    """People by handle or name (``q``, ``limit``, ``offset``, ``resolve``, ``following``)."""
    params = await read_params(request, body=False)
    wanted = searching.check_search({**params, "type": "accounts"})
    found = await searching.search_accounts(session, wanted, viewer=viewer)
    return [account_entity(a) for a in found]
