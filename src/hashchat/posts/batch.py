"""Writing many new posts in one transaction (the group commit's unit of work).

Everything is checked before anything is inserted, per post: a post whose reply target is gone
gets its own error and the others go ahead. The rows go in with one multi-row INSERT per table;
tags are looked up through a per-process cache of committed tag ids. The posts' events are
recorded in the same transaction, so viewers hear of them only after the commit.
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.accounts.validation import handle_key
from hashchat.errors import Conflict, DomainError, Invalid
from hashchat.posts import keys as idempotency
from hashchat.posts.entities import Related, status_entity
from hashchat.posts.models import Mention, Post, PostTag, Tag
from hashchat.posts.polls import PollDraft
from hashchat.posts.steps import Batch, Then, steps
from hashchat.realtime.events import Event, record_many
from hashchat.storage.base import table_of, utcnow
from hashchat.storage.bulk import insert_rows
from hashchat.storage.sequence import take_ids
from hashchat.text import Entity, normalize_tag, render_html


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a post from another network comes from (a bridge's draft): its network, its URI
    there (stored once: a second draft with the same URI is refused), its web address, when
    it was made there, and its text already rendered to safe HTML (from the network's own
    links and tags, bridges/)."""

    network: str
    uri: str
    url: str
    created_at: datetime
    html: str


@dataclass(slots=True)
class Draft:
    """A post that passed its own checks (text, language) and waits to be written."""

    author_id: int
    text: str
    entities: list[Entity]
    in_reply_to_id: int | None = None
    language: str | None = None
    poll: PollDraft | None = None  # written with the post (the registered "poll" part)
    origin: Origin | None = None  # a post from another network (bridges/)
    # Networks to post it out to as well, from the author's linked accounts ("bluesky"): the
    # bridges' registered step checks and queues it (bridges/bluesky/posting.py).
    bridges: tuple[str, ...] = ()
    # The client's Idempotency-Key (posts/keys.py): a key that made a post answers that post.
    idempotency_key: str | None = None


@dataclass(slots=True)
class NewPost:
    """A post as written: the columns of its row (cheaper to build than an ORM object)."""

    id: int
    account_id: int
    text: str
    content_html: str
    language: str | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    conversation_id: int
    reblog_of_id: int | None
    created_at: datetime
    deleted_at: datetime | None
    replies_count: int
    reblogs_count: int
    favourites_count: int
    origin: str | None = None
    origin_uri: str | None = None
    origin_url: str | None = None


@dataclass(slots=True)
class Created:
    post: NewPost
    entity: dict[str, Any]  # the Status, without viewer-specific fields
    tag_keys: list[str] = field(default_factory=list)


class TagCache:
    """Committed tag ids by key. Tags are never deleted, so an entry never goes stale; new ones
    are added only after the transaction that made them has committed."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    async def resolve(self, session: AsyncSession, names: dict[str, str]) -> dict[str, int]:
        """Ids for ``names`` (key -> spelling), creating the missing tags in ``session``."""
        found = {k: self.ids[k] for k in names if k in self.ids}
        missing = [k for k in names if k not in found]
        if missing:
            rows = await session.execute(select(Tag.key, Tag.id).where(Tag.key.in_(missing)))
            found.update({k: i for k, i in rows})
            new = [k for k in missing if k not in found]
            if new:
                from hashchat.posts.service import insert_ignore

                now = utcnow()
                await session.execute(
                    insert_ignore(session, Tag),
                    [{"key": k, "name": names[k], "created_at": now} for k in new],
                )
                rows = await session.execute(select(Tag.key, Tag.id).where(Tag.key.in_(new)))
                found.update({k: i for k, i in rows})
        session.info.setdefault("tag_ids", {}).update(found)
        return found

    def remember(self, session_info: dict[str, Any]) -> None:
        self.ids.update(session_info.get("tag_ids", {}))


def streams_for(author_id: int, tag_keys: list[str]) -> tuple[str, ...]:
    return ("public", f"account:{author_id}", *(f"tag:{k}" for k in tag_keys))


async def write_posts(
    session: AsyncSession, drafts: list[Draft], tags: TagCache
) -> list[Created | DomainError]:
    """Write ``drafts`` in ``session``'s transaction; one result per draft, in order. The
    registered steps (posts/steps.py) run once for the whole batch."""
    from hashchat.posts.service import _bump, encode

    registered = steps.ready()
    now = utcnow()
    results: list[Created | DomainError | None] = [None] * len(drafts)
    parent_ids = {d.in_reply_to_id for d in drafts if d.in_reply_to_id is not None}
    parents: dict[int, Post] = {}
    if parent_ids:
        for found in await session.scalars(select(Post).where(Post.id.in_(parent_ids))):
            if found.deleted_at is None:
                parents[found.id] = found
        originals = {p.reblog_of_id for p in parents.values() if p.reblog_of_id is not None}
        if originals:  # replying to a repost replies to what it reposts
            for original in await session.scalars(select(Post).where(Post.id.in_(originals))):
                if original.deleted_at is None:
                    parents[original.id] = original
    good: list[int] = []
    for i, draft in enumerate(drafts):
        if draft.in_reply_to_id is not None:
            target = parents.get(draft.in_reply_to_id)
            if target is not None and target.reblog_of_id is not None:
                target = parents.get(target.reblog_of_id)
            if target is None and draft.origin is not None:
                draft.in_reply_to_id = None  # its parent went meanwhile: it stands alone here
            elif target is None:
                results[i] = Invalid("the post you reply to does not exist", field="in_reply_to_id")
                continue
            else:
                draft.in_reply_to_id = target.id
        good.append(i)
    if any(drafts[i].origin is not None for i in good):
        good = await _not_stored_yet(session, drafts, good, results)
    # A post sent again with its key answers the first, before any rule of the room is asked.
    good, same_as = await idempotency.claim(session, drafts, good, results, now)
    # The features' checks (a chat room's rules ...): each may refuse drafts, one by one.
    batch = Batch(session, drafts, now, good, results)
    then: dict[str, Then] = {}
    for step in registered.write:
        if step.check is not None and batch.going:
            follow_up = await step.check(batch)
            if follow_up is not None:
                then[step.name] = follow_up
    good = batch.going
    if not good:
        return _answered(results, same_as)

    first = await take_ids(session, len(good))
    author_ids = {drafts[i].author_id for i in good}
    authors = {
        a.id: a for a in await session.scalars(select(Account).where(Account.id.in_(author_ids)))
    }
    names: dict[str, str] = {}
    handles: set[str] = set()
    for i in good:
        for entity in drafts[i].entities:
            if entity.kind == "hashtag":
                names.setdefault(normalize_tag(entity.text), entity.text)
            elif entity.kind == "mention":
                handles.add(handle_key(entity.text))
    tag_ids = await tags.resolve(session, names) if names else {}
    mentioned: dict[str, Account] = {}
    if handles:
        for account in await session.scalars(
            select(Account).where(Account.handle_key.in_(handles))
        ):
            mentioned[account.handle_key] = account

    def mention_url(handle: str) -> str | None:
        account = mentioned.get(handle_key(handle))
        return urls.profile(account.handle) if account else None

    posted = Tally(drafts[i].author_id for i in good)
    for author_id, count in posted.items():
        author = authors[author_id]
        # The entities show the counts after this batch; the row changes in SQL below.
        set_committed_value(author, "statuses_count", author.statuses_count + count)
        set_committed_value(author, "last_status_at", now)
        # Core, on the session's connection: the ORM's bulk UPDATE machinery cost more than the
        # statement itself (the entity above is already up to date).
        accounts = table_of(Account)
        await (await session.connection()).execute(
            update(accounts)
            .where(accounts.c.id == author_id)
            .values(statuses_count=accounts.c.statuses_count + count, last_status_at=now)
        )
    related = Related(accounts=authors)
    post_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    mention_rows: list[dict[str, Any]] = []
    events: list[Event] = []
    for n, i in enumerate(good):
        draft = drafts[i]
        post_id = first + n
        parent = parents[draft.in_reply_to_id] if draft.in_reply_to_id else None
        origin = draft.origin
        if origin is None:
            html = str(
                render_html(draft.text, draft.entities, tag_url=urls.tag, mention_url=mention_url)
            )
        else:
            html = origin.html
        row: dict[str, Any] = {
            "id": post_id, "account_id": draft.author_id, "text": draft.text,
            "content_html": f"<p>{html}</p>", "language": draft.language,
            "in_reply_to_id": parent.id if parent else None,
            "in_reply_to_account_id": parent.account_id if parent else None,
            "conversation_id": parent.conversation_id if parent else post_id,
            "reblog_of_id": None, "created_at": origin.created_at if origin else now,
            "deleted_at": None, "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
            "origin": origin.network if origin else None,
            "origin_uri": origin.uri if origin else None,
            "origin_url": origin.url if origin else None,
        }  # fmt: skip
        post_rows.append(row)
        post_tags: dict[str, str] = {}
        for entity in draft.entities:
            if entity.kind == "hashtag":
                post_tags.setdefault(normalize_tag(entity.text), entity.text)
        tag_rows += [
            {"tag_id": tag_ids[k], "post_id": post_id, "name": name, "reblog": False}
            for k, name in post_tags.items()
        ]
        people = {
            handle_key(e.text): mentioned[handle_key(e.text)]
            for e in draft.entities
            if e.kind == "mention" and handle_key(e.text) in mentioned
        }
        mention_rows += [{"post_id": post_id, "account_id": a.id} for a in people.values()]
        post = NewPost(**row)
        related.tags[post_id] = list(post_tags.values())
        related.mentions[post_id] = list(people.values())
        status = status_entity(post, related)
        keys = list(post_tags)
        if draft.poll is not None:
            status["poll"] = await registered.parts["poll"].write(
                session, draft.poll, post_id, keys, now
            )
        events.append(Event(post_id, "update", encode(status), streams_for(draft.author_id, keys)))
        results[i] = Created(post, status, keys)
    await insert_rows(session, table_of(Post), post_rows)
    await insert_rows(session, table_of(PostTag), tag_rows)
    await insert_rows(session, table_of(Mention), mention_rows)
    await record_many(session, events)
    await idempotency.keep(
        session,
        [(d.author_id, d.idempotency_key, first + n) for n, i in enumerate(good)
         if (d := drafts[i]).idempotency_key is not None],
        now,
    )  # fmt: skip
    replies = Tally(row["in_reply_to_id"] for row in post_rows if row["in_reply_to_id"])
    for parent_id, count in replies.items():
        await _bump(session, parents[parent_id], "replies_count", count)
    # The features' steps for the written posts (placing them in chat sessions ...), in the
    # order they were registered, so their events follow the posts' own.
    for step in registered.write:
        follow_up = then.get(step.name)
        if follow_up is not None:
            await follow_up(batch)
        if step.after is not None:
            await step.after(batch)
    return _answered(results, same_as)


def _answered(
    results: list[Created | DomainError | None], same_as: dict[int, int]
) -> list[Created | DomainError]:
    """One result per draft: a key's repeat within the batch answers what its first made."""
    for i, j in same_as.items():
        first = results[j]
        results[i] = (
            idempotency.AlreadyPosted(first.post.id) if isinstance(first, Created) else first
        )
    return [r for r in results if r is not None]


async def _not_stored_yet(
    session: AsyncSession,
    drafts: list[Draft],
    good: list[int],
    results: list[Created | DomainError | None],
) -> list[int]:
    """``good`` without the drafts from another network already stored (or twice in this
    batch): a post from elsewhere is stored once, whatever the bridge sees again."""
    uris = {o.uri for i in good if (o := drafts[i].origin) is not None}
    seen = set(await session.scalars(select(Post.origin_uri).where(Post.origin_uri.in_(uris))))
    kept: list[int] = []
    for i in good:
        origin = drafts[i].origin
        if origin is not None:
            if origin.uri in seen:
                results[i] = Conflict("this post is stored already", field="origin_uri")
                continue
            seen.add(origin.uri)
        kept.append(i)
    return kept
