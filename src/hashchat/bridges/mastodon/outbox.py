"""Sending the Mastodon outbox: each queued post becomes a status on its author's own server
(``POST /api/v1/statuses``, public or unlisted as asked), with an ``Idempotency-Key`` chosen
when it was queued, so a retry after a lost answer never posts twice. A reply goes out as a
reply to the parent as that server knows it: the id that server gave it when it showed it to
us, else what ``/api/v2/search?resolve=true`` finds for its uri.

Once sent, the post takes the status's ``uri`` as its ``origin_uri`` and that server's id is
kept: when the status comes back through a reader it is the same post, shown once. A server
that does not answer, or asks to slow down, is tried again (30 s, 1, 2 ... 128 minutes); what
it refuses, or a token it no longer accepts (the link is marked broken), fails the row with the
reason. Deleting the post here deletes the status there too.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from hashchat.bridges import remote, sender
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.mastodon import client
from hashchat.bridges.mastodon.link import mark_broken, token_of
from hashchat.bridges.mastodon.models import MastodonOutgoing, MastodonStatus, waker
from hashchat.bridges.sealing import Sealer, Unsealable
from hashchat.errors import BadGateway, RateLimited
from hashchat.posts.models import Post
from hashchat.posts.service import insert_ignore
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

log = logging.getLogger(__name__)
CLAIM = timedelta(seconds=60)
MAX_ATTEMPTS = 9  # 30 s, 1, 2, 4 ... 128 minutes: about four hours in all


async def _finish(db: Database, post_id: int, **values: Any) -> None:
    async with db.write() as session:
        row = await session.get(MastodonOutgoing, post_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)
            row.claimed_until = None


async def parent_id(db: Database, post: Post, server: str, token: str) -> str | None:
    """The id ``server`` gives the post ``post`` replies to, if it knows it."""
    if post.in_reply_to_id is None:
        return None
    async with db.read() as session:
        known = await session.scalar(
            select(MastodonStatus.status_id).where(
                MastodonStatus.server == server, MastodonStatus.post_id == post.in_reply_to_id
            )
        )
        parent = await session.get(Post, post.in_reply_to_id)
    if known is not None:
        return str(known)
    if parent is None or parent.origin_uri is None or not parent.origin_uri.startswith("http"):
        return None  # only here (or on another network): the reply goes out on its own
    found = await client.get_json(
        server,
        "/api/v2/search",
        token=token,
        params={"q": parent.origin_uri, "resolve": "true", "type": "statuses", "limit": "1"},
    )
    statuses = found.get("statuses") if isinstance(found, dict) else None
    if isinstance(statuses, list) and statuses and isinstance(statuses[0], dict):
        return str(statuses[0].get("id")) or None
    return None


async def _sent(db: Database, row: MastodonOutgoing, server: str, status: dict[str, Any]) -> None:
    """The status exists: the post carries its uri, the server's id is kept (in one
    transaction). Should a reader have stored it first, that copy goes: one post, once."""
    uri = str(status.get("uri") or "")[:512]
    status_id = str(status.get("id") or "")[:64]
    async with db.write() as session:
        if uri:
            twin = await session.scalar(
                select(Post.id).where(Post.origin_uri == uri, Post.id != row.post_id)
            )
            if twin is not None:
                await remote.remove(session, [uri])
                await session.execute(update(Post).where(Post.id == twin).values(origin_uri=None))
            await session.execute(update(Post).where(Post.id == row.post_id).values(origin_uri=uri))
        if status_id:
            await session.execute(
                insert_ignore(session, MastodonStatus).values(
                    server=server, status_id=status_id, post_id=row.post_id
                )
            )
        stored = await session.get(MastodonOutgoing, row.post_id)
        if stored is not None:
            stored.state, stored.status_id, stored.error = "sent", status_id, ""
            stored.url = str(status.get("url") or uri)[:512] or None
            stored.sent_at, stored.claimed_until = utcnow(), None


async def _retry_or_fail(db: Database, row: MastodonOutgoing, error: Any, state: str) -> str:
    attempts = row.attempts + 1
    now = utcnow()
    if attempts >= MAX_ATTEMPTS:
        await _finish(db, row.post_id, state="failed", attempts=attempts, error=error.message[:300])
        return "failed"
    delay = timedelta(seconds=30 * 2 ** (attempts - 1))
    if isinstance(error, RateLimited):
        delay = max(delay, timedelta(seconds=error.retry_after))
    log.warning("mastodon: post %s not sent yet (%s); again in %s", row.post_id, error.message,
                delay)  # fmt: skip
    await _finish(db, row.post_id, attempts=attempts, error=error.message[:300],
                  next_attempt_at=now + delay)  # fmt: skip
    return state


async def send_one(db: Database, post_id: int, sealer: Sealer) -> str:
    """Send (or delete) one claimed row; answers its new state."""
    async with db.read() as session:
        row = await session.get(MastodonOutgoing, post_id)
        post = await session.get(Post, post_id)
        link = await session.get(LinkedAccount, row.link_id) if row is not None else None
    if row is None:
        return "gone"
    if link is None or (row.state == "waiting" and (post is None or post.deleted_at)):
        await _finish(db, post_id, state="cancelled", error="the post or the linked account went")
        return "cancelled"
    server = link.service_url
    try:
        token = token_of(link, sealer)
        if row.state == "deleting":
            await client.call(server, "DELETE", f"/api/v1/statuses/{row.status_id}", token=token)
            await _finish(db, post_id, state="deleted", error="")
            return "deleted"
        assert post is not None
        body: dict[str, Any] = {"status": post.text, "visibility": row.visibility}
        reply = await parent_id(db, post, server, token)
        if reply:
            body["in_reply_to_id"] = reply
        if post.language:
            body["language"] = post.language
        answer = await client.call(
            server,
            "POST",
            "/api/v1/statuses",
            token=token,
            json=body,
            headers={"Idempotency-Key": row.idempotency_key},
        )
    except (BadGateway, RateLimited) as error:
        return await _retry_or_fail(db, row, error, row.state)
    except (client.Revoked, Unsealable, KeyError) as error:
        await mark_broken(db=db, link_id=link.id, reason=str(error))
        await _finish(db, post_id, state="failed", error=f"Mastodon: {error}"[:300])
        return "failed"
    except client.Refused as error:
        log.warning("mastodon: post %s refused: %s", post_id, error.message)
        await _finish(db, post_id, state="failed", error=f"Mastodon: {error.message}"[:300])
        return "failed"
    status = client.body_of(answer)
    if not isinstance(status, dict):
        return await _retry_or_fail(
            db, row, BadGateway(f"{server} answered without a status"), "waiting"
        )
    await _sent(db, row, server, status)
    return "sent"


async def send_due(db: Database, sealer: Sealer, *, limit: int = 20) -> int:
    """Claim and send what is due; answers how many rows were looked at."""
    now = utcnow()
    async with db.write() as session:
        rows = list(
            await session.scalars(
                select(MastodonOutgoing)
                .where(
                    MastodonOutgoing.state.in_(("waiting", "deleting")),
                    MastodonOutgoing.next_attempt_at <= now,
                    or_(
                        MastodonOutgoing.claimed_until.is_(None),
                        MastodonOutgoing.claimed_until < now,
                    ),
                )
                .order_by(MastodonOutgoing.next_attempt_at, MastodonOutgoing.post_id)
                .limit(limit)
            )
        )
        for row in rows:
            row.claimed_until = now + CLAIM
        claimed = [row.post_id for row in rows]
    for post_id in claimed:
        await send_one(db, post_id, sealer)
    return len(claimed)


class Sender(sender.Sender):
    """Sends the Mastodon outbox in the background of ``hashchat serve`` (every process; rows
    are claimed first, so none is sent twice)."""

    def __init__(self, db: Database, sealer: Sealer, interval: float = 2.0) -> None:
        super().__init__("mastodon-outbox", lambda: send_due(db, sealer), waker, interval)
