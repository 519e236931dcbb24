"""Chat health: each occurrence's posts are counted once its window has passed; three quiet
occurrences in a row flag the chat "may be inactive" and tell its hosts once; activity or a
host's confirmation clears the flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.config import Settings
from hashchat.directory import health, hosts, service
from hashchat.directory.models import Chat, ChatOccurrence
from hashchat.jobs.reconciler import Reconciler
from hashchat.jobs.steps import default_steps
from hashchat.notifications.models import Notification
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY, MakeChat

# Wednesdays 20:00 New York = Thursdays 01:00 UTC until 8 March, then 00:00.
WEEKS = [datetime(2026, 2, 26, 1, tzinfo=UTC) + timedelta(days=7 * i) for i in range(2)]
WEEKS += [datetime(2026, 3, 12, 0, tzinfo=UTC) + timedelta(days=7 * i) for i in range(6)]


async def post_at(db: Database, author: Account, text: str, at: datetime) -> Post:
    post = await posts.create_post(db=db, author=author, text=text)
    async with db.write() as session:
        await session.execute(update(Post).where(Post.id == post.id).values(created_at=at))
    return post


async def counts(db: Database, chat: Chat) -> list[int | None]:
    async with db.read() as session:
        rows = await session.scalars(
            select(ChatOccurrence.posts_count)
            .where(ChatOccurrence.chat_id == chat.id)
            .order_by(ChatOccurrence.starts_at)
        )
        return list(rows)


async def fresh(db: Database, chat: Chat) -> Chat:
    async with db.read() as session:
        found = await session.get(Chat, chat.id)
    assert found is not None
    return found


async def notifications(db: Database) -> list[tuple[int, str]]:
    async with db.read() as session:
        rows = await session.execute(
            select(Notification.account_id, Notification.type)
            .where(Notification.type != "chat.host_invited")
            .order_by(Notification.id)
        )
        return [(a, t) for a, t in rows]


async def test_posts_are_counted_per_occurrence_window(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    fan = await make_account("fan")
    chat = await make_chat(host, hashtag="WriteChat", duration_minutes=60)
    first = WEEKS[0]
    await post_at(db, host, "Q1 starting early #writechat", first - timedelta(minutes=10))
    await post_at(db, fan, "A1 #WRITECHAT", first + timedelta(minutes=20))
    answer = await post_at(db, fan, "A2 late but counted #WriteChat", first + timedelta(minutes=80))
    await post_at(db, fan, "too late #writechat", first + timedelta(minutes=95))
    await post_at(db, fan, "too early #writechat", first - timedelta(minutes=20))
    await post_at(db, fan, "another chat #edchat", first + timedelta(minutes=10))
    gone = await post_at(db, fan, "deleted #writechat", first + timedelta(minutes=5))
    await posts.delete_post(db=db, actor=fan, post_id=gone.id)
    await posts.reblog(db=db, account=host, post_id=answer.id)  # a repost is not a new post
    async with db.write() as session:
        await session.execute(
            update(Post).where(Post.reblog_of_id == answer.id).values(created_at=first)
        )
    jobs = Reconciler(db, settings, default_steps())
    await jobs.run_once(first + timedelta(minutes=60), strict=True)
    assert (await counts(db, chat))[0] is None  # the window (+30 minutes) has not passed
    await jobs.run_once(first + timedelta(minutes=90), strict=True)
    assert (await counts(db, chat))[:2] == [3, None]
    async with db.read() as session:
        recent = await health.recent(session, chat)
    assert [(o.posts_count, o.participants_count) for o in recent] == [(3, 2)]


async def test_three_quiet_occurrences_flag_the_chat_and_tell_its_hosts_once(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    cohost = await make_account("lena")
    fan = await make_account("fan")
    chat = await make_chat(host, hosts="@maya @lena")
    await hosts.answer(db=db, account=cohost, tag="chat1", accept=True)  # lena agreed to co-host
    jobs = Reconciler(db, settings, default_steps())
    await post_at(db, fan, "busy night #chat1 " + "x", WEEKS[0] + timedelta(minutes=5))
    for i in range(3):
        await post_at(db, fan, f"A{i} #chat1", WEEKS[0] + timedelta(minutes=10 + i))
    await post_at(db, fan, "only two #chat1", WEEKS[1] + timedelta(minutes=5))
    await post_at(db, fan, "only two, again #chat1", WEEKS[1] + timedelta(minutes=6))
    # 26 Feb busy; 5 and 12 March quiet: not yet three in a row.
    await jobs.run_once(WEEKS[2] + timedelta(hours=2), strict=True)
    assert (await counts(db, chat))[:3] == [4, 2, 0]
    assert (await fresh(db, chat)).inactive_since is None
    # 19 March quiet too: the last three were quiet.
    flagged_at = WEEKS[3] + timedelta(hours=2)
    await jobs.run_once(flagged_at, strict=True)
    assert (await fresh(db, chat)).inactive_since == flagged_at
    assert await notifications(db) == [(host.id, "chat.inactive"), (cohost.id, "chat.inactive")]
    async with db.read() as session:
        text = await session.scalar(
            select(Notification.text).where(Notification.type == "chat.inactive").limit(1)
        )
    assert text == (
        "#chat1 may be inactive: its last 3 occurrences had 2 posts or fewer. "
        "Confirm it is active, pause it or retire it."
    )
    # Another quiet week: still flagged, nobody told twice.
    await jobs.run_once(WEEKS[4] + timedelta(hours=2), strict=True)
    assert len(await notifications(db)) == 2
    # A busy occurrence clears the flag by itself.
    for i in range(3):
        await post_at(db, fan, f"back! {i} #chat1", WEEKS[5] + timedelta(minutes=i))
    await jobs.run_once(WEEKS[5] + timedelta(hours=2), strict=True)
    assert (await fresh(db, chat)).inactive_since is None


async def test_a_host_confirms_it_is_active_and_only_later_quiet_counts(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    chat = await make_chat(host)
    jobs = Reconciler(db, settings, default_steps())
    await jobs.run_once(WEEKS[2] + timedelta(hours=2), strict=True)
    assert (await fresh(db, chat)).inactive_since is not None
    confirmed = WEEKS[2] + timedelta(hours=3)
    await service.confirm_active(db=db, actor=host, tag="chat1", now=confirmed)
    assert (await fresh(db, chat)).inactive_since is None
    await jobs.run_once(WEEKS[4] + timedelta(hours=2), strict=True)  # two quiet since
    assert (await fresh(db, chat)).inactive_since is None
    await jobs.run_once(WEEKS[5] + timedelta(hours=2), strict=True)  # the third
    assert (await fresh(db, chat)).inactive_since == WEEKS[5] + timedelta(hours=2)
    assert [t for _, t in await notifications(db)] == ["chat.inactive", "chat.inactive"]


async def test_only_occurrences_after_listing_count_and_admins_hear_of_hostless_chats(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    admin = await make_account("root", role="admin")
    listed_later = MONDAY + timedelta(days=14)  # after the occurrences of 25 Feb and 4 March
    chat = await make_chat(None, hashtag="nohostchat", starts_on="2026-01-01", now=listed_later)
    from hashchat.directory import occurrences

    async with db.write() as session:  # its history, as an import might have it
        current = await session.get(Chat, chat.id)
        assert current is not None
        schedule = await occurrences.load_schedule(session, current)
        await occurrences.backfill(session, current, schedule, since=MONDAY, now=listed_later)
    jobs = Reconciler(db, settings, default_steps())
    await jobs.run_once(WEEKS[3] + timedelta(hours=2), strict=True)
    # Four quiet occurrences counted, but only two after it was listed: no flag yet.
    assert (await counts(db, chat))[:4] == [0, 0, 0, 0]
    assert (await fresh(db, chat)).inactive_since is None
    await jobs.run_once(WEEKS[4] + timedelta(hours=2), strict=True)
    assert (await fresh(db, chat)).inactive_since is not None
    assert await notifications(db) == [(admin.id, "chat.inactive")]


async def test_health_in_the_api_and_pausing_a_flagged_chat(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    chat = await make_chat(host)
    await Reconciler(db, settings, default_steps()).run_once(
        WEEKS[2] + timedelta(hours=2), strict=True
    )
    assert health.health_status(await fresh(db, chat)) == "inactive"
    await service.set_status(
        db=db, actor=host, tag="chat1", status="paused", now=WEEKS[2] + timedelta(hours=3)
    )
    assert health.health_status(await fresh(db, chat)) == "paused"
