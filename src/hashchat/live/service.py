"""What a live room needs besides the stream: its recent posts, the point the stream resumes
from, who to highlight, and the room's hashtag added to what people post."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.errors import Invalid
from hashchat.posts import timelines
from hashchat.posts.entities import render_statuses
from hashchat.posts.models import Post, Tag
from hashchat.storage.sequence import last_id
from hashchat.text import extract_entities, is_valid_hashtag, normalize_tag

MAX_ROOM_TAGS = 10
RECENT = 40


def check_room_tags(raw: list[str]) -> list[str]:
    """The room's hashtags as given (without '#'), deduplicated by their folded form."""
    names: dict[str, str] = {}
    for item in raw:
        for part in item.split(","):
            name = part.strip().lstrip("#")
            if not name:
                continue
            if not is_valid_hashtag("#" + name):
                raise Invalid(f"#{name} is not a hashtag", field="tags")
            names.setdefault(normalize_tag(name), name)
    if not names:
        raise Invalid("name at least one hashtag", field="tags")
    if len(names) > MAX_ROOM_TAGS:
        raise Invalid(f"a mixer joins at most {MAX_ROOM_TAGS} chats", field="tags")
    return list(names.values())


def with_room_tag(text: str, tag: str) -> str:
    """The post as it should go out: the room's hashtag appended unless the text has it."""
    key = normalize_tag(tag)
    present = {normalize_tag(e.text) for e in extract_entities(text) if e.kind == "hashtag"}
    if key in present:
        return text
    return f"{text.rstrip()} #{tag}"


@dataclass
class Room:
    tags: list[str]
    since_id: int
    statuses: list[dict[str, Any]]
    hosts: dict[str, str] = field(default_factory=dict)  # account id -> "host" / "guest"
    older: int | None = None  # the max_id of the next older page, when there may be one


async def room_hosts(session: AsyncSession, tags: list[str], extra: list[str]) -> dict[str, str]:
    """Who is highlighted in the room: the chat's hosts and guests (from the directory, when the
    chat is listed) and anyone named in ``?hosts=`` (TweetChat's "highlight these people")."""
    from hashchat.hosting.roles import roles_for_tags

    hosts = await roles_for_tags(session, tags)
    wanted = {h.strip().lstrip("@").lower() for h in extra if h.strip()}
    if wanted:
        rows = await session.scalars(select(Account).where(Account.handle_key.in_(wanted)))
        for account in rows:
            hosts.setdefault(str(account.id), "host")
    return hosts


async def reply_contexts(session: AsyncSession, statuses: list[dict[str, Any]]) -> None:
    """Each reply's ``reply_context``: the handle it answers and the start of that post's text
    ("replying to @lena: The middle. Everything sags..."), read in one query."""
    shown = [s.get("reblog") or s for s in statuses]
    wanted = {int(s["in_reply_to_id"]) for s in shown if s.get("in_reply_to_id")}
    if not wanted:
        return
    rows = await session.execute(
        select(Post.id, Post.text, Post.deleted_at, Account.handle)
        .join(Account, Account.id == Post.account_id)
        .where(Post.id.in_(wanted))
    )
    found = {
        str(row.id): {"acct": row.handle, "text": "" if row.deleted_at else _snippet(row.text)}
        for row in rows
    }
    for status in shown:
        parent = status.get("in_reply_to_id")
        if parent and parent in found:
            status["reply_context"] = found[parent]


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


async def load_room(
    session: AsyncSession,
    *,
    tags: list[str],
    viewer_id: int | None,
    highlight: list[str],
    max_id: int | None = None,
) -> Room:
    # Read the resume point first: a post committed between the two reads comes both in the page
    # and in the stream, and the page drops the copy; the other order could miss it. Posts
    # hidden by a chat's moderation (hosting/visibility.py, applied by the tag timeline) are
    # left out, except for their author, who sees them marked; one hidden after the resume
    # point is removed (for its author: marked) by its ``hide`` event on the stream.
    # ``max_id``: an older page ("load older"), as the API pages the tag timeline.
    since = await last_id(session)
    posts = await timelines.tag_timeline(
        session, any_tags=tags, page=timelines.Page(max_id=max_id, limit=RECENT),
        include_reblogs=True, viewer_id=viewer_id,
    )  # fmt: skip
    statuses = await render_statuses(session, posts, viewer_id=viewer_id)
    await reply_contexts(session, statuses)
    if viewer_id is not None:
        own = [p.id for p in posts if p.account_id == viewer_id]
        hidden = await timelines.left_out_ids(session, tags, own)
        for status in statuses:
            status["hidden_from_chat"] = int(status["id"]) in hidden
    known = {
        t.key: t.name
        for t in await session.scalars(
            select(Tag).where(Tag.key.in_([normalize_tag(t) for t in tags]))
        )
    }
    shown = [known.get(normalize_tag(t), t) for t in tags]
    room = Room(shown, since, statuses, await room_hosts(session, tags, highlight))
    room.older = posts[-1].id if len(posts) == RECENT else None
    return room
