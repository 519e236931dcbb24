"""What the Bluesky readers saw, written: posts as remote posts (bridges/remote.py), deletions,
handle changes and takedowns, in the order they came, in the caller's transaction (the one
that also stores the cursor they bring the source to)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.bridges import remote
from hashchat.bridges.bluesky import richtext
from hashchat.bridges.bluesky.events import (
    AccountGone,
    HandleChanged,
    PostDeleted,
    PostMade,
    Seen,
    created_at,
    post_uri,
    post_url,
)
from hashchat.posts.batch import TagCache

NETWORK = "bluesky"


def profile_url(did: str) -> str:
    return f"{richtext.PROFILE}{did}"


def remote_post(made: PostMade, handle: str, now: datetime) -> remote.RemotePost | None:
    """The post a ``PostMade`` is, or None if its record is not a post's."""
    record = made.record
    text = record.get("text")
    if not isinstance(text, str):
        return None
    html, tags = richtext.render(text, record.get("facets"), record.get("tags"))
    langs = record.get("langs")
    language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    reply_to = parent.get("uri") if isinstance(parent, dict) else None
    return remote.RemotePost(
        author=remote.RemoteAuthor(NETWORK, made.did, handle, profile_url(made.did)),
        uri=post_uri(made.did, made.rkey),
        url=post_url(made.did, made.rkey),
        created_at=created_at(record, now),
        text=text,
        html=html,
        tags=tags,
        reply_to=reply_to if isinstance(reply_to, str) else None,
        language=language,
    )


async def apply(
    session: AsyncSession,
    seen: Sequence[Seen],
    *,
    tags: TagCache,
    handles: dict[str, str],
    now: datetime,
) -> dict[str, Any]:
    """Write ``seen`` in order; ``handles`` has a handle for every new poster's DID. Answers
    counts (``stored``, ``skipped``, ``deleted``) for the log."""
    counts = {"stored": 0, "skipped": 0, "deleted": 0}
    posts: list[remote.RemotePost] = []

    async def flush_posts() -> None:
        if posts:
            done = await remote.store(session, posts, tags, now)
            counts["stored"] += len(done.created)
            counts["skipped"] += done.skipped
            posts.clear()

    for item in seen:
        if isinstance(item, PostMade):
            post = remote_post(item, handles.get(item.did, ""), now)
            if post is not None:
                posts.append(post)
            continue
        await flush_posts()  # what came before it is written before it
        if isinstance(item, PostDeleted):
            counts["deleted"] += await remote.remove(session, [post_uri(item.did, item.rkey)])
        elif isinstance(item, AccountGone):
            counts["deleted"] += await remote.remove_author(session, NETWORK, item.did)
        elif isinstance(item, HandleChanged):
            await session.execute(
                update(Account)
                .where(Account.handle_key == item.did, Account.origin == NETWORK)
                .values(handle=item.handle)
                .execution_options(synchronize_session=False)
            )
    await flush_posts()
    return counts
