"""Sending the outbox: each queued post becomes a record on its author's own PDS
(com.atproto.repo.createRecord with the record key chosen when it was queued), with its facets
and, for a reply to a post that is on Bluesky, the root and parent strong refs (uri + cid) read
from the parent's own record.

A PDS that does not answer, or asks to slow down, is tried again later (backing off, for about
four hours); what it refuses, or a session that can no longer be renewed, fails the post's row
with the reason, which its author sees (``GET /api/v1/bridges/posts/<id>``). Rows are claimed
before sending, so two processes never send one twice; and since the record key is fixed, a
retry after a lost answer finds the record already made instead of making a second.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from hashchat.bridges import sender
from hashchat.bridges.bluesky import identity, record, sessions, xrpc
from hashchat.bridges.bluesky.outbox_model import OutgoingPost, waker
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.sealing import Sealer, Unsealable
from hashchat.config import Settings
from hashchat.errors import BadGateway, DomainError, RateLimited
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

log = logging.getLogger("hashchat.bridges.bluesky.outbox")
CLAIM = timedelta(seconds=60)
MAX_ATTEMPTS = 9  # 30 s, 1, 2, 4 ... 128 minutes: about four hours in all
PARENT_WAIT = timedelta(seconds=2)


class NotYet(Exception):
    """The post replies to one still on its way out: it waits for the parent's CID."""


def parse_uri(uri: str) -> tuple[str, str, str]:
    """(repo DID, collection, rkey) of an at:// record URI."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3:
        raise ValueError(f"not a record URI: {uri}")
    return parts[0], parts[1], parts[2]


def web_url(uri: str) -> str:
    did, _collection, rkey = parse_uri(uri)
    return f"https://bsky.app/profile/{did}/post/{rkey}"


async def get_record(uri: str, settings: Settings) -> dict[str, Any] | None:
    """A record as its own PDS serves it ({"uri", "cid", "value"}); None if it is gone."""
    did, collection, rkey = parse_uri(uri)
    who = await identity.resolve(did, settings, field="in_reply_to_id")
    try:
        return await xrpc.call(
            who.pds,
            "com.atproto.repo.getRecord",
            params={"repo": did, "collection": collection, "rkey": rkey},
            wait=settings.bluesky_timeout,
        )
    except xrpc.XrpcError as error:
        if error.status in (400, 404):
            return None
        raise


async def reply_refs(db: Database, post: Post, settings: Settings) -> dict[str, Any] | None:
    """The record's ``reply``: root and parent strong refs, when the parent is on Bluesky."""
    if post.in_reply_to_id is None:
        return None
    async with db.read() as session:
        parent = await session.get(Post, post.in_reply_to_id)
        outgoing = await session.get(OutgoingPost, post.in_reply_to_id)
    if parent is None or parent.origin_uri is None:
        return None  # the parent is not on Bluesky: the reply goes out on its own
    if outgoing is not None and outgoing.state == "waiting":
        raise NotYet
    if outgoing is not None and outgoing.state != "sent":
        return None
    found = await get_record(parent.origin_uri, settings)
    if found is None:
        return None
    parent_ref = {"uri": found["uri"], "cid": found["cid"]}
    root = (found.get("value") or {}).get("reply", {}).get("root") or parent_ref
    return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent_ref}


async def _finish(db: Database, post_id: int, **values: Any) -> None:
    async with db.write() as session:
        row = await session.get(OutgoingPost, post_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)
            row.claimed_until = None


async def delete_one(db: Database, row: OutgoingPost, sealer: Sealer, settings: Settings) -> str:
    """Delete the record of a post deleted here (com.atproto.repo.deleteRecord)."""
    now = utcnow()
    async with db.read() as session:
        link = await session.get(LinkedAccount, row.link_id)
    if link is None:  # unlinked meanwhile: hashchat can no longer act for them
        await _finish(db, row.post_id, state="failed", error="unlinked before the deletion")
        return "failed"
    body = {"repo": link.remote_id, "collection": record.COLLECTION, "rkey": row.rkey}
    try:
        await sessions.call_as(
            db, link.id, sealer, settings, "com.atproto.repo.deleteRecord", body=body
        )
    except (BadGateway, RateLimited) as error:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await _finish(db, row.post_id, state="failed", attempts=attempts, error=error.message)
            return "failed"
        delay = timedelta(seconds=30 * 2 ** (attempts - 1))
        await _finish(
            db, row.post_id, attempts=attempts, error=error.message, next_attempt_at=now + delay
        )
        return "deleting"
    except (xrpc.XrpcError, DomainError, sessions.Expired, Unsealable) as error:
        message = error.message if isinstance(error, (xrpc.XrpcError, DomainError)) else str(error)
        await _finish(db, row.post_id, state="failed", error=f"Bluesky: {message}"[:300])
        return "failed"
    await _finish(db, row.post_id, state="deleted", error="")
    return "deleted"


async def send_one(db: Database, post_id: int, sealer: Sealer, settings: Settings) -> str:
    """Send (or delete) one claimed row; answers its new state."""
    async with db.read() as session:
        row = await session.get(OutgoingPost, post_id)
        post = await session.get(Post, post_id)
        link = await session.get(LinkedAccount, row.link_id) if row is not None else None
    if row is None:
        return "gone"
    if row.state == "deleting":
        return await delete_one(db, row, sealer, settings)
    if post is None or post.deleted_at is not None or link is None:
        await _finish(db, post_id, state="cancelled", error="the post or the linked account went")
        return "cancelled"
    now = utcnow()
    try:
        reply = await reply_refs(db, post, settings)
        facets = await record.facets_for(post.text, settings)
        body = {
            "repo": link.remote_id,
            "collection": record.COLLECTION,
            "rkey": row.rkey,
            "record": record.build(
                text=post.text,
                created_at=post.created_at,
                facets=facets,
                language=post.language,
                reply=reply,
            ),
        }
        try:
            made = await sessions.call_as(
                db, link.id, sealer, settings, "com.atproto.repo.createRecord", body=body
            )
        except xrpc.XrpcError:
            # An earlier attempt may have made it and lost the answer: the key is ours.
            found = await get_record(row.uri, settings)
            if found is None:
                raise
            made = found
    except NotYet:
        await _finish(db, post_id, next_attempt_at=now + PARENT_WAIT)
        return "waiting"
    except (BadGateway, RateLimited) as error:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await _finish(db, post_id, state="failed", attempts=attempts, error=error.message[:300])
            return "failed"
        delay = timedelta(seconds=30 * 2 ** (attempts - 1))
        if isinstance(error, RateLimited):
            delay = max(delay, timedelta(seconds=error.retry_after))
        log.warning(
            "bluesky: post %s not sent yet (%s); again in %s", post_id, error.message, delay
        )
        await _finish(
            db, post_id, attempts=attempts, error=error.message[:300], next_attempt_at=now + delay
        )
        return "waiting"
    except (xrpc.XrpcError, DomainError, sessions.Expired, Unsealable) as error:
        message = error.message if isinstance(error, (xrpc.XrpcError, DomainError)) else str(error)
        log.warning("bluesky: post %s refused: %s", post_id, message)
        await _finish(
            db,
            post_id,
            state="failed",
            attempts=row.attempts + 1,
            error=f"Bluesky: {message}"[:300],
        )
        return "failed"
    await _finish(db, post_id, state="sent", cid=str(made["cid"]), sent_at=utcnow(), error="")
    return "sent"


async def send_due(db: Database, sealer: Sealer, settings: Settings, *, limit: int = 20) -> int:
    """Claim and send what is due; answers how many rows were looked at."""
    now = utcnow()
    async with db.write() as session:
        rows = list(
            await session.scalars(
                select(OutgoingPost)
                .where(
                    OutgoingPost.state.in_(("waiting", "deleting")),
                    OutgoingPost.next_attempt_at <= now,
                    or_(OutgoingPost.claimed_until.is_(None), OutgoingPost.claimed_until < now),
                )
                .order_by(OutgoingPost.next_attempt_at, OutgoingPost.post_id)
                .limit(limit)
            )
        )
        for row in rows:
            row.claimed_until = now + CLAIM
        claimed = [row.post_id for row in rows]
    for post_id in claimed:
        await send_one(db, post_id, sealer, settings)
    return len(claimed)


# -- the process's sender (bridges/sender.py) ---------------------------------------------------


class Sender(sender.Sender):
    """Sends the outbox in the background of ``hashchat serve``."""

    def __init__(
        self, db: Database, sealer: Sealer, settings: Settings, interval: float = 2.0
    ) -> None:
        super().__init__("bluesky-outbox", lambda: send_due(db, sealer, settings), waker, interval)
