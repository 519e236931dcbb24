"""Post pages: the home timeline (``/home``; ``/`` is the directory's landing page), hashtag
pages with a compose box, and post permalinks with their thread. Every action is a plain form,
so the pages work without JavaScript."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from hashchat.accounts import service as accounts
from hashchat.accounts.models import Account
from hashchat.errors import DomainError, NotFound
from hashchat.parsing import parse_id
from hashchat.posts import service, timelines
from hashchat.posts.entities import render_statuses
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.text import is_valid_hashtag, normalize_tag
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.errors import error_headers
from hashchat.web.forms import read_form, safe_next, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)


async def popular_tags(session: Any, limit: int = 12) -> list[tuple[str, int]]:
    """The most used hashtags among the latest posts."""
    recent = select(Post.id).order_by(Post.id.desc()).limit(2000).subquery()
    rows = await session.execute(
        select(Tag.name, func.count(PostTag.post_id).label("uses"))
        .join(PostTag, PostTag.tag_id == Tag.id)
        .where(PostTag.post_id.in_(select(recent.c.id)), PostTag.reblog.is_(False))
        .group_by(Tag.id, Tag.name)
        .order_by(func.count(PostTag.post_id).desc(), Tag.name)
        .limit(limit)
    )
    return [(name, uses) for name, uses in rows]


@router.get("/home", response_class=HTMLResponse)
async def home(
    request: Request, session: SessionDep, viewer: ViewerDep, max_id: str = ""
) -> Response:
    page = timelines.Page.parse(max_id=max_id or None)
    if viewer is not None:
        posts = await timelines.home_timeline(session, account_id=viewer.id, page=page)
        if not posts and not max_id:
            posts = await timelines.public_timeline(session, page=page)
    else:
        posts = await timelines.public_timeline(session, page=page)
    statuses = await render_statuses(session, posts, viewer_id=viewer.id if viewer else None)
    return render(
        request,
        "posts/home.html",
        {
            "statuses": statuses,
            "tags": await popular_tags(session),
            "next_max_id": posts[-1].id if len(posts) == page.limit else None,
        },
    )


@router.get("/tags/{name}", response_class=HTMLResponse)
async def tag_page(
    name: str, request: Request, session: SessionDep, viewer: ViewerDep, max_id: str = ""
) -> Response:
    if not is_valid_hashtag("#" + name):
        raise NotFound(f"#{name} is not a hashtag")
    page = timelines.Page.parse(max_id=max_id or None)
    viewer_id = viewer.id if viewer else None
    posts = await timelines.tag_timeline(session, any_tags=[name], page=page, viewer_id=viewer_id)
    statuses = await render_statuses(session, posts, viewer_id=viewer_id)
    if viewer is not None:  # their own posts that the chat's moderators hid: marked for them
        own = [p.id for p in posts if p.account_id == viewer.id]
        hidden = await timelines.left_out_ids(session, [name], own)
        for status in statuses:
            status["hidden_from_chat"] = int(status["id"]) in hidden
    tag = await session.scalar(select(Tag).where(Tag.key == normalize_tag(name)))
    following = bool(viewer and tag) and await accounts.follows_tag(
        session, viewer.id if viewer else 0, tag.id if tag else 0
    )
    return render(
        request,
        "posts/tag.html",
        {
            "name": tag.name if tag else name,
            "statuses": statuses,
            "following": following,
            "draft": f"#{tag.name if tag else name} ",
            "next_max_id": posts[-1].id if len(posts) == page.limit else None,
        },
    )


@router.post("/tags/{name}/follow")
async def tag_follow(name: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    back = f"/tags/{quote(name, safe='')}"
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    if form.get("action") == "unfollow":
        await accounts.unfollow_tag(db=rt.db, account_id=viewer.id, name=name)
    else:
        await accounts.follow_tag(db=rt.db, account_id=viewer.id, name=name)
    return see_other(back)


@router.get("/@{handle}/{post_id}", response_class=HTMLResponse)
async def permalink(
    handle: str, post_id: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> Response:
    key = parse_id(post_id)
    post = await session.get(Post, key) if key is not None else None
    author = await session.get(Account, post.account_id) if post else None
    if post is None or author is None or author.handle_key != handle.lower():
        raise NotFound("there is no such post")
    if post.deleted_at is not None:
        return render(request, "posts/deleted.html", {"author": author}, status=410)
    found = await timelines.thread(session, post)
    viewer_id = viewer.id if viewer else None
    rendered = await render_statuses(
        session, [*found.ancestors, post, *found.descendants], viewer_id=viewer_id
    )
    n = len(found.ancestors)
    return render(
        request,
        "posts/thread.html",
        {
            "ancestors": rendered[:n],
            "status": rendered[n],
            "descendants": rendered[n + 1 :],
            "reply_draft": _reply_draft(rendered[n], viewer),
        },
    )


def _reply_draft(status: dict[str, Any], viewer: Account | None) -> str:
    """A reply starts with the author's @handle and keeps the post's hashtags."""
    original = status["reblog"] or status
    parts = []
    if viewer is None or original["account"]["id"] != str(viewer.id):
        parts.append("@" + original["account"]["acct"])
    parts += ["#" + t["name"] for t in original["tags"]]
    return " ".join(parts) + (" " if parts else "")


@router.post("/posts", response_class=HTMLResponse)
async def compose(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    back = safe_next(form.get("next"), "/home")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    try:
        await rt.limiter.hit("post", str(viewer.id))
        post = await service.create_post(
            db=rt.db,
            author=viewer,
            text=form.get("status", ""),
            in_reply_to_id=form.get("in_reply_to_id") or None,
        )
    except DomainError as exc:
        return render(
            request,
            "posts/compose_error.html",
            {
                "error": exc.message,
                "draft": form.get("status", ""),
                "next": back,
                "in_reply_to_id": form.get("in_reply_to_id", ""),
            },
            status=exc.status,
            headers=error_headers(exc),
        )
    return see_other(back if form.get("stay") else f"/@{viewer.handle}/{post.id}")


@router.post("/posts/{post_id}/{action}")
async def act(
    post_id: str, action: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """The buttons under a post: like, repost, and delete, with their undo."""
    form = await read_form(request)
    back = safe_next(form.get("next"), "/home")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    actions = {
        "favourite": service.favourite,
        "unfavourite": service.unfavourite,
        "reblog": service.reblog,
        "unreblog": service.unreblog,
    }
    if action == "delete":
        await service.delete_post(db=rt.db, actor=viewer, post_id=post_id)
    elif action in actions:
        await actions[action](db=rt.db, account=viewer, post_id=post_id)
    else:
        raise NotFound("no such action")
    return see_other(back)
