"""What a Mastodon reader saw, written in order in the caller's transaction (the one that also
moves the (server, chat) cursor): new statuses as remote posts (stored once by ``uri``, however
many servers show them), edits (``status.update``) as revisions, deletions everywhere. Each
server's own ids of the posts are kept (``mastodon_statuses``): a ``delete`` names only that."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hashchat.bridges import remote
from hashchat.bridges.mastodon.models import MastodonStatus
from hashchat.bridges.mastodon.statuses import clean_html, remote_post, text_of
from hashchat.posts.batch import TagCache
from hashchat.posts.models import Post
from hashchat.posts.service import insert_ignore


@dataclass(frozen=True, slots=True)
class Seen:
    """One event from a server: ``update`` / ``status.update`` (a Status) or ``delete`` (an
    id)."""

    event: str
    payload: Any


async def _uri_of(session: Any, server: str, status_id: object) -> str | None:
    if not isinstance(status_id, str | int):
        return None
    post_id = await session.scalar(
        select(MastodonStatus.post_id).where(
            MastodonStatus.server == server, MastodonStatus.status_id == str(status_id)
        )
    )
    if post_id is None:
        return None
    uri: str | None = await session.scalar(select(Post.origin_uri).where(Post.id == post_id))
    return uri


async def _remember(session: Any, server: str, ids: dict[str, str]) -> None:
    """Keep ``server``'s id (status id -> uri) of each post stored under those URIs."""
    if not ids:
        return
    rows = await session.execute(
        select(Post.origin_uri, Post.id).where(Post.origin_uri.in_(set(ids.values())))
    )
    by_uri = {uri: post_id for uri, post_id in rows}
    for status_id, uri in ids.items():
        if uri in by_uri:
            await session.execute(
                insert_ignore(session, MastodonStatus).values(
                    server=server, status_id=status_id[:64], post_id=by_uri[uri]
                )
            )


async def apply(
    session: Any, server: str, seen: Sequence[Seen], *, tags: TagCache, now: datetime
) -> dict[str, int]:
    """Write ``seen`` in order; answers counts for the log."""
    counts = {"stored": 0, "skipped": 0, "edited": 0, "deleted": 0}
    for item in seen:
        status = item.payload
        if item.event == "delete":
            uri = await _uri_of(session, server, status)
            if uri is not None:
                counts["deleted"] += await remote.remove(session, [uri])
            continue
        if not isinstance(status, dict) or not isinstance(status.get("id"), str | int):
            continue
        parent = await _uri_of(session, server, status.get("in_reply_to_id"))
        post = remote_post(status, server, now, reply_to=parent)
        if post is None:
            counts["skipped"] += 1
            continue
        if item.event == "status.update":
            revised = await remote.revise(
                session,
                post.uri,
                text=text_of(status["content"]),
                html=clean_html(status["content"]),
            )
            if revised is not None:
                counts["edited"] += 1
                await _remember(session, server, {str(status["id"]): post.uri})
                continue
        done = await remote.store(session, [post], tags, now)
        counts["stored"] += len(done.created)
        counts["skipped"] += done.skipped
        await _remember(session, server, {str(status["id"]): post.uri})
    return counts
