"""What Mastodon apps call when they start: trends, suggestions and preferences with meaning
here, and Mastodon's empty answers for what hashchat does not have (custom emojis, follow
requests, conversations, announcements, featured tags, ...): an empty list or object, never a
404 that an app would show as an error."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hashchat.accounts.entities import account_entity
from hashchat.apps import discovery
from hashchat.errors import Invalid
from hashchat.posts.entities import render_statuses
from hashchat.web.deps import ReadUser, SessionDep, ViewerDep, WriteUser
from hashchat.web.openapi import errors

router = APIRouter(tags=["apps"])


def _window(request: Request, default: int, most: int) -> tuple[int, int]:
    q = request.query_params
    try:
        limit = int(q.get("limit") or default)
        offset = int(q.get("offset") or 0)
    except ValueError:
        raise Invalid("limit and offset are numbers", field="limit") from None
    if limit < 1 or not 0 <= offset <= 10_000:
        raise Invalid("limit is at least 1 and offset between 0 and 10000", field="limit")
    return min(limit, most), offset


@router.get("/api/v1/trends", responses=errors(422))
@router.get("/api/v1/trends/tags", responses=errors(422))
async def trending_tags(request: Request, session: SessionDep) -> list[dict[str, Any]]:
    """The hashtags of chats live now, then those most used in the last day; each with a
    week's ``history`` (Mastodon's Tag), and ``live_chat`` (hashchat's) when a chat is on."""
    limit, offset = _window(request, 10, 20)
    trends = await discovery.trending_tags(session, limit=limit, offset=offset)
    from hashchat.posts.entities import tag_entity

    found = []
    for trend in trends:
        entity = tag_entity(trend.name)
        entity["history"] = [
            {"day": day, "uses": str(trend.uses[day]), "accounts": str(trend.accounts[day])}
            for day in sorted(trend.uses, reverse=True)
        ]
        entity["live_chat"] = trend.live_chat
        found.append(entity)
    return found


@router.get("/api/v1/trends/statuses", responses=errors(422))
async def trending_statuses(
    request: Request, session: SessionDep, viewer: ViewerDep
) -> list[dict[str, Any]]:
    limit, offset = _window(request, 20, 40)
    viewer_id = viewer.id if viewer else None
    posts = await discovery.trending_posts(session, limit=limit, offset=offset, viewer_id=viewer_id)
    return await render_statuses(session, posts, viewer_id=viewer_id)


@router.get("/api/v1/trends/links")
async def trending_links() -> list[Any]:
    return []


@router.get("/api/v2/suggestions", responses=errors(422))
async def suggestions_v2(
    request: Request, session: SessionDep, viewer: ReadUser
) -> list[dict[str, Any]]:
    limit, _ = _window(request, 40, 80)
    found = await discovery.suggestions(session, viewer_id=viewer.id, limit=limit)
    return [
        {"source": "global" if why == "most_followed" else "staff", "sources": [why],
         "account": account_entity(account)}
        for account, why in found
    ]  # fmt: skip


@router.get("/api/v1/suggestions", responses=errors(422))
async def suggestions_v1(
    request: Request, session: SessionDep, viewer: ReadUser
) -> list[dict[str, Any]]:
    limit, _ = _window(request, 40, 80)
    found = await discovery.suggestions(session, viewer_id=viewer.id, limit=limit)
    return [account_entity(account) for account, _ in found]


@router.delete("/api/v1/suggestions/{account_id}")
async def dismiss_suggestion(account_id: str, viewer: WriteUser) -> dict[str, Any]:
    return {}


@router.get("/api/v1/preferences")
async def preferences(viewer: ReadUser) -> dict[str, Any]:
    """Every post here is public, in the person's language of choice (none set)."""
    return {
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "posting:default:quote_policy": "public",
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
    }


# -- what hashchat does not have: Mastodon's empty answers ---------------------------------------

_EMPTY_LISTS = [
    "/api/v1/custom_emojis",
    "/api/v1/announcements",
    "/api/v1/follow_requests",
    "/api/v1/conversations",
    "/api/v1/featured_tags",
    "/api/v1/featured_tags/suggestions",
    "/api/v1/endorsements",
    "/api/v1/domain_blocks",
    "/api/v1/scheduled_statuses",
    "/api/v1/notifications/requests",
    "/api/v1/instance/peers",
    "/api/v1/instance/activity",
    "/api/v1/instance/rules",
    "/api/v1/instance/domain_blocks",
    "/api/v1/accounts/familiar_followers",
    "/api/v1/directory",
]
_EMPTY_FOR_AN_ACCOUNT = [
    "/api/v1/accounts/{account_id}/featured_tags",
    "/api/v1/accounts/{account_id}/identity_proofs",
    "/api/v1/accounts/{account_id}/endorsements",
]


async def _empty_list() -> list[Any]:
    return []


async def _empty_for_an_account(account_id: str) -> list[Any]:
    return []


for _path in _EMPTY_LISTS:
    router.add_api_route(_path, _empty_list, methods=["GET"], summary=f"Always empty: {_path}")
for _path in _EMPTY_FOR_AN_ACCOUNT:
    router.add_api_route(
        _path, _empty_for_an_account, methods=["GET"], summary=f"Always empty: {_path}"
    )


@router.get("/api/v2/notifications/policy")
@router.get("/api/v1/notifications/policy")
async def notification_policy(viewer: ReadUser) -> dict[str, Any]:
    """Nothing is held back for review: every notification is delivered."""
    return {
        "for_not_following": "accept", "for_not_followers": "accept",
        "for_new_accounts": "accept", "for_private_mentions": "accept",
        "for_limited_accounts": "accept",
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
    }  # fmt: skip


@router.get("/api/v1/instance/extended_description")
async def extended_description() -> dict[str, Any]:
    return {"updated_at": None, "content": "<p>A self-hosted platform for hashtag chats.</p>"}


@router.get("/api/v1/instance/translation_languages")
async def translation_languages() -> dict[str, Any]:
    return {}
