"""Posts at the service level: text rules, hashtags, threads, reposts, likes, deletion, events."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from hashchat.accounts.models import Account
from hashchat.errors import Forbidden, Invalid, NotFound
from hashchat.posts import service, timelines
from hashchat.posts.models import Post, PostTag
from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount


async def fetch(db: Database, post_id: int) -> Post:
    async with db.read() as session:
        post = await session.get(Post, post_id)
    assert post is not None
    return post


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_post_keeps_its_hashtags_as_typed_and_matches_them_folded(
    db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("maya")
    post = await service.create_post(db=db, author=author, text="Q1: revising? #WriteChat #Café")
    async with db.read() as session:
        names = set(await session.scalars(select(PostTag.name).where(PostTag.post_id == post.id)))
        assert names == {"WriteChat", "Café"}
        for spelling in ["writechat", "WRITECHAT", "#writeChat"]:
            found = await timelines.tag_timeline(
                session, any_tags=[spelling], page=timelines.Page()
            )
            assert [p.id for p in found] == [post.id]
        # NFKC + casefold: full-width letters and a decomposed é are the same tag.
        full_width = await timelines.tag_timeline(
            session, any_tags=["ＣＡＦＥ\u0301"], page=timelines.Page()
        )
        assert [p.id for p in full_width] == [post.id]
    assert 'href="http://testserver/tags/WriteChat"' in post.content_html
    assert 'rel="nofollow ugc noopener"' in post.content_html


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("a" * 280, True),
        ("a" * 281, False),
        ("😀" * 140, True),  # emoji weigh 2 in twitter-text v3
        ("😀" * 141, False),
        ("の" * 140, True),  # CJK weighs 2
        ("の" * 141, False),
        ("https://example.org/" + "x" * 300 + " " + "a" * 256, True),  # a URL counts 23
        ("é" * 280, True),  # Latin-1 range weighs 1
    ],
)
async def test_length_is_counted_as_twitter_text_v3_does(
    db: Database, make_account: MakeAccount, text: str, ok: bool
) -> None:
    author = await make_account("counter")
    if ok:
        await service.create_post(db=db, author=author, text=text)
    else:
        with pytest.raises(Invalid) as caught:
            await service.create_post(db=db, author=author, text=text)
        assert caught.value.field == "status"
        assert "over the limit of 280" in caught.value.message
        assert await count(db, Post) == 0


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None, 42])
async def test_empty_or_non_text_posts_are_refused(
    db: Database, make_account: MakeAccount, text: object
) -> None:
    author = await make_account("empty")
    with pytest.raises(Invalid) as caught:
        await service.create_post(db=db, author=author, text=text)
    assert caught.value.field == "status"
    assert await count(db, Post) == 0
    assert await count(db, EventRow) == 0


async def test_replies_form_a_thread_and_count(db: Database, make_account: MakeAccount) -> None:
    host, guest = await make_account("host"), await make_account("guest")
    root = await service.create_post(db=db, author=host, text="Q1: what's new? #edchat")
    reply = await service.create_post(
        db=db, author=guest, text="A1: a puzzle #edchat", in_reply_to_id=str(root.id)
    )
    deeper = await service.create_post(
        db=db, author=host, text="@guest tell us more", in_reply_to_id=reply.id
    )
    assert reply.conversation_id == root.id == deeper.conversation_id
    assert (reply.in_reply_to_id, reply.in_reply_to_account_id) == (root.id, host.id)
    assert (await fetch(db, root.id)).replies_count == 1
    async with db.read() as session:
        found = await timelines.thread(session, reply)
    assert [p.id for p in found.ancestors] == [root.id]
    assert [p.id for p in found.descendants] == [deeper.id]
    assert 'class="mention"' in deeper.content_html


async def test_reply_to_an_unknown_post_writes_nothing(
    db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("lost")
    for target in (999_999, "not-a-number"):
        with pytest.raises(Invalid) as caught:
            await service.create_post(db=db, author=author, text="hi", in_reply_to_id=target)
        assert caught.value.field == "in_reply_to_id"
    assert await count(db, Post) == 0
    async with db.read() as session:
        fresh = await session.get(Account, author.id)
    assert fresh is not None and fresh.statuses_count == 0


async def test_reposts_and_likes_count_once_per_person(
    db: Database, make_account: MakeAccount
) -> None:
    author, fan = await make_account("author"), await make_account("fan")
    post = await service.create_post(db=db, author=author, text="worth sharing #gardenchat")
    repost = await service.reblog(db=db, account=fan, post_id=post.id)
    again = await service.reblog(db=db, account=fan, post_id=repost.id)  # repost of the repost
    assert again.id == repost.id
    assert (await fetch(db, post.id)).reblogs_count == 1
    await service.favourite(db=db, account=fan, post_id=post.id)
    await service.favourite(db=db, account=fan, post_id=post.id)
    assert (await fetch(db, post.id)).favourites_count == 1
    await service.unfavourite(db=db, account=fan, post_id=post.id)
    await service.unreblog(db=db, account=fan, post_id=post.id)
    after = await fetch(db, post.id)
    assert (after.favourites_count, after.reblogs_count) == (0, 0)
    # and a repost can be made again after it was undone
    second = await service.reblog(db=db, account=fan, post_id=post.id)
    assert second.id != repost.id
    assert (await fetch(db, post.id)).reblogs_count == 1


async def test_concurrent_likes_are_all_counted(db: Database, make_account: MakeAccount) -> None:
    author = await make_account("popular")
    post = await service.create_post(db=db, author=author, text="like me")
    fans = [await make_account(f"fan{i}") for i in range(12)]
    await asyncio.gather(*(service.favourite(db=db, account=f, post_id=post.id) for f in fans))
    assert (await fetch(db, post.id)).favourites_count == 12


async def test_only_the_author_or_an_admin_deletes(db: Database, make_account: MakeAccount) -> None:
    author, other = await make_account("author"), await make_account("other")
    admin = await make_account("boss", role="admin")
    post = await service.create_post(db=db, author=author, text="first #edchat")
    reply = await service.create_post(db=db, author=other, text="reply", in_reply_to_id=post.id)
    await service.reblog(db=db, account=other, post_id=post.id)
    with pytest.raises(Forbidden):
        await service.delete_post(db=db, actor=other, post_id=post.id)
    await service.delete_post(db=db, actor=other, post_id=reply.id)
    assert (await fetch(db, post.id)).replies_count == 0
    await service.delete_post(db=db, actor=admin, post_id=post.id)
    gone = await fetch(db, post.id)
    assert gone.deleted_at is not None and gone.text == "" and gone.content_html == ""
    async with db.read() as session:
        assert (
            await timelines.tag_timeline(session, any_tags=["edchat"], page=timelines.Page()) == []
        )
        other_fresh = await session.get(Account, other.id)
    assert other_fresh is not None and other_fresh.statuses_count == 0, "reply and repost gone"
    with pytest.raises(NotFound):
        await service.delete_post(db=db, actor=admin, post_id=post.id)


async def test_every_change_is_an_event_with_a_gap_free_id(
    db: Database, make_account: MakeAccount
) -> None:
    author, fan = await make_account("writer"), await make_account("reader")
    post = await service.create_post(db=db, author=author, text="hello #writechat")
    await service.favourite(db=db, account=fan, post_id=post.id)
    await service.delete_post(db=db, actor=author, post_id=post.id)
    async with db.read() as session:
        events = list(await session.scalars(select(EventRow).order_by(EventRow.id)))
        streams = set(
            await session.scalars(select(EventStream.stream).where(EventStream.event_id == post.id))
        )
    # The like also notifies the author (notifications/posting.py), in the same transaction.
    assert [e.kind for e in events] == ["update", "status.update", "notification", "delete"]
    assert [e.id for e in events] == list(range(events[0].id, events[0].id + 4))
    assert events[0].id == post.id, "a post's id is the id of its update event"
    assert events[3].payload == str(post.id)
    assert streams == {"public", f"account:{author.id}", "tag:writechat"}


async def test_a_failed_write_gives_its_ids_back(db: Database, make_account: MakeAccount) -> None:
    author = await make_account("gapless")
    first = await service.create_post(db=db, author=author, text="one")
    with pytest.raises(Invalid):
        await service.create_post(db=db, author=author, text="two", in_reply_to_id=10**12)
    second = await service.create_post(db=db, author=author, text="three")
    assert second.id == first.id + 1
