"""Listing chats at the service level: what is stored, what is refused (with nothing written),
pausing and retiring, single occurrences, and submissions waiting for approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hashchat.directory import follows, search, service
from hashchat.directory import hosts as hosts_module
from hashchat.directory.models import (
    Chat,
    ChatException,
    ChatHost,
    ChatOccurrence,
    ChatTopic,
)
from hashchat.errors import Conflict, Forbidden, Invalid, NotFound
from hashchat.notifications.models import Notification
from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY, MakeChat


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def occurrence_days(db: Database, chat: Chat) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(ChatOccurrence)
            .where(ChatOccurrence.chat_id == chat.id)
            .order_by(ChatOccurrence.starts_at)
        )
        return [f"{o.local_date.isoformat()}{'*' if o.moved else ''}" for o in rows]


async def test_a_listing_keeps_what_the_host_wrote_and_expands_its_occurrences(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    lena = await make_account("lena")
    chat = await make_chat(
        maya,
        hashtag="#WriteChat",
        title="  Writers'   chat ",
        topics="Writing, fiction, writing",
        language="EN",
        hosts="@maya, @lena",
        description="Hi <script>alert(1)</script> **bold** [x](javascript:alert(1)) [ok](https://e.org)",
    )
    assert (chat.hashtag, chat.tag_key, chat.title) == ("WriteChat", "writechat", "Writers' chat")
    assert chat.topics == "Writing, fiction" and chat.language == "en"
    assert "&lt;script&gt;" in chat.description_html and "<script>" not in chat.description_html
    assert "<strong>bold</strong>" in chat.description_html
    assert 'href="javascript:' not in chat.description_html  # left as plain text
    assert 'href="https://e.org" rel="nofollow ugc noopener"' in chat.description_html
    assert chat.review == "approved" and chat.listed_at == MONDAY
    async with db.read() as session:
        hosts = await service.hosts_of(session, [chat.id])
        keys = set(await session.scalars(select(ChatTopic.key).where(ChatTopic.chat_id == chat.id)))
    assert [(a.handle, role) for a, role in hosts[chat.id]] == [("maya", "host")]
    async with db.read() as session:  # lena is asked first (directory/hosts.py)
        invited = await hosts_module.invitations_of(session, chat.id)
    assert [(a.handle, role) for a, role in invited] == [("lena", "cohost")]
    assert keys == {"writing", "fiction"}
    # Wednesdays at 20:00 New York, from the Monday it was listed, nine weeks ahead.
    days = await occurrence_days(db, chat)
    assert days[:3] == ["2026-02-25", "2026-03-04", "2026-03-11"] and len(days) == 9
    assert chat.next_start == datetime(2026, 2, 26, 1, 0, tzinfo=UTC)
    assert lena.id != maya.id


async def test_a_hashtag_is_listed_once_whatever_its_spelling(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    await make_chat(maya, hashtag="WriteChat")
    with pytest.raises(Conflict) as caught:
        await make_chat(maya, hashtag="#writechat")
    assert caught.value.field == "hashtag"
    assert caught.value.url == "http://testserver/chats/WriteChat"
    assert "already listed" in caught.value.message
    assert await count(db, Chat) == 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"hashtag": "#123"}, "hashtag", "not a hashtag"),
        ({"hashtag": ""}, "hashtag", "give the chat's hashtag"),
        ({"title": "   "}, "title", "give the chat a title"),
        ({"time_zone": "Moon/Base"}, "time_zone", "not an IANA time zone"),
        ({"duration_minutes": 25 * 60}, "duration_minutes", "at most 24 hours"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule", "never"),
        ({"hosts": "@nobody_here"}, "hosts", "nobody here is called @nobody_here"),
        ({"link": "ftp://x.org"}, "link", "http"),
        ({"topics": ",".join(f"t{i}" for i in range(9))}, "topics", "at most 8"),
        ({"repeat": "sometimes"}, "repeat", "repeat is one of"),
    ],
)
async def test_bad_listings_are_refused_and_nothing_is_written(
    db: Database,
    make_account: MakeAccount,
    make_chat: MakeChat,
    fields: dict[str, object],
    field: str,
    words: str,
) -> None:
    maya = await make_account("maya")
    with pytest.raises(Invalid) as caught:
        await make_chat(maya, **fields)
    assert caught.value.field == field
    assert words in caught.value.message
    for model in (Chat, ChatHost, ChatTopic, ChatOccurrence):
        assert await count(db, model) == 0


async def test_a_member_lists_only_chats_they_host(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    await make_account("lena")
    with pytest.raises(Invalid) as caught:
        await make_chat(maya, hosts="@lena")
    assert caught.value.field == "hosts" and "one of the chat's hosts" in caught.value.message
    admin = await make_account("root", role="admin")
    chat = await make_chat(admin, hosts="@lena")  # admins list chats for others
    async with db.read() as session:
        assert [a.handle for a, _ in (await service.hosts_of(session, [chat.id]))[chat.id]] == [
            "lena"
        ]


async def test_editing_the_schedule_rewrites_what_is_ahead_and_keeps_history(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    chat = await make_chat(maya)
    later = MONDAY + timedelta(days=14)  # two occurrences have happened (25 Feb, 4 Mar)
    await service.skip_occurrence(db=db, actor=maya, tag=chat.hashtag, day="2026-03-18", now=later)
    updated = await service.update_chat(
        db=db,
        actor=maya,
        tag="CHAT1",
        data={"repeat": "weekly", "weekday": "TH", "title": "Now on Thursdays"},
        now=later,
    )
    assert updated.title == "Now on Thursdays" and updated.rrule == "FREQ=WEEKLY;BYDAY=TH"
    days = await occurrence_days(db, chat)
    assert days[:4] == ["2026-02-25", "2026-03-04", "2026-03-12", "2026-03-19"]
    async with db.read() as session:
        # the skipped Wednesday is no occurrence of the new rule: the skip went with it
        assert await session.scalar(select(func.count()).select_from(ChatException)) == 0
    with pytest.raises(Invalid) as caught:
        await service.update_chat(db=db, actor=maya, tag="chat1", data={"hashtag": "other"})
    assert caught.value.field == "hashtag"
    stranger = await make_account("stranger")
    with pytest.raises(Forbidden):
        await service.update_chat(db=db, actor=stranger, tag="chat1", data={"title": "Mine now"})


async def test_pausing_and_retiring(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    chat = await make_chat(maya, topics="writing")
    later = MONDAY + timedelta(days=8)
    paused = await service.set_status(db=db, actor=maya, tag="chat1", status="paused", now=later)
    assert paused.next_start is None
    assert await occurrence_days(db, chat) == ["2026-02-25"]  # history stays, the future goes
    async with db.read() as session:
        listed = await search.search_chats(session, search.Filters(), now=later)
        assert [(c.id, c.status) for c in listed.chats] == [(chat.id, "paused")]
    await service.set_status(db=db, actor=maya, tag="chat1", status="retired", now=later)
    async with db.read() as session:
        assert (await search.search_chats(session, search.Filters(), now=later)).chats == []
        retired = await search.search_chats(session, search.Filters(status="retired"), now=later)
        assert [c.id for c in retired.chats] == [chat.id]
    back = await service.set_status(db=db, actor=maya, tag="chat1", status="active", now=later)
    assert back.next_start == datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
    with pytest.raises(Invalid):
        await service.set_status(db=db, actor=maya, tag="chat1", status="asleep")


async def test_skipping_moving_and_restoring_one_occurrence(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    chat = await make_chat(maya)
    await service.skip_occurrence(db=db, actor=maya, tag="chat1", day="2026-02-25", now=MONDAY)
    moved = await service.move_occurrence(
        db=db, actor=maya, tag="chat1", day="2026-03-04", to="2026-03-05T19:30", now=MONDAY
    )
    assert moved.next_start == datetime(2026, 3, 6, 0, 30, tzinfo=UTC)  # 19:30 EST
    assert (await occurrence_days(db, chat))[:2] == ["2026-03-04*", "2026-03-11"]
    for day, to, words in [
        ("2026-02-26", "2026-02-27T20:00", "no occurrence on 26 February 2026"),
        ("2026-03-11", "2026-02-20T20:00", "still ahead"),
        ("2026-03-11", "2026-03-18T19:30", "overlap the occurrence of 18 March 2026"),
        ("2026-03-11", "2026-05-11T20:00", "four weeks at most"),
    ]:
        with pytest.raises(Invalid) as caught:
            await service.move_occurrence(
                db=db, actor=maya, tag="chat1", day=day, to=to, now=MONDAY
            )
        assert words in caught.value.message, caught.value.message
    await service.restore_occurrence(db=db, actor=maya, tag="chat1", day="2026-02-25", now=MONDAY)
    await service.restore_occurrence(db=db, actor=maya, tag="chat1", day="2026-03-04", now=MONDAY)
    assert (await occurrence_days(db, chat))[:2] == ["2026-02-25", "2026-03-04"]
    with pytest.raises(NotFound):
        await service.restore_occurrence(
            db=db, actor=maya, tag="chat1", day="2026-03-04", now=MONDAY
        )
    with pytest.raises(Invalid) as caught:
        await service.skip_occurrence(
            db=db, actor=maya, tag="chat1", day="2026-02-25", now=MONDAY + timedelta(days=3)
        )
    assert "already started" in caught.value.message


async def test_submissions_wait_for_an_admin_when_the_setting_says_so(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    admin = await make_account("root", role="admin")
    member = await make_account("kai")
    other = await make_account("other")
    await service.set_approval_required(db=db, actor=admin, required=True)
    with pytest.raises(Forbidden):
        await service.set_approval_required(db=db, actor=member, required=False)
    chat = await make_chat(member, hashtag="boardgamechat")
    assert chat.review == "pending" and chat.next_start is None and chat.listed_at is None
    async with db.read() as session:
        assert (await search.search_chats(session, search.Filters(), now=MONDAY)).total == 0
        with pytest.raises(NotFound):
            await service.visible_chat(session, "boardgamechat", other)
        assert (await service.visible_chat(session, "boardgamechat", member)).id == chat.id
        told = list(await session.scalars(select(Notification)))
        streams = set(await session.scalars(select(EventStream.stream)))
        kinds = set(await session.scalars(select(EventRow.kind)))
    assert [(n.account_id, n.type) for n in told] == [(admin.id, "chat.submitted")]
    assert f"user:{admin.id}" in streams and "chat.notification" in kinds
    # Someone else cannot take the hashtag meanwhile.
    with pytest.raises(Conflict) as caught:
        await make_chat(other, hashtag="BoardGameChat")
    assert "waits for approval" in caught.value.message
    with pytest.raises(Forbidden):
        await service.review(db=db, actor=member, tag="boardgamechat", approve=True)
    approved = await service.review(
        db=db, actor=admin, tag="boardgamechat", approve=True, now=MONDAY
    )
    assert approved is not None and approved.review == "approved" and approved.next_start
    async with db.read() as session:
        assert (await search.search_chats(session, search.Filters(), now=MONDAY)).total == 1
        assert (
            await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.type == "chat.approved")
            )
            == 1
        )
    # An admin's own listing never waits; a rejected one is gone and its hashtag free again.
    assert (await make_chat(admin, hashtag="adminchat")).review == "approved"
    await make_chat(member, hashtag="spamchat")
    assert (
        await service.review(db=db, actor=admin, tag="spamchat", approve=False, reason="spam")
        is None
    )
    async with db.read() as session:
        rejected = await session.scalar(
            select(Notification).where(Notification.type == "chat.rejected")
        )
        assert rejected is not None and rejected.text.endswith("Reason: spam")
        with pytest.raises(NotFound):
            await service.get_chat(session, "spamchat")


async def test_following_counts_and_a_pending_chat_cannot_be_followed_by_others(
    db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    fan = await make_account("fan")
    chat = await make_chat(maya)
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=15, now=MONDAY)
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=30, now=MONDAY)
    async with db.read() as session:
        assert (await service.get_chat(session, "chat1")).followers_count == 1
    assert await follows.unfollow_chat(db=db, account=fan, tag="chat1")
    assert not await follows.unfollow_chat(db=db, account=fan, tag="chat1")
    async with db.read() as session:
        assert (await service.get_chat(session, "chat1")).followers_count == 0
    with pytest.raises(Invalid) as caught:
        await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes="soon")
    assert caught.value.field == "remind_minutes"
    assert chat.id
