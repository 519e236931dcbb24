"""Posts from other networks, stored as posts: the model every bridge shares.

A remote person is an ``accounts`` row with ``origin`` set (the network) and ``handle_key`` set
to their stable key there (Bluesky: the DID; Mastodon: the actor URI), so no local handle can
ever collide with it and a handle change keeps the same account; ``handle`` is what the network
shows, ``origin_url`` their profile there. They cannot sign in (no password).

A remote post is a ``posts`` row with ``origin``, ``origin_uri`` (stored once: the write path
refuses a second draft with the same URI, even one deleted since) and ``origin_url``, written
through the same write path as ours (posts/batch.py): it takes an event id, so streams, resume,
the room, sessions and Q/A, transcripts, analytics and moderation treat it as any post.
Deleting at the origin deletes it here; a taken-down or opted-out person's posts are deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.bridges.models import BridgeOptOut
from hashchat.errors import Invalid
from hashchat.posts.batch import Created, Draft, Origin, TagCache, write_posts
from hashchat.posts.entities import gather, status_entity
from hashchat.posts.models import Post
from hashchat.posts.service import encode, insert_ignore, post_streams, remove_post, tag_keys_of
from hashchat.realtime.events import record
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.text import Entity

MAX_TAG = 140  # tags.name
MAX_DISPLAY_NAME = 50  # accounts.display_name
# A record's own time is what its author's client said; kept within this much of its arrival.
MAX_BACKDATE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RemoteAuthor:
    network: str  # "bluesky", "mastodon"
    key: str  # the stable id there: a DID, an actor URI
    handle: str  # as the network shows it
    profile_url: str
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class RemotePost:
    author: RemoteAuthor
    uri: str  # its URI at the origin (at://..., an ActivityPub id): stored once
    url: str  # its web address there
    created_at: datetime  # the record's own time
    text: str
    html: str  # the text as safe HTML, from the network's own links and tags
    tags: Sequence[str] = ()  # its hashtags, as written (without "#")
    reply_to: str | None = None  # the URI of the post it replies to
    language: str | None = None


@dataclass(slots=True)
class Stored:
    """What one call to :func:`store` did."""

    created: list[Created] = field(default_factory=list)
    skipped: int = 0  # stored already, opted out, or refused by a room's rules


async def opted_out(session: AsyncSession, network: str, keys: Iterable[str]) -> set[str]:
    wanted = set(keys)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(BridgeOptOut.key).where(
            BridgeOptOut.network == network, BridgeOptOut.key.in_(wanted)
        )
    )
    return set(rows)


async def authors(session: AsyncSession, people: Sequence[RemoteAuthor]) -> dict[str, int]:
    """Account ids by key for ``people``, made on first sight; a changed handle, name or
    profile address is brought up to date."""
    latest = {p.key: p for p in people}
    if not latest:
        return {}
    found = {
        a.handle_key: a
        for a in await session.scalars(select(Account).where(Account.handle_key.in_(latest)))
    }
    new = [p for k, p in latest.items() if k not in found]
    if new:
        now = utcnow()
        await session.execute(
            insert_ignore(session, Account),
            [
                {
                    "handle": p.handle or p.key,
                    "handle_key": p.key,
                    "password_hash": "",  # never signs in here
                    "display_name": p.display_name[:MAX_DISPLAY_NAME],
                    "origin": p.network,
                    "origin_url": p.profile_url,
                    "created_at": now,
                }
                for p in new
            ],
        )
        for account in await session.scalars(
            select(Account).where(Account.handle_key.in_([p.key for p in new]))
        ):
            found[account.handle_key] = account
    for key, account in found.items():
        person = latest[key]
        if person.handle and account.handle != person.handle:
            await session.execute(
                update(Account)
                .where(Account.id == account.id)
                .values(handle=person.handle, origin_url=person.profile_url)
                .execution_options(synchronize_session=False)
            )
    return {k: a.id for k, a in found.items()}


async def store(
    session: AsyncSession, posts: Sequence[RemotePost], tags: TagCache, now: datetime | None = None
) -> Stored:
    """Write ``posts`` in ``session``'s transaction, through the write path. A post already
    stored (or deleted since), from someone who opted out, or refused by a room's rules is
    skipped; a reply to a post stored here is a reply to it."""
    now = now or utcnow()
    result = Stored()
    if not posts:
        return result
    by_network: dict[str, set[str]] = {}
    for p in posts:
        by_network.setdefault(p.author.network, set()).add(p.author.key)
    out: set[tuple[str, str]] = set()
    for network, keys in by_network.items():
        out |= {(network, k) for k in await opted_out(session, network, keys)}
    kept = [p for p in posts if (p.author.network, p.author.key) not in out]
    result.skipped += len(posts) - len(kept)
    if not kept:
        return result
    ids = await authors(session, [p.author for p in kept])
    parent_uris = {p.reply_to for p in kept if p.reply_to}
    parents: dict[str, int] = {}
    if parent_uris:
        rows = await session.execute(
            select(Post.origin_uri, Post.id).where(
                Post.origin_uri.in_(parent_uris), Post.deleted_at.is_(None)
            )
        )
        parents = {uri: post_id for uri, post_id in rows if uri is not None}
    drafts = [
        Draft(
            ids[p.author.key],
            p.text,
            [Entity("hashtag", t, 0, 0) for t in dict.fromkeys(p.tags) if 0 < len(t) <= MAX_TAG],
            in_reply_to_id=parents.get(p.reply_to) if p.reply_to else None,
            language=p.language[:16] if p.language else None,
            origin=Origin(
                p.author.network,
                p.uri,
                p.url,
                min(max(p.created_at, now - MAX_BACKDATE), now),
                p.html,
            ),
        )
        for p in kept
    ]
    for outcome in await write_posts(session, drafts, tags):
        if isinstance(outcome, Created):
            result.created.append(outcome)
        else:
            result.skipped += 1
    return result


async def remove(session: AsyncSession, uris: Iterable[str]) -> int:
    """Delete the posts with these origin URIs (deleted at their origin), everywhere: a
    ``delete`` event each; transcripts and exports leave deleted posts out."""
    wanted = set(uris)
    if not wanted:
        return 0
    found = list(
        await session.scalars(
            select(Post).where(Post.origin_uri.in_(wanted), Post.deleted_at.is_(None))
        )
    )
    for post in found:
        await remove_post(session, post)
    return len(found)


async def revise(session: AsyncSession, uri: str, *, text: str, html: str) -> int | None:
    """The post stored under ``uri`` was edited at its origin: its text follows, and viewers
    get a ``status.update`` event with it. Answers its id (None: not stored, or deleted)."""
    post = await session.scalar(
        select(Post).where(Post.origin_uri == uri, Post.deleted_at.is_(None))
    )
    if post is None:
        return None
    if post.text == text and post.content_html == html:
        return post.id  # the same again (seen through another server)
    post.text, post.content_html = text, html
    await session.flush()
    related = await gather(session, [post])
    await record(
        session,
        kind="status.update",
        payload=encode(status_entity(post, related)),
        streams=post_streams(post, await tag_keys_of(session, post.id)),
    )
    return post.id


async def remove_author(session: AsyncSession, network: str, key: str) -> int:
    """Delete every post of the remote person ``key`` (taken down, deactivated, opted out)."""
    account_id = await session.scalar(
        select(Account.id).where(Account.handle_key == key, Account.origin == network)
    )
    if account_id is None:
        return 0
    found = list(
        await session.scalars(
            select(Post).where(Post.account_id == account_id, Post.deleted_at.is_(None))
        )
    )
    for post in found:
        await remove_post(session, post)
    return len(found)


async def opt_out(*, db: Database, network: str, key: str) -> int:
    """Leave the remote person ``key`` out from now on: nothing of theirs is ingested again,
    and what was stored is deleted (the number answered)."""
    if not key.strip():
        raise Invalid("whom? a DID or an actor URI", field="key")
    async with db.write() as session:
        await session.execute(
            insert_ignore(session, BridgeOptOut).values(network=network, key=key.strip())
        )
        return await remove_author(session, network, key.strip())


async def opt_in(*, db: Database, network: str, key: str) -> None:
    """Undo :func:`opt_out` (their new posts come in again; deleted ones do not come back)."""
    async with db.write() as session:
        await session.execute(
            delete(BridgeOptOut).where(BridgeOptOut.network == network, BridgeOptOut.key == key)
        )
