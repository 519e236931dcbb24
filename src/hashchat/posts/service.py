"""Writing posts: create, delete, repost, like. Each change commits the post and its events in
one transaction; the events reach viewers only after the commit (storage/engine.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from hashchat.accounts.models import Account
from hashchat.config import get_settings
from hashchat.errors import Forbidden, Invalid, NotFound
from hashchat.parsing import check_id, find_id
from hashchat.posts.batch import Created, Draft, NewPost
from hashchat.posts.entities import gather, render_statuses, status_entity
from hashchat.posts.keys import AlreadyPosted
from hashchat.posts.models import Favourite, Mention, Post, PostTag
from hashchat.posts.polls import PollDraft
from hashchat.posts.steps import Like, Repost, RepostThen, steps
from hashchat.posts.tags import check_tag
from hashchat.posts.writer import writer_for
from hashchat.realtime.events import PUBLIC, account_stream, record, tag_stream
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.storage.sequence import lock_ids, take_ids
from hashchat.text import Entity, extract_entities, parse_text

MAX_LANGUAGE = 16


@dataclass(frozen=True, slots=True)
class CheckedText:
    text: str
    entities: list[Entity]
    weighted_length: int


def check_text(text: object, *, field: str = "status") -> CheckedText:
    """Validate post text as twitter-text v3 counts it; raise Invalid saying what is wrong."""
    if not isinstance(text, str):
        raise Invalid("a post's text must be a string", field=field)
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise Invalid("a post needs some text", field=field)
    limit = get_settings().post_max_length
    parsed = parse_text(text)
    if parsed.weighted_length > limit:
        over = parsed.weighted_length - limit
        raise Invalid(
            f"the post is {parsed.weighted_length} characters long, {over} over the limit of "
            f"{limit}",
            field=field,
        )
    if not parsed.valid or "\x00" in text:  # PostgreSQL keeps no NUL in text; nor do we
        raise Invalid("the post contains characters that are not allowed", field=field)
    entities = extract_entities(text)
    for entity in entities:
        if entity.kind == "hashtag":
            check_tag(entity.text, field=field)
    return CheckedText(text, entities, parsed.weighted_length)


def check_language(language: object) -> str | None:
    if language is None or language == "":
        return None
    if not isinstance(language, str) or len(language) > MAX_LANGUAGE:
        raise Invalid("language is an ISO 639 code such as en", field="language")
    if not all(part.isalnum() for part in language.split("-")):
        raise Invalid("language is an ISO 639 code such as en", field="language")
    return language.lower()


def post_streams(post: Post, tag_keys: list[str]) -> tuple[str, ...]:
    """The streams a post's events go to: everyone's, its author's and each of its tags'."""
    return (PUBLIC, account_stream(post.account_id), *(tag_stream(k) for k in tag_keys))


def encode(entity: object) -> str:
    return orjson.dumps(entity).decode()


def insert_ignore(session: AsyncSession, table: type[Any]) -> Any:
    """INSERT that does nothing when the row exists (a double like from two tabs at once)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table).on_conflict_do_nothing()
    return sqlite_insert(table).on_conflict_do_nothing()


async def _live_post(session: AsyncSession, post_id: object, *, field: str) -> Post:
    post = await session.get(Post, find_id(post_id, field=field, message="no such post"))
    if post is None or post.deleted_at is not None:
        raise NotFound("no such post", field=field)
    return post


async def tag_keys_of(session: AsyncSession, post_id: int) -> list[str]:
    from hashchat.posts.models import Tag

    rows = await session.scalars(
        select(Tag.key).join(PostTag, PostTag.tag_id == Tag.id).where(PostTag.post_id == post_id)
    )
    return list(rows)


async def create_post(
    *,
    db: Database,
    author: Account,
    text: object,
    in_reply_to_id: object = None,
    language: object = None,
    bridges: Sequence[str] = (),
) -> NewPost:
    """Create a post; when this returns, the post is committed and its events are on their way.
    Raises Invalid naming the field, with nothing written."""
    created = await create_post_entity(
        db=db,
        author=author,
        text=text,
        in_reply_to_id=in_reply_to_id,
        language=language,
        bridges=bridges,
    )
    return created.post


async def create_post_entity(
    *,
    db: Database,
    author: Account,
    text: object,
    in_reply_to_id: object = None,
    language: object = None,
    poll: PollDraft | None = None,
    bridges: Sequence[str] = (),
    idempotency_key: str | None = None,
) -> Created:
    """As :func:`create_post`, also answering the new Status entity (no read-back needed).
    Posts arriving together are committed together (posts/writer.py). ``poll`` (checked by
    posts.polls.check_poll) is written with the post. Raises ``Busy`` (503) before any
    check when the writer cannot take another post in time (posts/writer.py)."""
    writer = writer_for(db)
    writer.admit()  # first: a refusal under overload costs no parsing
    checked = check_text(text)
    lang = check_language(language)
    reply_to = check_id(
        in_reply_to_id, field="in_reply_to_id", message="the post you reply to does not exist"
    )
    draft = Draft(author.id, checked.text, checked.entities, reply_to, lang, poll)
    draft.bridges = tuple(bridges)
    draft.idempotency_key = idempotency_key
    return await writer.submit(draft)


async def posted_before(db: Database, author: Account, made: AlreadyPosted) -> dict[str, Any]:
    """The Status of the post an Idempotency-Key made (posts/keys.py), as its author sees it
    now: the answer to a post sent again. Deleted since: 404, as reading it would be."""
    async with db.read() as session:
        post = await session.get(Post, made.post_id)
        if post is None or post.deleted_at is not None:
            raise NotFound("the post made with this Idempotency-Key was deleted", field="id")
        return (await render_statuses(session, [post], viewer_id=author.id))[0]


async def _bump(session: AsyncSession, post: Post, column: str, delta: int) -> None:
    """Add ``delta`` to one of the post's counters in SQL (never read-modify-write in Python:
    concurrent likes must not lose each other), floor 0, and tell its viewers."""
    await lock_ids(session)  # the counter before the post: the writer's order (sequence.py)
    col = getattr(Post, column)
    result = await session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values({column: case((col + delta < 0, 0), else_=col + delta)})
        .returning(col)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(post, column, result.scalar_one())
    await _count_changed(session, post)


async def _count_changed(session: AsyncSession, post: Post) -> None:
    """Tell the post's viewers that its counts changed (a ``status.update`` event)."""
    await session.flush()
    related = await gather(session, [post])
    await record(
        session,
        kind="status.update",
        payload=encode(status_entity(post, related)),
        streams=post_streams(post, await tag_keys_of(session, post.id)),
    )


async def delete_post(*, db: Database, actor: Account, post_id: object) -> Post:
    """Delete a post (its author or an admin). Its text is erased; the row stays as a tombstone
    so threads keep their shape. Reposts of it go too."""
    async with db.write() as session:
        post = await _live_post(session, post_id, field="id")
        if post.account_id != actor.id and not actor.is_admin:
            raise Forbidden("only the author or an admin can delete this post")
        await remove_post(session, post)
        for step in steps.ready().write:  # a bridge deletes its copy elsewhere (posts/steps.py)
            if step.deleted is not None:
                await step.deleted(session, post.id)
    return post


async def remove_post(session: AsyncSession, post: Post) -> None:
    """Delete ``post`` in ``session``'s transaction, whoever asks (the caller checked): its
    text is erased, reposts of it go too, and viewers get a ``delete`` event for each."""
    await _remove(session, post)
    reblogs = await session.scalars(
        select(Post).where(Post.reblog_of_id == post.id, Post.deleted_at.is_(None))
    )
    for reblog in list(reblogs):
        await _remove(session, reblog)
    if post.in_reply_to_id is not None:
        parent = await session.get(Post, post.in_reply_to_id)
        if parent is not None and parent.deleted_at is None:
            await _bump(session, parent, "replies_count", -1)
    if post.reblog_of_id is not None:
        original = await session.get(Post, post.reblog_of_id)
        if original is not None and original.deleted_at is None:
            await _bump(session, original, "reblogs_count", -1)


async def _remove(session: AsyncSession, post: Post) -> None:
    await lock_ids(session)  # before the post and its author's row (storage/sequence.py)
    streams = post_streams(post, await tag_keys_of(session, post.id))
    post.deleted_at = utcnow()
    post.text = ""
    post.content_html = ""
    await session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    await session.execute(delete(Mention).where(Mention.post_id == post.id))
    await session.execute(delete(Favourite).where(Favourite.post_id == post.id))
    await session.execute(
        update(Account)
        .where(Account.id == post.account_id)
        .values(statuses_count=Account.statuses_count - 1)
    )
    await record(session, kind="delete", payload=str(post.id), streams=streams)


async def reblog(*, db: Database, account: Account, post_id: object) -> Post:
    """Repost a post (a repost of a repost reposts the original); reposting twice is a no-op
    that returns the existing repost."""
    async with db.write() as session:
        original = await _live_post(session, post_id, field="id")
        if original.reblog_of_id is not None:
            original = await _live_post(session, original.reblog_of_id, field="id")
        existing = await session.scalar(
            select(Post).where(Post.reblog_of_id == original.id, Post.account_id == account.id)
        )
        if existing is not None and existing.deleted_at is None:
            return existing
        # A repost joins the rooms of the original's chats: the features' checks apply to it
        # as to a post (a chat room's bans, locks, slow mode, mutes), and may refuse it.
        draft = Repost(
            session,
            account.id,
            await tag_keys_of(session, original.id),
            utcnow(),
            original_id=original.id,
            original_account_id=original.account_id,
        )
        then: list[RepostThen] = []
        for step in steps.ready().write:
            if step.check_repost is not None:
                follow_up = await step.check_repost(draft)
                if follow_up is not None:
                    then.append(follow_up)
        if existing is not None:  # an undone repost: its row holds the unique slot, reuse it
            await session.delete(existing)
            await session.flush()
        repost_id = await take_ids(session, 1)
        repost = Post(
            id=repost_id,
            account_id=account.id,
            reblog_of_id=original.id,
            conversation_id=repost_id,
            created_at=utcnow(),
        )
        session.add(repost)
        await session.flush()
        tag_rows = await session.execute(
            select(PostTag.tag_id, PostTag.name).where(PostTag.post_id == original.id)
        )
        session.add_all(
            PostTag(tag_id=tag_id, post_id=repost_id, name=name, reblog=True)
            for tag_id, name in tag_rows
        )
        await session.execute(
            update(Account)
            .where(Account.id == account.id)
            .values(statuses_count=Account.statuses_count + 1, last_status_at=utcnow())
        )
        await session.flush()
        related = await gather(session, [repost])
        keys = await tag_keys_of(session, original.id)
        await record(
            session,
            kind="update",
            payload=encode(status_entity(repost, related)),
            streams=post_streams(repost, keys),
            event_id=repost_id,
        )
        draft.id = repost_id
        for follow_up in then:
            await follow_up(draft)
        await _bump(session, original, "reblogs_count", 1)
    return repost


async def unreblog(*, db: Database, account: Account, post_id: object) -> Post:
    """Undo a repost; returns the original post. Undoing what was never done is a no-op."""
    async with db.write() as session:
        original = await _live_post(session, post_id, field="id")
        if original.reblog_of_id is not None:
            original = await _live_post(session, original.reblog_of_id, field="id")
        repost = await session.scalar(
            select(Post).where(
                Post.reblog_of_id == original.id,
                Post.account_id == account.id,
                Post.deleted_at.is_(None),
            )
        )
        if repost is not None:
            await _remove(session, repost)
            await _bump(session, original, "reblogs_count", -1)
    return original


async def favourite(*, db: Database, account: Account, post_id: object) -> Post:
    """Like a post; liking twice is a no-op. Returns the liked (original) post."""
    async with db.write() as session:
        post = await _live_post(session, post_id, field="id")
        if post.reblog_of_id is not None:
            post = await _live_post(session, post.reblog_of_id, field="id")
        inserted = await session.execute(
            insert_ignore(session, Favourite).values(post_id=post.id, account_id=account.id)
        )
        if getattr(inserted, "rowcount", 0):
            await _bump(session, post, "favourites_count", 1)
            hooks = [s.after_like for s in steps.ready().write if s.after_like is not None]
            if hooks:
                status = status_entity(post, await gather(session, [post]))
                like = Like(session, account.id, post.id, post.account_id, status, utcnow())
                for hook in hooks:
                    await hook(like)
    return post


async def unfavourite(*, db: Database, account: Account, post_id: object) -> Post:
    async with db.write() as session:
        post = await _live_post(session, post_id, field="id")
        if post.reblog_of_id is not None:
            post = await _live_post(session, post.reblog_of_id, field="id")
        result = await session.execute(
            delete(Favourite).where(
                Favourite.post_id == post.id, Favourite.account_id == account.id
            )
        )
        if getattr(result, "rowcount", 0):
            await _bump(session, post, "favourites_count", -1)
    return post
