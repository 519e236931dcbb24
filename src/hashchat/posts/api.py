"""The statuses and timelines API, in Mastodon's shape."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.entities import account_entity
from hashchat.accounts.models import Account
from hashchat.errors import Invalid, NotFound
from hashchat.parsing import find_id
from hashchat.posts import editing, pins, saved, service, timelines
from hashchat.posts.entities import render_statuses
from hashchat.posts.keys import HEADER, AlreadyPosted, check_key
from hashchat.posts.models import Favourite, Post
from hashchat.posts.polls import check_poll, poll_params
from hashchat.posts.schemas import StatusIn
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, ViewerDep, WriteUser
from hashchat.web.openapi import errors
from hashchat.web.paging import page_of, paged
from hashchat.web.params import body_doc, read_params, validate

router = APIRouter(tags=["statuses"])


_page = page_of


async def _one(session: Any, post_id: str, viewer: Account | None) -> dict[str, Any]:
    post = await _get(session, post_id)
    return (await render_statuses(session, [post], viewer_id=viewer.id if viewer else None))[0]


async def _get(session: AsyncSession, post_id: str) -> Post:
    post = await session.get(Post, find_id(post_id, field="id", message="Record not found"))
    if post is None or post.deleted_at is not None:
        raise NotFound("Record not found", field="id")
    return post


@router.post(
    "/api/v1/statuses",
    openapi_extra=body_doc(StatusIn)
    | {
        "parameters": [
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 128},
                "description": "the same key within an hour answers the post it made "
                "instead of posting again (posts/keys.py)",
            }
        ]
    },
    responses=errors(404),
)
async def create_status(request: Request, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Post a status. Answered only after it is committed (it survives a crash right after)."""
    params = await read_params(request)
    poll_raw = poll_params(params)  # poll[options][] and friends, as one "poll"
    body = validate(StatusIn, {**params, "poll": poll_raw} if poll_raw else params)
    if body.media_ids:
        raise Invalid("hashchat does not take media attachments", field="media_ids")
    poll = check_poll(poll_raw) if poll_raw is not None else None
    key = check_key(request.headers.get(HEADER))
    await rt.limiter.hit("post", str(viewer.id))
    try:
        created = await service.create_post_entity(
            db=rt.db,
            author=viewer,
            text=body.status,
            in_reply_to_id=body.in_reply_to_id,
            language=body.language,
            poll=poll,
            bridges=body.bridges or (),
            idempotency_key=key,
        )
    except AlreadyPosted as made:  # sent again: the post it made, as Mastodon answers
        return Response(orjson.dumps(await service.posted_before(rt.db, viewer, made)),
                        media_type="application/json")  # fmt: skip
    # The entity built for the stream, plus what this viewer sees of their own new post.
    entity = {**created.entity, "favourited": False, "reblogged": False, "muted": False,
              "bookmarked": False, "pinned": False}  # fmt: skip
    if entity["poll"] is not None:  # its author sees the results (Mastodon's "voted")
        entity["poll"] = {**entity["poll"], "voted": True, "own_votes": []}
    return Response(orjson.dumps(entity), media_type="application/json")


@router.get("/api/v1/statuses/{post_id}")
async def get_status(post_id: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    return await _one(session, post_id, viewer)


@router.delete("/api/v1/statuses/{post_id}")
async def delete_status(
    post_id: str, rt: RuntimeDep, session: SessionDep, viewer: WriteUser
) -> dict[str, Any]:
    entity = await _one(session, post_id, viewer)  # rendered before: it carries the text to redraft
    await service.delete_post(db=rt.db, actor=viewer, post_id=post_id)
    return entity


@router.put("/api/v1/statuses/{post_id}")
async def edit_status(
    post_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Edit one's own post: ``status`` and ``language`` (Mastodon's edit); the post keeps its
    history (``/history``) and ``edited_at``, and its viewers get ``status.update``."""
    params = await read_params(request)
    if params.get("media_ids"):
        raise Invalid("hashchat does not take media attachments", field="media_ids")
    checked = editing.check_edit(
        text=params.get("status"), language=params.get("language"), poll=poll_params(params)
    )
    await editing.edit_post(db=rt.db, editor=viewer, post_id=post_id, edit=checked)
    return await _after(rt, int(post_id), viewer)


@router.get("/api/v1/statuses/{post_id}/source")
async def status_source(post_id: str, session: SessionDep, viewer: ReadUser) -> dict[str, Any]:
    post = await _get(session, post_id)
    if post.account_id != viewer.id:
        raise NotFound("Record not found", field="id")
    return editing.source(post)


@router.get("/api/v1/statuses/{post_id}/history")
async def status_history(post_id: str, session: SessionDep) -> list[dict[str, Any]]:
    """Every version of the post, oldest first (Mastodon's StatusEdit)."""
    return await editing.history(session, await _get(session, post_id))


@router.get("/api/v1/statuses/{post_id}/context")
async def context(post_id: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    post = await _get(session, post_id)
    found = await timelines.thread(session, post)
    viewer_id = viewer.id if viewer else None
    return {
        "ancestors": await render_statuses(session, found.ancestors, viewer_id=viewer_id),
        "descendants": await render_statuses(session, found.descendants, viewer_id=viewer_id),
    }


async def _after(rt: Any, post_id: int, viewer: Account) -> dict[str, Any]:
    async with rt.db.read() as session:
        return await _one(session, str(post_id), viewer)


@router.post("/api/v1/statuses/{post_id}/favourite")
async def favourite(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    post = await service.favourite(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, post.id, viewer)


@router.post("/api/v1/statuses/{post_id}/unfavourite")
async def unfavourite(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    post = await service.unfavourite(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, post.id, viewer)


@router.post("/api/v1/statuses/{post_id}/reblog")
async def reblog(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    repost = await service.reblog(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, repost.id, viewer)


@router.post("/api/v1/statuses/{post_id}/unreblog")
async def unreblog(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    original = await service.unreblog(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, original.id, viewer)


@router.get("/api/v1/statuses/{post_id}/favourited_by")
async def favourited_by(post_id: str, session: SessionDep) -> list[Any]:
    from sqlalchemy import select

    post = await _get(session, post_id)
    rows = await session.scalars(
        select(Account)
        .join(Favourite, Favourite.account_id == Account.id)
        .where(Favourite.post_id == post.id)
        .order_by(Favourite.created_at.desc())
        .limit(80)
    )
    return [account_entity(a) for a in rows]


@router.get("/api/v1/statuses/{post_id}/reblogged_by")
async def reblogged_by(post_id: str, session: SessionDep) -> list[Any]:
    from sqlalchemy import select

    post = await _get(session, post_id)
    rows = await session.scalars(
        select(Account)
        .join(Post, Post.account_id == Account.id)
        .where(Post.reblog_of_id == post.id, Post.deleted_at.is_(None))
        .order_by(Post.id.desc())
        .limit(80)
    )
    return [account_entity(a) for a in rows]


# -- timelines -----------------------------------------------------------------------------------


def _list_param(params: dict[str, Any], name: str) -> list[str]:
    value = params.get(name, [])
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(v).strip().lstrip("#") for v in items if str(v).strip()]


@router.get("/api/v1/timelines/tag/{hashtag}")
async def tag_timeline(
    hashtag: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> Response:
    """Posts with the hashtag; ``any[]``, ``all[]`` and ``none[]`` combine several tags."""
    params = await read_params(request, body=False)
    posts = await timelines.tag_timeline(
        session,
        any_tags=[hashtag, *_list_param(params, "any")],
        all_tags=_list_param(params, "all"),
        none_tags=_list_param(params, "none"),
        page=_page(request),
        viewer_id=viewer.id if viewer else None,
    )
    viewer_id = viewer.id if viewer else None
    return paged(request, posts, await render_statuses(session, posts, viewer_id=viewer_id))


@router.get("/api/v1/timelines/home")
async def home_timeline(request: Request, session: SessionDep, viewer: ReadUser) -> Response:
    posts = await timelines.home_timeline(session, account_id=viewer.id, page=_page(request))
    return paged(request, posts, await render_statuses(session, posts, viewer_id=viewer.id))


@router.get("/api/v1/timelines/public")
async def public_timeline(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    viewer_id = viewer.id if viewer else None
    posts = await timelines.public_timeline(session, page=_page(request), viewer_id=viewer_id)
    return paged(request, posts, await render_statuses(session, posts, viewer_id=viewer_id))


@router.get("/api/v1/accounts/{account_id}/statuses")
async def account_statuses(
    account_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> Response:
    from hashchat.accounts.api import _account

    """Mastodon's filters: ``pinned``, ``only_media`` (hashchat has no media: nothing),
    ``exclude_replies``, ``exclude_reblogs``, ``tagged``; paged like every timeline."""
    account = await _account(session, account_id)
    q = request.query_params
    page = _page(request)
    viewer_id = viewer.id if viewer else None
    if _true(q.get("pinned")):
        found = (
            []
            if page.max_id or page.min_id or page.since_id
            else await pins.pinned_posts(session, account_id=account.id)
        )
        entities = await render_statuses(session, found, viewer_id=viewer_id)
        return JSONResponse(entities)  # one page: at most five, no Link
    if _true(q.get("only_media")):
        return JSONResponse([])
    tagged = (q.get("tagged") or "").strip().lstrip("#") or None
    posts = await timelines.account_timeline(
        session,
        account_id=account.id,
        page=page,
        exclude_replies=_true(q.get("exclude_replies")),
        exclude_reblogs=_true(q.get("exclude_reblogs")),
        tagged=tagged,
    )
    return paged(request, posts, await render_statuses(session, posts, viewer_id=viewer_id))


def _true(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "on")


@router.post("/api/v1/statuses/{post_id}/pin")
async def pin(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Pin one's own post to one's profile (at most five)."""
    post = await pins.pin(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, post.id, viewer)


@router.post("/api/v1/statuses/{post_id}/unpin")
async def unpin(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    post = await pins.unpin(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, post.id, viewer)


@router.post("/api/v1/text/count")
async def count_text(request: Request) -> dict[str, Any]:
    """How long a draft is as the server counts it (twitter-text v3 weighting), for the
    compose box's counter; hashchat's own, not Mastodon's."""
    from hashchat.config import get_settings
    from hashchat.text import extract_entities, parse_text

    params = await read_params(request)
    text = params.get("text", "")
    if not isinstance(text, str):
        raise Invalid("text must be a string", field="text")
    if len(text) > 20_000:
        raise Invalid("text is too long to count", field="text")
    parsed = parse_text(text)
    limit = get_settings().post_max_length
    return {
        "weighted_length": parsed.weighted_length,
        "max": limit,
        "valid": parsed.valid and 0 < parsed.weighted_length <= limit and bool(text.strip()),
        "hashtags": [e.text for e in extract_entities(text) if e.kind == "hashtag"],
    }


# -- what a person keeps -------------------------------------------------------------------------


@router.post("/api/v1/statuses/{post_id}/bookmark")
async def bookmark(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    post = await saved.bookmark(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, post.id, viewer)


@router.post("/api/v1/statuses/{post_id}/unbookmark")
async def unbookmark(post_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    post = await saved.unbookmark(db=rt.db, account=viewer, post_id=post_id)
    return await _after(rt, post.id, viewer)


@router.get("/api/v1/bookmarks")
async def bookmarks(request: Request, session: SessionDep, viewer: ReadUser) -> Response:
    posts = await saved.bookmarks(session, account_id=viewer.id, page=_page(request))
    return paged(request, posts, await render_statuses(session, posts, viewer_id=viewer.id))


@router.get("/api/v1/favourites")
async def favourites(request: Request, session: SessionDep, viewer: ReadUser) -> Response:
    posts = await saved.favourites(session, account_id=viewer.id, page=_page(request))
    return paged(request, posts, await render_statuses(session, posts, viewer_id=viewer.id))
