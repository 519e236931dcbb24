"""Polls: Mastodon's polls on posts, and a host's poll in a chat session.

A poll is written with its post, in the post writer's transaction (the write step that
hosting/posting.py registers calls :func:`write_poll`), so the post's ``update`` event already
carries it. Its checks (posts/polls.py) belong to the statuses API. A vote locks the poll's
row (PostgreSQL; SQLite's writes are serial anyway) before it checks "has this person voted?":
two votes of one person can never both pass the check, and the tallies are added in SQL, so
concurrent votes of different people are all counted. Every vote records a ``poll`` event (the
new tallies) on the post's hashtag streams and its session's stream, and a ``status.update``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.errors import Invalid, NotFound
from hashchat.hosting import roles
from hashchat.hosting.models import Poll, PollOption, PollVote, SessionPost
from hashchat.hosting.poll_entity import load_polls, poll_entity
from hashchat.parsing import find_id
from hashchat.posts.polls import PollDraft, check_poll
from hashchat.realtime.events import record, session_stream, tag_stream
from hashchat.storage.base import table_of, utcnow
from hashchat.storage.engine import Database


def _poll_streams(tag_keys: list[str], session_id: int | None) -> list[str]:
    streams = [tag_stream(k) for k in tag_keys]
    if session_id is not None:
        streams.append(session_stream(session_id))
    return streams


async def _poll_event(
    session: AsyncSession, entity: dict[str, Any], *, post_id: int, poll: Poll, tag_keys: list[str]
) -> None:
    """A ``poll`` event: the poll's tallies (no viewer's fields) with its status and session."""
    streams = _poll_streams(tag_keys, poll.session_id)
    if not streams:
        return
    payload = {
        "status_id": str(post_id),
        "session_id": str(poll.session_id) if poll.session_id is not None else None,
        "poll": entity,
    }
    await record(session, kind="poll", payload=orjson.dumps(payload).decode(), streams=streams)


async def write_poll(
    session: AsyncSession,
    *,
    post_id: int,
    draft: PollDraft,
    tag_keys: list[str],
    now: datetime,
) -> dict[str, Any]:
    """Write ``draft`` for the post being written in ``session``; answer its entity."""
    poll_id = (
        await session.execute(
            insert(Poll)
            .values(
                post_id=post_id,
                session_id=draft.session_id,
                expires_at=now + timedelta(seconds=draft.expires_in),
                multiple=draft.multiple,
                votes_count=0,
                voters_count=0,
                created_at=now,
            )
            .returning(Poll.id)
        )
    ).scalar_one()
    options = [
        {"poll_id": poll_id, "position": i, "title": title, "votes_count": 0}
        for i, title in enumerate(draft.options)
    ]
    await session.execute(table_of(PollOption).insert(), options)
    poll = Poll(
        id=poll_id,
        post_id=post_id,
        session_id=draft.session_id,
        expires_at=now + timedelta(seconds=draft.expires_in),
        multiple=draft.multiple,
        votes_count=0,
        voters_count=0,
    )
    entity = poll_entity(poll, [PollOption(**o) for o in options], now=now)
    await _poll_event(session, entity, post_id=post_id, poll=poll, tag_keys=tag_keys)
    return entity


async def attach_to_sessions(session: AsyncSession, post_ids: list[int]) -> None:
    """A poll posted with a chat's hashtag during its session is kept with that session (the
    post was just placed in it by classify.py, in the same transaction)."""
    placed = select(SessionPost.session_id).where(SessionPost.post_id == Poll.post_id)
    await session.execute(
        update(Poll)
        .where(Poll.post_id.in_(post_ids), Poll.session_id.is_(None))
        .values(session_id=placed.scalar_subquery())
        .execution_options(synchronize_session=False)
    )


def _choices(raw: object) -> list[int]:
    items = raw if isinstance(raw, list) else [raw] if raw not in (None, "") else []
    if not items:
        raise Invalid("choose at least one option", field="choices")
    picked: list[int] = []
    for item in items:
        if isinstance(item, bool):
            raise Invalid("choices are option numbers, from 0", field="choices")
        try:
            picked.append(int(str(item).strip()))
        except ValueError:
            raise Invalid("choices are option numbers, from 0", field="choices") from None
    if len(set(picked)) != len(picked):
        raise Invalid("each option can be chosen once", field="choices")
    return picked


async def _poll(session: AsyncSession, poll_id: object, *, lock: bool = False) -> Poll:
    query = select(Poll).where(Poll.id == find_id(poll_id, field="id", message="Record not found"))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    poll = await session.scalar(query)
    if poll is None:
        raise NotFound("Record not found", field="id")
    return poll


async def vote(*, db: Database, voter: Account, poll_id: object, choices: object) -> dict[str, Any]:
    """Vote once in a poll (several options only when it is ``multiple``); answer the poll as
    the voter sees it. Closed polls, second votes, own polls and unknown options are refused
    with nothing written."""
    from hashchat.posts.models import Post
    from hashchat.posts.service import _count_changed, tag_keys_of

    picked = _choices(choices)
    now = utcnow()
    async with db.write() as session:
        poll = await _poll(session, poll_id, lock=True)  # one vote at a time per poll
        post = await session.get(Post, poll.post_id)
        if post is None or post.deleted_at is not None:
            raise NotFound("Record not found", field="id")
        if poll.expires_at <= now:
            raise Invalid("the poll has closed", field="id")
        if post.account_id == voter.id:
            raise Invalid("you cannot vote in your own poll", field="id")
        options = list(
            await session.scalars(
                select(PollOption)
                .where(PollOption.poll_id == poll.id)
                .order_by(PollOption.position)
            )
        )
        if any(not 0 <= c < len(options) for c in picked):
            raise Invalid(
                f"choices are option numbers from 0 to {len(options) - 1}", field="choices"
            )
        if len(picked) > 1 and not poll.multiple:
            raise Invalid("this poll takes one choice", field="choices")
        voted = await session.scalar(
            select(PollVote.position)
            .where(PollVote.poll_id == poll.id, PollVote.account_id == voter.id)
            .limit(1)
        )
        if voted is not None:
            raise Invalid("you have already voted in this poll", field="choices")
        await session.execute(
            table_of(PollVote).insert(),
            [{"poll_id": poll.id, "account_id": voter.id, "position": c, "created_at": now}
             for c in picked],
        )  # fmt: skip
        await session.execute(
            update(PollOption)
            .where(PollOption.poll_id == poll.id, PollOption.position.in_(picked))
            .values(votes_count=PollOption.votes_count + 1)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(Poll)
            .where(Poll.id == poll.id)
            .values(votes_count=Poll.votes_count + len(picked), voters_count=Poll.voters_count + 1)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(poll)
        options = list(
            await session.scalars(
                select(PollOption)
                .where(PollOption.poll_id == poll.id)
                .order_by(PollOption.position)
                .execution_options(populate_existing=True)
            )
        )
        keys = await tag_keys_of(session, post.id)
        entity = poll_entity(poll, options, now=now)
        await _poll_event(session, entity, post_id=post.id, poll=poll, tag_keys=keys)
        await _count_changed(session, post)
    return {**entity, "voted": True, "own_votes": sorted(picked)}


async def get_poll(
    session: AsyncSession, poll_id: object, *, viewer_id: int | None
) -> dict[str, Any]:
    """The poll as ``viewer_id`` sees it (NotFound when it or its post is gone)."""
    poll = await _poll(session, poll_id)
    found = await load_polls(session, [poll.post_id], viewer_id=viewer_id)
    from hashchat.posts.models import Post

    post = await session.get(Post, poll.post_id)
    if poll.post_id not in found or post is None or post.deleted_at is not None:
        raise NotFound("Record not found", field="id")
    return found[poll.post_id]


async def create_session_poll(
    *,
    db: Database,
    actor: Account,
    session_id: object,
    question: object,
    options: object,
    expires_in: object,
    multiple: object = False,
) -> Any:
    """A host's poll in a session: posted from the host's account with the chat's hashtag,
    and kept with the session. Answers the new post (``Created``: its Status has the poll)."""
    from hashchat.hosting.sessions import get_session
    from hashchat.live.service import with_room_tag
    from hashchat.posts.batch import Draft
    from hashchat.posts.service import check_text
    from hashchat.posts.writer import writer_for

    draft = check_poll(
        {"options": options, "expires_in": expires_in, "multiple": multiple}, prefix=""
    )
    if not isinstance(question, str) or not question.strip():
        raise Invalid("a poll asks a question", field="question")
    async with db.read() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
    if chat_session.state in ("ended", "cancelled"):
        raise Invalid(f"the session has {chat_session.state}", field="state")
    checked = check_text(with_room_tag(question.strip(), chat.hashtag), field="question")
    poll = replace(draft, session_id=chat_session.id)
    return await writer_for(db).submit(Draft(actor.id, checked.text, checked.entities, poll=poll))


async def session_polls(
    session: AsyncSession, session_id: int, *, viewer_id: int | None
) -> list[dict[str, Any]]:
    """The session's polls with their results, as Status entities (oldest first)."""
    from hashchat.posts.entities import render_statuses
    from hashchat.posts.models import Post

    posts = await session.scalars(
        select(Post)
        .join(Poll, Poll.post_id == Post.id)
        .where(Poll.session_id == session_id, Post.deleted_at.is_(None))
        .order_by(Post.id)
    )
    return await render_statuses(session, list(posts), viewer_id=viewer_id)
