"""The moderated Q&A board: a session's question box, open days ahead.

Signed-in people submit questions (``anonymous`` hides their name from the public, never from
moderators) and upvote approved ones. Hosts and moderators approve, reject or merge duplicates;
the public board shows approved and answered questions by votes, and how many were declined,
pending and merged, so gatekeeping is visible. During the session a host or guest picks one: it
is asked as the next Qn from the picker's account (hosting/questions.py) and shows as answered.

Decisions, and why:

- One vote per person per question (the ``board_votes`` key); votes are counted in SQL
  (``votes_count + 1``), never read-modify-written, so concurrent votes are all counted.
- Nobody upvotes their own question: asking it is the author's vote already.
- Merging a duplicate moves its votes to the question it duplicates, and its author counts as
  a voter there too (they asked the same thing); a person who voted for both counts once, and
  the target's author never votes for their own question.
- A moderator's (or host's) own question is approved as it is submitted.
- The box is open from ``box_opens_at`` until ``box_closes_at`` (or, without one, until the
  session ends). A question must fit a post as "Q99: text #tag", so picking it never fails on
  length; so its limit is 280 minus the label and the hashtag.
- A person may have at most ``MAX_PENDING`` questions waiting for moderation in a session.

Every change records a ``board`` event (docs/events.md) on the chat's hashtag stream and the
session's stream, in the transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from hashchat.accounts.entities import _iso, account_entity
from hashchat.accounts.models import Account
from hashchat.config import get_settings
from hashchat.directory.models import Chat
from hashchat.errors import DomainError, Forbidden, Invalid, NotFound
from hashchat.hosting import roles
from hashchat.hosting.models import (
    BoardItem,
    BoardVote,
    ChatSession,
    Question,
    RoomRestriction,
)
from hashchat.hosting.sessions import announce, get_session
from hashchat.parsing import find_id
from hashchat.realtime.events import record, session_stream, tag_stream
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.text import parse_text

MAX_PENDING = 10  # questions one person may have waiting for moderation in a session
PUBLIC = ("approved", "answered")
STATES = ("pending", "approved", "answered", "rejected", "merged")
LABEL = "Q99: "  # the longest label a question is asked with
MAX_LISTED = 500


# -- checks -------------------------------------------------------------------------------------


def check_question_text(text: object, chat: Chat) -> str:
    """The question, whitespace tidied; it must fit a post as "Q99: text #tag" (twitter-text
    weighting), so its limit is 280 less the label and the chat's hashtag."""
    from hashchat.live.service import with_room_tag

    if not isinstance(text, str) or not text.strip():
        raise Invalid("a question needs some text", field="text")
    body = " ".join(text.split())
    limit = get_settings().post_max_length
    whole = parse_text(with_room_tag(LABEL + body, chat.hashtag))
    if whole.weighted_length > limit:
        own = parse_text(body).weighted_length
        room = limit - (whole.weighted_length - own)
        raise Invalid(
            f"a question here has at most {room} characters ({own - room} too many): it is "
            f'asked as a post "Q1: ... #{chat.hashtag}"',
            field="text",
        )
    if not whole.valid:
        raise Invalid("the question contains characters that are not allowed", field="text")
    return body


def check_flag(value: object, field: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    word = str(value).strip().lower()
    if word in ("true", "1", "on", "yes"):
        return True
    if word in ("false", "0", "off", "no", ""):
        return False
    raise Invalid(f"{field} is true or false", field=field)


def check_instant(value: object, field: str) -> datetime | None:
    """An ISO 8601 instant with its offset (or None / "")."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(
                f"{field} is a date and time like 2026-03-01T18:00:00Z", field=field
            ) from None
    else:
        raise Invalid(f"{field} is a date and time like 2026-03-01T18:00:00Z", field=field)
    if parsed.tzinfo is None:
        raise Invalid(f"{field} needs a time zone offset (Z for UTC)", field=field)
    return parsed


def box_open(chat_session: ChatSession, now: datetime) -> bool:
    opens, closes = chat_session.box_opens_at, chat_session.box_closes_at
    if opens is None or opens > now or chat_session.state in ("ended", "cancelled"):
        return False
    return closes is None or now < closes


def _box_closed_message(chat_session: ChatSession, now: datetime) -> str:
    opens = chat_session.box_opens_at
    if opens is not None and opens > now and chat_session.state not in ("ended", "cancelled"):
        return f"the question box opens at {_iso(opens)}"
    return "the question box is not open"


# -- entities -----------------------------------------------------------------------------------


def item_entity(
    item: BoardItem,
    *,
    author: Account | None,
    question: Question | None = None,
    moderator: bool = False,
    viewer_id: int | None = None,
    voted: bool | None = None,
) -> dict[str, Any]:
    """A board question. Its author shows unless it was sent anonymously (moderators and the
    author themself see them anyway)."""
    shown = (
        moderator or not item.anonymous or (viewer_id is not None and viewer_id == item.account_id)
    )
    entity: dict[str, Any] = {
        "id": str(item.id),
        "session_id": str(item.session_id),
        "text": item.text,
        "state": item.state,
        "anonymous": item.anonymous,
        "votes_count": item.votes_count,
        "account": account_entity(author) if shown and author is not None else None,
        "created_at": _iso(item.created_at),
        "merged_into_id": str(item.merged_into_id) if item.merged_into_id else None,
        "question": {
            "id": str(question.id),
            "number": question.number,
            "status_id": str(question.post_id) if question.post_id else None,
        }
        if question is not None
        else None,
    }
    if viewer_id is not None:
        entity["voted"] = bool(voted)
        entity["mine"] = viewer_id == item.account_id
    if moderator:
        entity["decided_by_id"] = str(item.decided_by_id) if item.decided_by_id else None
        entity["decided_at"] = _iso(item.decided_at) if item.decided_at else None
    return entity


def box_entity(chat_session: ChatSession, now: datetime) -> dict[str, Any]:
    return {
        "opens_at": _iso(chat_session.box_opens_at) if chat_session.box_opens_at else None,
        "closes_at": _iso(chat_session.box_closes_at) if chat_session.box_closes_at else None,
        "open": box_open(chat_session, now),
    }


async def counts(session: AsyncSession, session_id: int) -> dict[str, int]:
    """How many questions are in each state; rejected ones are shown as ``declined``."""
    found = dict.fromkeys(STATES, 0)
    rows = await session.execute(
        select(BoardItem.state, func.count())
        .where(BoardItem.session_id == session_id)
        .group_by(BoardItem.state)
    )
    for state, count in rows:
        found[state] = int(count)
    found["declined"] = found.pop("rejected")
    return found


async def render_items(
    session: AsyncSession,
    items: Sequence[BoardItem],
    *,
    moderator: bool = False,
    viewer_id: int | None = None,
) -> list[dict[str, Any]]:
    """Entities for a list of questions: authors, questions asked and the viewer's votes are
    read once for the whole list."""
    account_ids = {i.account_id for i in items}
    authors = {
        a.id: a
        for a in (
            await session.scalars(select(Account).where(Account.id.in_(account_ids)))
            if account_ids
            else []
        )
    }
    question_ids = {i.question_id for i in items if i.question_id is not None}
    questions = {
        q.id: q
        for q in (
            await session.scalars(select(Question).where(Question.id.in_(question_ids)))
            if question_ids
            else []
        )
    }
    voted: set[int] = set()
    if viewer_id is not None and items:
        voted = set(
            await session.scalars(
                select(BoardVote.item_id).where(
                    BoardVote.account_id == viewer_id,
                    BoardVote.item_id.in_([i.id for i in items]),
                )
            )
        )
    return [
        item_entity(
            item,
            author=authors.get(item.account_id),
            question=questions.get(item.question_id) if item.question_id else None,
            moderator=moderator,
            viewer_id=viewer_id,
            voted=item.id in voted,
        )
        for item in items
    ]


def _by_votes(query: Any) -> Any:
    return query.order_by(BoardItem.votes_count.desc(), BoardItem.id)


async def public_board(
    session: AsyncSession, session_id: object, *, viewer: Account | None
) -> dict[str, Any]:
    """The board as everyone sees it: approved and answered questions by votes, the counts of
    each state (declined included), the box; and, for a signed-in viewer, their own questions
    that are not on the board (waiting, declined or merged)."""
    chat_session, _chat = await get_session(session, session_id)
    viewer_id = viewer.id if viewer else None
    items = list(
        await session.scalars(
            _by_votes(
                select(BoardItem).where(
                    BoardItem.session_id == chat_session.id, BoardItem.state.in_(PUBLIC)
                )
            ).limit(MAX_LISTED)
        )
    )
    board: dict[str, Any] = {
        "session_id": str(chat_session.id),
        "box": box_entity(chat_session, utcnow()),
        "counts": await counts(session, chat_session.id),
        "items": await render_items(session, items, viewer_id=viewer_id),
    }
    if viewer_id is not None:
        own = await session.scalars(
            select(BoardItem)
            .where(
                BoardItem.session_id == chat_session.id,
                BoardItem.account_id == viewer_id,
                BoardItem.state.not_in(PUBLIC),
            )
            .order_by(BoardItem.id)
        )
        board["yours"] = await render_items(session, list(own), viewer_id=viewer_id)
    return board


async def moderation_board(
    session: AsyncSession, session_id: object, *, actor: Account, state: str | None = None
) -> dict[str, Any]:
    """Every question with its author (hosts and moderators): waiting ones first, then the
    board's, then declined and merged; by votes within each. ``state`` keeps one state."""
    chat_session, _chat = await get_session(session, session_id)
    await roles.require_in_session(session, chat_session, actor, "moderate")
    query = select(BoardItem).where(BoardItem.session_id == chat_session.id)
    if state:
        if state not in (*STATES, "declined"):
            raise Invalid(f"state is one of {', '.join(STATES)}", field="state")
        query = query.where(BoardItem.state == ("rejected" if state == "declined" else state))
    order = case({s: n for n, s in enumerate(STATES)}, value=BoardItem.state, else_=len(STATES))
    items = list(
        await session.scalars(
            query.order_by(order, BoardItem.votes_count.desc(), BoardItem.id).limit(MAX_LISTED)
        )
    )
    return {
        "session_id": str(chat_session.id),
        "box": box_entity(chat_session, utcnow()),
        "counts": await counts(session, chat_session.id),
        "items": await render_items(session, items, moderator=True, viewer_id=actor.id),
    }


# -- events -------------------------------------------------------------------------------------


async def _public_view(session: AsyncSession, item: BoardItem) -> dict[str, Any]:
    """What the public may see of a question in an event: all of it on the board, else only
    that it left (or has not reached) the board."""
    if item.state not in PUBLIC:
        return {
            "id": str(item.id),
            "state": item.state,
            "merged_into_id": str(item.merged_into_id) if item.merged_into_id else None,
        }
    return (await render_items(session, [item]))[0]


async def _board_event(
    session: AsyncSession,
    chat_session: ChatSession,
    chat: Chat,
    action: str,
    item: BoardItem | None = None,
    *,
    into: BoardItem | None = None,
) -> None:
    """A ``board`` event: what happened, the question as the public sees it, the counts."""
    await session.flush()
    payload: dict[str, Any] = {
        "session_id": str(chat_session.id),
        "action": action,
        "item": await _public_view(session, item) if item is not None else None,
        "counts": await counts(session, chat_session.id),
    }
    if into is not None:
        payload["into"] = await _public_view(session, into)
    if action == "box":
        payload["box"] = box_entity(chat_session, utcnow())
    await record(
        session,
        kind="board",
        payload=orjson.dumps(payload).decode(),
        streams=[tag_stream(chat.tag_key), session_stream(chat_session.id)],
    )


async def _item(
    session: AsyncSession, chat_session: ChatSession, item_id: object, *, field: str = "item_id"
) -> BoardItem:
    key = find_id(item_id, field=field, message="no such question on this board")
    item = await session.scalar(
        select(BoardItem)
        .where(BoardItem.id == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if item is None or item.session_id != chat_session.id:
        raise NotFound("no such question on this board", field=field)
    return item


# -- the box ------------------------------------------------------------------------------------


async def open_box(
    *,
    db: Database,
    actor: Account,
    session_id: object,
    opens_at: object = None,
    closes_at: object = None,
) -> ChatSession:
    """Open the question box (hosts): from ``opens_at`` (now by default, or days ahead) until
    ``closes_at`` (by default, until the session ends)."""
    now = utcnow()
    opens = check_instant(opens_at, "opens_at") or now
    closes = check_instant(closes_at, "closes_at")
    if closes is not None and closes <= max(opens, now):
        raise Invalid("the box must close after it opens, and in the future", field="closes_at")
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        if chat_session.state in ("ended", "cancelled"):
            raise Invalid(f"the session has {chat_session.state}", field="state")
        chat_session.box_opens_at, chat_session.box_closes_at = opens, closes
        await announce(session, chat_session, chat)
        await _board_event(session, chat_session, chat, "box")
    return chat_session


async def close_box(*, db: Database, actor: Account, session_id: object) -> ChatSession:
    """Close the question box now (hosts). Questions already in stay; votes go on."""
    now = utcnow()
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "run")
        if chat_session.box_opens_at is None:
            raise Invalid("the question box was never opened", field="box")
        if chat_session.box_closes_at is None or chat_session.box_closes_at > now:
            chat_session.box_closes_at = now
            chat_session.box_opens_at = min(chat_session.box_opens_at, now)
            await announce(session, chat_session, chat)
            await _board_event(session, chat_session, chat, "box")
    return chat_session


# -- questions and votes ------------------------------------------------------------------------


async def submit(
    *, db: Database, author: Account, session_id: object, text: object, anonymous: object = False
) -> BoardItem:
    """Send a question to the box while it is open; it waits for a moderator (a moderator's
    own is approved at once)."""
    hidden = check_flag(anonymous, "anonymous")
    now = utcnow()
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        if not box_open(chat_session, now):
            raise Invalid(_box_closed_message(chat_session, now), field="box")
        ban = await session.get(RoomRestriction, (chat.id, author.id))
        if ban is not None and ban.kind == "ban" and (ban.until is None or ban.until > now):
            raise Forbidden(f"you are banned from #{chat.hashtag}")
        body = check_question_text(text, chat)
        waiting = await session.scalar(
            select(func.count()).where(
                BoardItem.session_id == chat_session.id,
                BoardItem.account_id == author.id,
                BoardItem.state == "pending",
            )
        )
        if (waiting or 0) >= MAX_PENDING:
            raise Invalid(
                f"you have {MAX_PENDING} questions waiting for a moderator already", field="text"
            )
        trusted = await roles.can(session, chat.id, author, "moderate", session_id=chat_session.id)
        item = BoardItem(
            session_id=chat_session.id,
            account_id=author.id,
            text=body,
            anonymous=hidden,
            state="approved" if trusted else "pending",
            votes_count=0,
            created_at=now,
            decided_by_id=author.id if trusted else None,
            decided_at=now if trusted else None,
        )
        session.add(item)
        await session.flush()
        await _board_event(session, chat_session, chat, "submitted", item)
    return item


async def _set_votes(session: AsyncSession, item: BoardItem, delta: int) -> None:
    """Add ``delta`` to the question's votes in SQL (floor 0)."""
    column = BoardItem.votes_count
    result = await session.execute(
        update(BoardItem)
        .where(BoardItem.id == item.id)
        .values(votes_count=case((column + delta < 0, 0), else_=column + delta))
        .returning(column)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(item, "votes_count", result.scalar_one())


def _votable(chat_session: ChatSession, item: BoardItem) -> None:
    if chat_session.state in ("ended", "cancelled"):
        raise Invalid(f"the session has {chat_session.state}", field="state")
    if item.state == "answered":
        raise Invalid("the question was answered already", field="item_id")
    if item.state != "approved":
        raise Invalid("only questions on the board can be upvoted", field="item_id")


async def upvote(*, db: Database, voter: Account, session_id: object, item_id: object) -> BoardItem:
    """Upvote a question on the board; a second upvote of the same person changes nothing."""
    from hashchat.posts.service import insert_ignore

    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        item = await _item(session, chat_session, item_id)
        _votable(chat_session, item)
        if item.account_id == voter.id:
            raise Invalid("you cannot upvote your own question", field="item_id")
        inserted = await session.execute(
            insert_ignore(session, BoardVote).values(
                item_id=item.id, account_id=voter.id, created_at=utcnow()
            )
        )
        if getattr(inserted, "rowcount", 0):
            await _set_votes(session, item, 1)
            await _board_event(session, chat_session, chat, "voted", item)
    return item


async def unvote(*, db: Database, voter: Account, session_id: object, item_id: object) -> BoardItem:
    """Take an upvote back; taking back what was never given changes nothing."""
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        item = await _item(session, chat_session, item_id)
        _votable(chat_session, item)
        removed = await session.execute(
            delete(BoardVote).where(BoardVote.item_id == item.id, BoardVote.account_id == voter.id)
        )
        if getattr(removed, "rowcount", 0):
            await _set_votes(session, item, -1)
            await _board_event(session, chat_session, chat, "voted", item)
    return item


# -- moderation ---------------------------------------------------------------------------------


async def _decide(
    *, db: Database, actor: Account, session_id: object, item_id: object, to: str,
    allowed: tuple[str, ...],
) -> BoardItem:  # fmt: skip
    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "moderate")
        item = await _item(session, chat_session, item_id)
        stuck = item.state == "answered" and item.question_id is None  # a pick that failed
        if item.state == to and not stuck:
            return item
        if item.state not in allowed and not stuck:
            raise Invalid(f"the question is {item.state}; it cannot be {to} now", field="item_id")
        item.state, item.decided_by_id, item.decided_at = to, actor.id, utcnow()
        await _board_event(session, chat_session, chat, to, item)
    return item


async def approve(
    *, db: Database, actor: Account, session_id: object, item_id: object
) -> BoardItem:
    """Put a question on the public board (hosts and moderators); a declined one too."""
    return await _decide(
        db=db, actor=actor, session_id=session_id, item_id=item_id, to="approved",
        allowed=("pending", "rejected"),
    )  # fmt: skip


async def reject(*, db: Database, actor: Account, session_id: object, item_id: object) -> BoardItem:
    """Decline a question (hosts and moderators): it leaves the board and counts as declined."""
    return await _decide(
        db=db, actor=actor, session_id=session_id, item_id=item_id, to="rejected",
        allowed=("pending", "approved"),
    )  # fmt: skip


async def merge(
    *, db: Database, actor: Account, session_id: object, item_id: object, into_id: object
) -> BoardItem:
    """Merge a duplicate into the question it repeats (hosts and moderators): its votes, and
    its author as a voter, move there without counting anyone twice. Answers the target."""
    from hashchat.posts.service import insert_ignore

    async with db.write() as session:
        chat_session, chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "moderate")
        item_key = find_id(item_id, field="item_id", message="no such question on this board")
        into_key = find_id(into_id, field="into_id", message="no such question on this board")
        keys = sorted({item_key, into_key})
        if len(keys) == 1:
            raise Invalid("a question cannot be merged into itself", field="into_id")
        # Both rows locked in id order: two merges of the same pair cannot deadlock, and the
        # second sees what the first did.
        locked = {
            i.id: i
            for i in await session.scalars(
                select(BoardItem)
                .where(BoardItem.id.in_(keys))
                .order_by(BoardItem.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        source = locked.get(item_key)
        target = locked.get(into_key)
        if source is None or source.session_id != chat_session.id:
            raise NotFound("no such question on this board", field="item_id")
        if target is None or target.session_id != chat_session.id:
            raise NotFound("no such question on this board", field="into_id")
        if source.state not in ("pending", "approved"):
            raise Invalid(f"the question is {source.state}; it cannot be merged", field="item_id")
        if target.state not in ("pending", "approved", "answered"):
            raise Invalid(
                f"that question is {target.state}; merge into one on the board", field="into_id"
            )
        moved = await session.execute(
            insert_ignore(session, BoardVote).from_select(
                ["item_id", "account_id", "created_at"],
                select(literal(target.id), BoardVote.account_id, BoardVote.created_at).where(
                    BoardVote.item_id == source.id, BoardVote.account_id != target.account_id
                ),
            )
        )
        added = getattr(moved, "rowcount", 0) or 0
        if source.account_id != target.account_id:
            asker = await session.execute(
                insert_ignore(session, BoardVote).values(
                    item_id=target.id, account_id=source.account_id, created_at=utcnow()
                )
            )
            added += getattr(asker, "rowcount", 0) or 0
        if added:
            await _set_votes(session, target, added)
        await session.execute(
            update(BoardItem)
            .where(BoardItem.merged_into_id == source.id)
            .values(merged_into_id=target.id)
            .execution_options(synchronize_session=False)
        )
        source.state, source.merged_into_id = "merged", target.id
        source.decided_by_id, source.decided_at = actor.id, utcnow()
        await _board_event(session, chat_session, chat, "merged", source, into=target)
    return target


# -- the live session ---------------------------------------------------------------------------


async def pick(*, db: Database, actor: Account, session_id: object, item_id: object) -> BoardItem:
    """Put an approved question to the live session (hosts and guests): it is asked as the
    next Qn from the picker's account, and shows as answered with that question.

    The question is claimed first (approved -> answered, in its own transaction) so that two
    people picking it at once ask it once; if asking fails, the claim is undone."""
    from hashchat.hosting import questions

    async with db.write() as session:
        chat_session, _chat = await get_session(session, session_id)
        await roles.require_in_session(session, chat_session, actor, "pick")
        item = await _item(session, chat_session, item_id)
        if item.state == "pending":
            raise Invalid("approve the question before putting it to the chat", field="item_id")
        if item.state != "approved":
            raise Invalid(f"the question is {item.state}; it cannot be asked", field="item_id")
        if chat_session.state != "live":
            raise Invalid(
                f"the session is {chat_session.state}; questions are asked while it is live",
                field="state",
            )
        item.state = "answered"
        text = item.text
    try:
        asked = await questions.ask_now(
            db=db,
            actor=actor,
            session_id=chat_session.id,
            text=text,
            source="board",
            board_item_id=item.id,
        )
    except Exception as error:
        async with db.write() as session:
            await session.execute(
                update(BoardItem)
                .where(
                    BoardItem.id == item.id,
                    BoardItem.state == "answered",
                    BoardItem.question_id.is_(None),
                )
                .values(state="approved")
            )
        if isinstance(error, DomainError) and error.field == "text":
            raise Invalid(error.message, field="item_id") from None
        raise
    async with db.write() as session:
        chat_session, chat = await get_session(session, chat_session.id)
        item = await _item(session, chat_session, item.id)
        item.state, item.question_id = "answered", asked.id  # even if it was re-approved meanwhile
        await _board_event(session, chat_session, chat, "answered", item)
    return item
