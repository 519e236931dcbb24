"""The Q&A board: a box opened ahead, questions sent (some anonymously) and upvoted, approved,
declined and merged by moderators, and picked by a host or guest into the live chat as Qn."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hashchat.accounts.models import Account
from hashchat.errors import DomainError, Forbidden, Invalid, NotFound
from hashchat.hosting import board
from hashchat.hosting.models import (
    BoardItem,
    BoardVote,
    ChatSession,
    Question,
    RoomRestriction,
    SessionGuest,
    SessionPost,
)
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.hosting.conftest import Crew, MakeSession, at
from tests.realtime.conftest import server, sse  # noqa: F401  (server: a fixture)

ROLES = ["host", "cohost", "moderator", "guest", "member", "admin"]
MAY = {
    "run": {"host", "cohost", "admin"},
    "moderate": {"host", "cohost", "moderator", "admin"},
    "pick": {"host", "cohost", "guest", "admin"},
}


async def opened(db: Database, host: Account, chat_session: ChatSession) -> ChatSession:
    return await board.open_box(db=db, actor=host, session_id=chat_session.id)


async def item_of(db: Database, item_id: int) -> BoardItem:
    async with db.read() as session:
        item = await session.get(BoardItem, item_id)
        assert item is not None
        return item


async def vote_rows(db: Database, item_id: int) -> int:
    async with db.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(BoardVote).where(BoardVote.item_id == item_id)
        )
        return int(count or 0)


async def approved_item(
    db: Database, crew: Crew, chat_session: ChatSession, author: Account, text: str
) -> BoardItem:
    item = await board.submit(db=db, author=author, session_id=chat_session.id, text=text)
    return await board.approve(
        db=db, actor=crew.moderator, session_id=chat_session.id, item_id=item.id
    )


# -- the box ------------------------------------------------------------------------------------


async def test_a_box_opened_days_ahead_takes_questions_only_while_open(
    db: Database, crew: Crew, make_session: MakeSession
) -> None:
    ahead = await make_session(start=60 * 24 * 3)  # in three days
    early = await board.open_box(
        db=db, actor=crew.host, session_id=ahead.id, opens_at=at(utcnow() + timedelta(hours=1))
    )
    with pytest.raises(Invalid) as caught:
        await board.submit(db=db, author=crew.member, session_id=ahead.id, text="Too soon?")
    assert caught.value.field == "box" and "opens at" in caught.value.message

    await board.open_box(db=db, actor=crew.host, session_id=early.id)  # now, until it ends
    item = await board.submit(db=db, author=crew.member, session_id=ahead.id, text="How?")
    assert item.state == "pending" and item.text == "How?"

    await board.close_box(db=db, actor=crew.cohost, session_id=ahead.id)
    with pytest.raises(Invalid) as caught:
        await board.submit(db=db, author=crew.member, session_id=ahead.id, text="Late one")
    assert caught.value.field == "box"
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(BoardItem)) == 1


async def test_the_box_closes_with_the_session_and_bad_times_are_refused(
    db: Database, crew: Crew, make_session: MakeSession
) -> None:
    live = await make_session()
    await opened(db, crew.host, live)
    for opens_at, closes_at, field in [
        ("yesterday", None, "opens_at"),
        ("2026-03-01T18:00:00", None, "opens_at"),  # no offset: whose clock?
        (None, at(utcnow() - timedelta(minutes=1)), "closes_at"),
    ]:
        with pytest.raises(Invalid) as caught:
            await board.open_box(
                db=db, actor=crew.host, session_id=live.id, opens_at=opens_at, closes_at=closes_at
            )
        assert caught.value.field == field
    ended = await make_session(start=-120, minutes=60)
    with pytest.raises(Invalid) as caught:
        await opened(db, crew.host, ended)
    assert caught.value.field == "state"
    async with db.write() as session:
        row = await session.get(ChatSession, ended.id)
        assert row is not None
        row.box_opens_at = utcnow() - timedelta(days=1)
    with pytest.raises(Invalid):
        await board.submit(db=db, author=crew.member, session_id=ended.id, text="After?")


@pytest.mark.parametrize("role", ROLES)
async def test_who_may_open_the_box(
    db: Database, crew: Crew, live_session: ChatSession, role: str
) -> None:
    actor = crew.by_role(role)
    if role in MAY["run"]:
        done = await board.open_box(db=db, actor=actor, session_id=live_session.id)
        assert done.box_opens_at is not None
        await board.close_box(db=db, actor=actor, session_id=live_session.id)
    else:
        with pytest.raises(Forbidden):
            await board.open_box(db=db, actor=actor, session_id=live_session.id)
        async with db.read() as session:
            row = await session.get(ChatSession, live_session.id)
            assert row is not None and row.box_opens_at is None


# -- questions ----------------------------------------------------------------------------------


async def test_bad_questions_are_refused_with_nothing_written(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    await opened(db, crew.host, live_session)
    room = 280 - len("Q99: ") - len(" #HostChat")
    cases: list[tuple[object, str]] = [
        ("", "text"),
        ("   \n ", "text"),
        (None, "text"),
        ("x" * (room + 1), "text"),
    ]
    for text, field in cases:
        with pytest.raises(Invalid) as caught:
            await board.submit(db=db, author=crew.member, session_id=live_session.id, text=text)
        assert caught.value.field == field
    with pytest.raises(Invalid) as caught:
        await board.submit(db=db, author=crew.member, session_id=live_session.id, text="x" * 281)
    assert f"at most {room} characters" in caught.value.message
    with pytest.raises(Invalid) as caught:
        await board.submit(
            db=db, author=crew.member, session_id=live_session.id, text="ok", anonymous="maybe"
        )
    assert caught.value.field == "anonymous"
    with pytest.raises(NotFound) as missing:
        await board.submit(db=db, author=crew.member, session_id=999_999, text="ok")
    assert missing.value.field == "session_id"
    fits = await board.submit(
        db=db, author=crew.member, session_id=live_session.id, text="é" * room
    )
    assert fits.text == "é" * room
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(BoardItem)) == 1


async def test_banned_people_cannot_ask_and_nobody_floods_the_box(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    await opened(db, crew.host, live_session)
    async with db.write() as session:
        session.add(
            RoomRestriction(
                chat_id=live_session.chat_id, account_id=crew.guest.id, kind="ban",
                by_id=crew.host.id,
            )
        )  # fmt: skip
    with pytest.raises(Forbidden):
        await board.submit(db=db, author=crew.guest, session_id=live_session.id, text="Hi")
    for n in range(board.MAX_PENDING):
        await board.submit(db=db, author=crew.member, session_id=live_session.id, text=f"Q {n}")
    with pytest.raises(Invalid) as caught:
        await board.submit(db=db, author=crew.member, session_id=live_session.id, text="more")
    assert caught.value.field == "text"


async def test_the_public_board_hides_anonymous_askers_but_moderators_see_them(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    await opened(db, crew.host, live_session)
    shy = await make_account("shy")
    bold = await make_account("bold")
    hidden = await board.submit(
        db=db, author=shy, session_id=live_session.id, text="Is it ok to ask?", anonymous=True
    )
    named = await board.submit(db=db, author=bold, session_id=live_session.id, text="Named one")
    waiting = await board.submit(db=db, author=bold, session_id=live_session.id, text="Waits")
    declined = await board.submit(db=db, author=shy, session_id=live_session.id, text="Rude")
    for item in (hidden, named):
        await board.approve(
            db=db, actor=crew.moderator, session_id=live_session.id, item_id=item.id
        )
    await board.reject(db=db, actor=crew.moderator, session_id=live_session.id, item_id=declined.id)

    async with db.read() as session:
        public = await board.public_board(session, live_session.id, viewer=None)
        as_shy = await board.public_board(session, live_session.id, viewer=shy)
        moderated = await board.moderation_board(session, live_session.id, actor=crew.moderator)
    assert public["counts"] == {
        "pending": 1, "approved": 2, "answered": 0, "declined": 1, "merged": 0
    }  # fmt: skip
    assert public["box"]["open"] is True
    shown = {i["id"]: i for i in public["items"]}
    assert set(shown) == {str(hidden.id), str(named.id)}
    assert shown[str(hidden.id)]["account"] is None
    assert shown[str(named.id)]["account"]["acct"] == "bold"
    assert "yours" not in public
    mine = {i["id"]: i for i in as_shy["items"]}
    assert mine[str(hidden.id)]["account"]["acct"] == "shy"  # the asker sees their own name
    assert mine[str(hidden.id)]["mine"] is True
    assert [i["id"] for i in as_shy["yours"]] == [str(declined.id)]
    every = {i["id"]: i for i in moderated["items"]}
    assert every[str(hidden.id)]["account"]["acct"] == "shy"
    assert every[str(waiting.id)]["state"] == "pending"
    assert [i["state"] for i in moderated["items"]] == [
        "pending",
        "approved",
        "approved",
        "rejected",
    ]


async def test_a_moderators_own_question_goes_straight_to_the_board(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    await opened(db, crew.host, live_session)
    item = await board.submit(db=db, author=crew.moderator, session_id=live_session.id, text="Mine")
    assert item.state == "approved"


# -- votes --------------------------------------------------------------------------------------


async def test_upvotes_order_the_board_once_per_person_never_ones_own(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    await opened(db, crew.host, live_session)
    first = await approved_item(db, crew, live_session, crew.member, "First")
    second = await approved_item(db, crew, live_session, crew.guest, "Second")
    fans = [await make_account(f"fan{n}") for n in range(3)]
    for fan in fans:
        await board.upvote(db=db, voter=fan, session_id=live_session.id, item_id=second.id)
    await board.upvote(db=db, voter=fans[0], session_id=live_session.id, item_id=second.id)
    await board.upvote(db=db, voter=fans[0], session_id=live_session.id, item_id=first.id)
    with pytest.raises(Invalid) as caught:
        await board.upvote(db=db, voter=crew.member, session_id=live_session.id, item_id=first.id)
    assert "own question" in caught.value.message and caught.value.field == "item_id"
    async with db.read() as session:
        public = await board.public_board(session, live_session.id, viewer=fans[1])
    assert [(i["text"], i["votes_count"], i["voted"]) for i in public["items"]] == [
        ("Second", 3, True),
        ("First", 1, False),
    ]
    await board.unvote(db=db, voter=fans[1], session_id=live_session.id, item_id=second.id)
    await board.unvote(db=db, voter=fans[1], session_id=live_session.id, item_id=second.id)
    assert (await item_of(db, second.id)).votes_count == 2 == await vote_rows(db, second.id)


async def test_only_questions_on_the_board_take_votes(
    db: Database, crew: Crew, live_session: ChatSession, make_session: MakeSession
) -> None:
    await opened(db, crew.host, live_session)
    pending = await board.submit(db=db, author=crew.member, session_id=live_session.id, text="P")
    with pytest.raises(Invalid):
        await board.upvote(db=db, voter=crew.guest, session_id=live_session.id, item_id=pending.id)
    with pytest.raises(NotFound):
        await board.upvote(db=db, voter=crew.guest, session_id=live_session.id, item_id="nope")
    other = await make_session(start=60 * 24)
    with pytest.raises(NotFound):  # a question of another session
        await board.upvote(db=db, voter=crew.guest, session_id=other.id, item_id=pending.id)
    assert await vote_rows(db, pending.id) == 0


async def test_twenty_people_upvoting_at_once_are_all_counted_and_a_double_counts_once(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    await opened(db, crew.host, live_session)
    item = await approved_item(db, crew, live_session, crew.member, "Popular?")
    people = [await make_account(f"voter{n}") for n in range(20)]
    await asyncio.gather(
        *(
            board.upvote(db=db, voter=p, session_id=live_session.id, item_id=item.id)
            for p in people
        ),
        board.upvote(db=db, voter=people[0], session_id=live_session.id, item_id=item.id),
        board.upvote(db=db, voter=people[1], session_id=live_session.id, item_id=item.id),
    )
    assert (await item_of(db, item.id)).votes_count == 20 == await vote_rows(db, item.id)
    await asyncio.gather(
        *(
            board.unvote(db=db, voter=p, session_id=live_session.id, item_id=item.id)
            for p in people[:10] + people[:5]
        )
    )
    assert (await item_of(db, item.id)).votes_count == 10 == await vote_rows(db, item.id)


# -- moderation ---------------------------------------------------------------------------------


async def test_merging_carries_votes_over_without_counting_anyone_twice(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    await opened(db, crew.host, live_session)
    asker = await make_account("asker")
    copier = await make_account("copier")
    original = await approved_item(db, crew, live_session, asker, "How do I start?")
    duplicate = await approved_item(db, crew, live_session, copier, "How to begin?")
    both, only_dup, only_orig = [await make_account(f"m{n}") for n in range(3)]
    for voter, item in [(both, original), (both, duplicate), (only_dup, duplicate),
                        (only_orig, original), (asker, duplicate)]:  # fmt: skip
        await board.upvote(db=db, voter=voter, session_id=live_session.id, item_id=item.id)
    assert (await item_of(db, original.id)).votes_count == 2
    target = await board.merge(
        db=db, actor=crew.moderator, session_id=live_session.id, item_id=duplicate.id,
        into_id=original.id,
    )  # fmt: skip
    # both (once), only_orig, only_dup, and the copier who asked the same; not the asker.
    assert target.votes_count == 4 == await vote_rows(db, original.id)
    merged = await item_of(db, duplicate.id)
    assert (merged.state, merged.merged_into_id) == ("merged", original.id)
    async with db.read() as session:
        public = await board.public_board(session, live_session.id, viewer=None)
    assert [i["id"] for i in public["items"]] == [str(original.id)]
    assert public["counts"]["merged"] == 1

    third = await approved_item(db, crew, live_session, crew.guest, "Where to start?")
    for bad_into, error in [(third.id, Invalid), (duplicate.id, Invalid), (999_999, NotFound)]:
        with pytest.raises(error) as caught:  # itself, a merged one, a missing one
            await board.merge(
                db=db, actor=crew.moderator, session_id=live_session.id,
                item_id=third.id, into_id=bad_into,
            )  # fmt: skip
        assert caught.value.field == "into_id"
    with pytest.raises(Invalid) as caught:  # a merged question cannot be merged again
        await board.merge(
            db=db, actor=crew.moderator, session_id=live_session.id, item_id=duplicate.id,
            into_id=third.id,
        )  # fmt: skip
    assert caught.value.field == "item_id"


async def test_merges_crossing_each_other_leave_no_cycle(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    await opened(db, crew.host, live_session)
    one = await approved_item(db, crew, live_session, crew.member, "One")
    two = await approved_item(db, crew, live_session, crew.guest, "Two")
    results = await asyncio.gather(
        board.merge(
            db=db, actor=crew.host, session_id=live_session.id, item_id=one.id, into_id=two.id
        ),
        board.merge(
            db=db, actor=crew.moderator, session_id=live_session.id, item_id=two.id, into_id=one.id
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Invalid) for r in results) == 1
    states = sorted([(await item_of(db, one.id)).state, (await item_of(db, two.id)).state])
    assert states == ["approved", "merged"]


@pytest.mark.parametrize("role", ROLES)
async def test_who_may_moderate(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount, role: str
) -> None:
    await opened(db, crew.host, live_session)
    asker = await make_account("asker")
    items = [
        await board.submit(db=db, author=asker, session_id=live_session.id, text=f"Q{n}")
        for n in range(3)
    ]
    actor = crew.by_role(role)
    sid = live_session.id
    actions = [
        lambda: board.approve(db=db, actor=actor, session_id=sid, item_id=items[0].id),
        lambda: board.reject(db=db, actor=actor, session_id=sid, item_id=items[1].id),
        lambda: board.merge(db=db, actor=actor, session_id=sid, item_id=items[2].id,
                            into_id=items[0].id),
    ]  # fmt: skip
    for action in actions:
        if role in MAY["moderate"]:
            await action()
        else:
            with pytest.raises(Forbidden):
                await action()
    if role not in MAY["moderate"]:
        async with db.read() as session:
            with pytest.raises(Forbidden):
                await board.moderation_board(session, sid, actor=actor)
    expected = ["approved", "rejected", "merged"] if role in MAY["moderate"] else ["pending"] * 3
    assert [(await item_of(db, i.id)).state for i in items] == expected


async def test_decisions_follow_the_questions_life(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    await opened(db, crew.host, live_session)
    item = await board.submit(db=db, author=crew.member, session_id=live_session.id, text="Hm")
    rejected = await board.reject(
        db=db, actor=crew.moderator, session_id=live_session.id, item_id=item.id
    )
    assert rejected.decided_by_id == crew.moderator.id
    again = await board.approve(db=db, actor=crew.host, session_id=live_session.id, item_id=item.id)
    assert again.state == "approved"  # a moderator may change their mind
    await board.merge(
        db=db, actor=crew.host, session_id=live_session.id, item_id=item.id,
        into_id=(await approved_item(db, crew, live_session, crew.guest, "Other")).id,
    )  # fmt: skip
    for decide in (board.approve, board.reject):
        with pytest.raises(Invalid) as caught:
            await decide(db=db, actor=crew.host, session_id=live_session.id, item_id=item.id)
        assert caught.value.field == "item_id"


# -- picking ------------------------------------------------------------------------------------


async def test_a_picked_question_is_asked_as_the_next_q_and_shows_as_answered(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    await opened(db, crew.host, live_session)
    item = await approved_item(db, crew, live_session, crew.member, "What is your favourite tool?")
    picked = await board.pick(db=db, actor=crew.guest, session_id=live_session.id, item_id=item.id)
    assert picked.state == "answered" and picked.question_id is not None
    async with db.read() as session:
        question = await session.get(Question, picked.question_id)
        assert question is not None and question.post_id is not None
        assert (question.number, question.source, question.board_item_id) == (1, "board", item.id)
        post = await session.get(Post, question.post_id)
        assert post is not None and post.account_id == crew.guest.id
        assert post.text == "Q1: What is your favourite tool? #HostChat"
        public = await board.public_board(session, live_session.id, viewer=None)
    (shown,) = public["items"]
    assert shown["state"] == "answered"
    assert shown["question"] == {
        "id": str(question.id), "number": 1, "status_id": str(question.post_id)
    }  # fmt: skip
    assert public["counts"]["answered"] == 1

    from hashchat.posts import service as posts

    answer = await posts.create_post(
        db=db, author=crew.member, text="Mine is a pencil", in_reply_to_id=question.post_id
    )
    async with db.read() as session:
        placed = await session.get(SessionPost, answer.id)
    assert placed is not None and (placed.kind, placed.number) == ("answer", 1)
    with pytest.raises(Invalid):  # asked once
        await board.pick(db=db, actor=crew.host, session_id=live_session.id, item_id=item.id)
    with pytest.raises(Invalid):
        await board.upvote(db=db, voter=crew.cohost, session_id=live_session.id, item_id=item.id)


async def test_two_picks_at_once_ask_the_question_once(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    await opened(db, crew.host, live_session)
    item = await approved_item(db, crew, live_session, crew.member, "Only once?")
    results = await asyncio.gather(
        board.pick(db=db, actor=crew.host, session_id=live_session.id, item_id=item.id),
        board.pick(db=db, actor=crew.guest, session_id=live_session.id, item_id=item.id),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Invalid) for r in results) == 1
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Question))
    assert count == 1


async def test_picking_needs_an_approved_question_and_a_live_session(
    db: Database, crew: Crew, make_session: MakeSession
) -> None:
    ahead = await make_session(start=60)
    await opened(db, crew.host, ahead)
    pending = await board.submit(db=db, author=crew.member, session_id=ahead.id, text="Soon?")
    with pytest.raises(Invalid) as caught:
        await board.pick(db=db, actor=crew.host, session_id=ahead.id, item_id=pending.id)
    assert "approve" in caught.value.message
    await board.approve(db=db, actor=crew.host, session_id=ahead.id, item_id=pending.id)
    with pytest.raises(Invalid) as caught:
        await board.pick(db=db, actor=crew.host, session_id=ahead.id, item_id=pending.id)
    assert caught.value.field == "state"
    assert (await item_of(db, pending.id)).state == "approved"


@pytest.mark.parametrize("role", [*ROLES, "session_guest"])
async def test_who_may_pick(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount, role: str
) -> None:
    await opened(db, crew.host, live_session)
    if role == "session_guest":
        actor = await make_account("visiting")
        async with db.write() as session:
            session.add(SessionGuest(session_id=live_session.id, account_id=actor.id))
    else:
        actor = crew.by_role(role)
    asker = await make_account("asker")
    item = await approved_item(db, crew, live_session, asker, "Picked by whom?")
    if role in MAY["pick"] or role == "session_guest":
        done = await board.pick(db=db, actor=actor, session_id=live_session.id, item_id=item.id)
        assert done.state == "answered"
    else:
        with pytest.raises(Forbidden):
            await board.pick(db=db, actor=actor, session_id=live_session.id, item_id=item.id)
        assert (await item_of(db, item.id)).state == "approved"


async def test_a_pick_that_fails_gives_the_question_back(
    db: Database, crew: Crew, live_session: ChatSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hashchat.hosting import questions

    await opened(db, crew.host, live_session)
    item = await approved_item(db, crew, live_session, crew.member, "Unlucky")

    async def broken(**_: Any) -> Question:
        raise Invalid("the session's window is over; the question was not posted", field="state")

    monkeypatch.setattr(questions, "ask_now", broken)
    with pytest.raises(DomainError):
        await board.pick(db=db, actor=crew.host, session_id=live_session.id, item_id=item.id)
    after = await item_of(db, item.id)
    assert (after.state, after.question_id) == ("approved", None)


# -- HTTP ---------------------------------------------------------------------------------------


async def test_the_board_over_http(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    token_for: Any, make_account: MakeAccount,
) -> None:  # fmt: skip
    base = f"/api/v1/chats/sessions/{live_session.id}/board"
    host, member, mod = [auth(await token_for(p)) for p in (crew.host, crew.member, crew.moderator)]
    fan = auth(await token_for(await make_account("fan")))

    closed = await client.post(base, json={"text": "Too early"}, headers=member)
    assert closed.status_code == 422 and closed.json()["field"] == "box"
    opened_ = await client.post(f"{base}/open", json={}, headers=host)
    assert opened_.status_code == 200 and opened_.json()["box_opens_at"] is not None
    assert (await client.post(f"{base}/open", json={}, headers=member)).status_code == 403

    sent = await client.post(
        base, data={"text": "Form question", "anonymous": "true"}, headers=member
    )
    assert sent.status_code == 201, sent.text
    item = sent.json()
    assert item["state"] == "pending" and item["anonymous"] is True
    assert item["account"]["id"] == str(crew.member.id)  # the asker sees themself
    too_long = await client.post(base, json={"text": "x" * 300}, headers=member)
    assert too_long.status_code == 422 and too_long.json()["field"] == "text"
    assert (await client.post(base, json={"text": "anon"})).status_code == 401

    forbidden = await client.post(f"{base}/{item['id']}/approve", headers=member)
    assert forbidden.status_code == 403
    approved = await client.post(f"{base}/{item['id']}/approve", headers=mod)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert approved.json()["account"]["id"] == str(crew.member.id)  # moderators see who

    voted = await client.post(f"{base}/{item['id']}/upvote", headers=fan)
    assert voted.json()["votes_count"] == 1 and voted.json()["voted"] is True
    assert voted.json()["account"] is None  # anonymous to everyone else
    own = await client.post(f"{base}/{item['id']}/upvote", headers=member)
    assert own.status_code == 422 and own.json()["field"] == "item_id"

    board_page = (await client.get(base)).json()
    assert [i["votes_count"] for i in board_page["items"]] == [1]
    assert board_page["items"][0]["account"] is None
    moderation = await client.get(f"{base}/moderation", headers=mod)
    assert moderation.status_code == 200
    assert moderation.json()["items"][0]["account"]["id"] == str(crew.member.id)
    assert (await client.get(f"{base}/moderation", headers=member)).status_code == 403
    bad_state = await client.get(f"{base}/moderation?state=lost", headers=mod)
    assert bad_state.status_code == 422 and bad_state.json()["field"] == "state"

    unvoted = await client.delete(f"{base}/{item['id']}/upvote", headers=fan)
    assert unvoted.json()["votes_count"] == 0 and unvoted.json()["voted"] is False

    dup = (await client.post(base, json={"text": "Same again"}, headers=fan)).json()
    no_into = await client.post(f"{base}/{dup['id']}/merge", json={}, headers=mod)
    assert no_into.status_code == 422 and no_into.json()["field"] == "into_id"
    merged = await client.post(
        f"{base}/{dup['id']}/merge", json={"into_id": item["id"]}, headers=mod
    )
    assert merged.status_code == 200 and merged.json()["votes_count"] == 1

    picked = await client.post(f"{base}/{item['id']}/pick", headers=host)
    assert picked.status_code == 200, picked.text
    assert picked.json()["state"] == "answered" and picked.json()["question"]["number"] == 1
    assert (await client.post(f"{base}/{item['id']}/pick", headers=mod)).status_code == 403
    missing = await client.post(f"{base}/12345678/upvote", headers=fan)
    assert missing.status_code == 404 and missing.json()["field"] == "item_id"
    assert (await client.get("/api/v1/chats/sessions/987654/board")).status_code == 404

    closed_ = await client.post(f"{base}/close", headers=host)
    assert closed_.status_code == 200
    assert (await client.get(base)).json()["box"]["open"] is False


# -- the stream ---------------------------------------------------------------------------------


async def test_board_changes_arrive_on_the_chats_stream(
    server: str,  # noqa: F811
    db: Database,
    crew: Crew,
    live_session: ChatSession,
) -> None:
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=hostchat") as stream:
        await opened(db, crew.host, live_session)
        box = json.loads((await stream.until("board")).data)
        assert box["action"] == "box" and box["box"]["open"] is True
        item = await board.submit(
            db=db, author=crew.member, session_id=live_session.id, text="Secret?", anonymous=True
        )
        sent = json.loads((await stream.until("board")).data)
        assert sent["action"] == "submitted" and sent["counts"]["pending"] == 1
        assert sent["item"] == {"id": str(item.id), "state": "pending", "merged_into_id": None}
        await board.approve(db=db, actor=crew.host, session_id=live_session.id, item_id=item.id)
        shown = json.loads((await stream.until("board")).data)
        assert shown["item"]["text"] == "Secret?" and shown["item"]["account"] is None
        await board.upvote(db=db, voter=crew.guest, session_id=live_session.id, item_id=item.id)
        voted = json.loads((await stream.until("board")).data)
        assert (voted["action"], voted["item"]["votes_count"]) == ("voted", 1)
        await board.pick(db=db, actor=crew.host, session_id=live_session.id, item_id=item.id)
        asked = json.loads((await stream.until("question")).data)
        assert asked["number"] == 1 and asked["source"] == "board"
        answered = json.loads((await stream.until("board")).data)
        assert answered["action"] == "answered"
        assert answered["item"]["question"]["number"] == 1
