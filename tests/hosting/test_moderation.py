"""Moderation in a chat's room: who may hide, mute, ban, slow down and lock; what bans, locks,
slow mode and mutes do to new posts (through the real POST /api/v1/statuses); the room without
hidden posts, the ``hide`` event on the stream, the audit log, and timed restrictions running
out."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from hashchat.accounts.models import Account
from hashchat.config import Settings
from hashchat.directory.models import Chat
from hashchat.errors import DomainError, Forbidden, Invalid, NotFound, RateLimited
from hashchat.hosting import moderation, timed_restrictions
from hashchat.hosting.models import ChatSession, HiddenPost, ModerationAction, RoomRestriction
from hashchat.jobs.reconciler import Reconciler
from hashchat.jobs.steps import default_steps
from hashchat.live.service import load_room
from hashchat.posts import service as posts
from hashchat.posts.batch import Created, Draft, TagCache, write_posts
from hashchat.posts.models import Post
from hashchat.realtime.models import EventRow
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.hosting.conftest import Crew, MakeSession, at
from tests.realtime.conftest import server, sse  # noqa: F401  (server: a fixture)

ROLES = ["host", "cohost", "moderator", "guest", "member", "admin"]
MODERATE = {"host", "cohost", "moderator", "admin"}
RUN = {"host", "cohost", "admin"}
MOD = "/api/v1/chats/HostChat/moderation"


async def say(client: httpx.AsyncClient, token: str, text: str) -> httpx.Response:
    """POST /api/v1/statuses with JSON and a bearer token: the fast path."""
    return await client.post("/api/v1/statuses", json={"status": text}, headers=auth(token))


async def room_ids(db: Database, tag: str = "HostChat") -> list[str]:
    async with db.read() as session:
        room = await load_room(session, tags=[tag], viewer_id=None, highlight=[])
    return [s["id"] for s in room.statuses]


async def audit(db: Database) -> list[tuple[str, int, int | None, int | None]]:
    async with db.read() as session:
        rows = await session.scalars(select(ModerationAction).order_by(ModerationAction.id))
        return [(r.action, r.actor_id, r.target_account_id, r.target_post_id) for r in rows]


async def count(db: Database, model: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_may_moderate_and_run_the_room_or_is_refused(
    role: str, client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    make_account: MakeAccount, token_for: Any,
) -> None:  # fmt: skip
    actor = crew.by_role(role)
    headers = auth(await token_for(actor))
    target = await make_account("target")
    post = await posts.create_post(db=db, author=target, text="A1: hello #HostChat")
    session_path = f"/api/v1/chats/sessions/{live_session.id}"
    moderate = [
        (f"{MOD}/statuses/{post.id}/hide", {}, f"{MOD}/statuses/{post.id}/unhide"),
        (f"{MOD}/accounts/{target.id}/mute", {"minutes": 10}, f"{MOD}/accounts/{target.id}/unmute"),
        (f"{MOD}/accounts/{target.id}/ban", {}, f"{MOD}/accounts/{target.id}/unban"),
    ]
    run = [
        (f"{session_path}/slow_mode", {"seconds": 30}, None),
        (f"{session_path}/lock", {}, f"{session_path}/unlock"),
    ]
    for capability, actions in (("moderate", moderate), ("run", run)):
        allowed = role in (MODERATE if capability == "moderate" else RUN)
        for path, body, undo in actions:
            done = await client.post(path, json=body, headers=headers)
            if not allowed:
                assert done.status_code == 403, (role, path, done.text)
                assert "only the chat's hosts" in done.json()["error"]
                continue
            assert done.status_code == 200, (role, path, done.text)
            if undo is not None:
                undone = await client.post(undo, json={}, headers=headers)
                assert undone.status_code == 200, (role, undo, undone.text)
    log = await audit(db)
    if role in RUN:
        assert [a for a, *_ in log] == [
            "hide", "unhide", "mute", "unmute", "ban", "unban", "slow_mode", "lock", "unlock"
        ]  # fmt: skip
    elif role in MODERATE:
        assert [a for a, *_ in log] == ["hide", "unhide", "mute", "unmute", "ban", "unban"]
    else:
        assert log == [], "a refused action changes nothing and is not logged"
    assert {actor_id for _, actor_id, *_ in log} <= {actor.id}
    assert await count(db, HiddenPost) == 0 and await count(db, RoomRestriction) == 0


async def test_moderators_cannot_act_on_hosts_and_nobody_on_themselves(
    db: Database, crew: Crew, chat: Chat, live_session: ChatSession
) -> None:
    host_post = await posts.create_post(db=db, author=crew.host, text="Q1: hi #HostChat")
    tag = chat.hashtag
    for kind in ("mute", "ban"):
        with pytest.raises(Forbidden, match="moderators cannot"):
            await moderation.restrict(
                db=db, actor=crew.moderator, tag=tag, kind=kind, account_id=crew.cohost.id
            )
        with pytest.raises(Forbidden, match="only an admin"):
            await moderation.restrict(
                db=db, actor=crew.host, tag=tag, kind=kind, account_id=crew.admin.id
            )
        with pytest.raises(Invalid, match="yourself") as caught:
            await moderation.restrict(
                db=db, actor=crew.moderator, tag=tag, kind=kind, account_id=crew.moderator.id
            )
        assert caught.value.field == "account_id"
    with pytest.raises(Forbidden, match="moderators cannot hide posts of the chat's hosts"):
        await moderation.hide_post(db=db, actor=crew.moderator, tag=tag, status_id=host_post.id)
    assert await audit(db) == []
    # A co-host is a host: they may mute the other host (hosts settle it among themselves).
    muted = await moderation.restrict(
        db=db, actor=crew.cohost, tag=tag, kind="mute", account_id=crew.host.id
    )
    assert muted["muted"] and muted["until"] is None


async def test_bad_input_gets_clear_errors_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    make_session: MakeSession, token_for: Any,
) -> None:  # fmt: skip
    headers = auth(await token_for(crew.host))
    elsewhere = await posts.create_post(db=db, author=crew.member, text="no tag here")
    ended = await make_session(start=-300, minutes=60)
    sessions = "/api/v1/chats/sessions"
    cases = [
        (f"{MOD}/accounts/{crew.member.id}/mute", {"minutes": 0}, 422, "minutes"),
        (f"{MOD}/accounts/{crew.member.id}/ban", {"minutes": "soon"}, 422, "minutes"),
        (f"{MOD}/accounts/{crew.member.id}/ban", {"minutes": 60 * 24 * 31}, 422, "minutes"),
        (f"{MOD}/accounts/999999/mute", {}, 404, "account_id"),
        (f"{MOD}/accounts/nobody/mute", {}, 404, "account_id"),
        (f"{MOD}/statuses/{elsewhere.id}/hide", {}, 422, "status_id"),
        (f"{MOD}/statuses/999999/hide", {}, 404, "status_id"),
        ("/api/v1/chats/NoSuchChat/moderation/statuses/1/hide", {}, 404, "hashtag"),
        (f"{sessions}/{live_session.id}/slow_mode", {"seconds": 3601}, 422, "seconds"),
        (f"{sessions}/{live_session.id}/slow_mode", {"seconds": -1}, 422, "seconds"),
        (f"{sessions}/{live_session.id}/slow_mode", {"seconds": "fast"}, 422, "seconds"),
        (f"{sessions}/{live_session.id}/slow_mode", {}, 422, "seconds"),
        (f"{sessions}/{ended.id}/lock", {}, 422, "state"),
        (f"{sessions}/424242/lock", {}, 404, "session_id"),
    ]
    for path, body, status, field in cases:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["field"] == field, (path, response.json())
        assert response.json()["error"]
    ban = await client.post(f"{MOD}/accounts/{crew.member.id}/ban", json={}, headers=headers)
    assert ban.status_code == 200 and ban.json()["banned"]
    wrong = await client.post(f"{MOD}/accounts/{crew.member.id}/unmute", json={}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "@memberly is banned, not muted"
    assert [a for a, *_ in await audit(db)] == ["ban"], "only the one good action is logged"
    async with db.read() as session:
        fresh = await session.get(ChatSession, live_session.id)
        assert fresh is not None and fresh.slow_mode_seconds == 0 and not fresh.locked
    anonymous = await client.post(f"{MOD}/accounts/{crew.member.id}/unban")
    assert anonymous.status_code == 401
    member = auth(await token_for(crew.member))
    assert (await client.get(f"{MOD}/restrictions", headers=member)).status_code == 403
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/v1/chats/{tag}/moderation/accounts/{account_id}/ban" in paths
    assert "/api/v1/chats/sessions/{session_id}/slow_mode" in paths


# -- what the rules do to posts ----------------------------------------------------------------


async def test_a_banned_person_cannot_post_with_the_chats_hashtag(
    client: httpx.AsyncClient, db: Database, crew: Crew, chat: Chat, token_for: Any
) -> None:
    token = await token_for(crew.member)
    await moderation.restrict(
        db=db, actor=crew.moderator, tag="hostchat", kind="ban", account_id=crew.member.id
    )
    before = await count(db, Post)
    for text in ("A1: me too #HostChat", "A1: sneaky #HOSTCHAT #other"):
        refused = await say(client, token, text)
        assert refused.status_code == 403, refused.text
        assert refused.json() == {"error": "you are banned from #HostChat", "field": "status"}
    form = await client.post(
        "/api/v1/statuses", data={"status": "by form #hostchat"}, headers=auth(token)
    )  # the FastAPI route, not the fast path
    assert form.status_code == 403 and form.json()["field"] == "status"
    assert await count(db, Post) == before, "nothing written"
    elsewhere = await say(client, token, "fine elsewhere #other")
    assert elsewhere.status_code == 200, "the ban is about this chat only"
    await moderation.lift(
        db=db, actor=crew.host, tag="HostChat", kind="ban", account_id=crew.member.id
    )
    assert (await say(client, token, "back #HostChat")).status_code == 200


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("host", True), ("cohost", True), ("moderator", True), ("guest", True), ("admin", True),
     ("member", False)],
)  # fmt: skip
async def test_in_a_locked_live_session_only_the_chats_people_post(
    role: str, allowed: bool, client: httpx.AsyncClient, db: Database, crew: Crew,
    live_session: ChatSession, token_for: Any,
) -> None:  # fmt: skip
    await moderation.set_locked(db=db, actor=crew.host, session_id=live_session.id, locked=True)
    response = await say(client, await token_for(crew.by_role(role)), "Q&A time #HostChat")
    if allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403
        assert response.json()["field"] == "status"
        assert "#HostChat is locked" in response.json()["error"]


async def test_a_session_guest_may_post_when_locked_and_a_lock_holds_only_while_live(
    client: httpx.AsyncClient, db: Database, crew: Crew, make_session: MakeSession,
    make_account: MakeAccount, token_for: Any,
) -> None:  # fmt: skip
    later = await make_session(start=120)
    await moderation.set_locked(db=db, actor=crew.host, session_id=later.id, locked=True)
    member = await token_for(crew.member)
    assert (await say(client, member, "before it starts #HostChat")).status_code == 200
    live = await make_session(start=-1)
    visitor = await make_account("visitor")
    from hashchat.hosting.sessions import update_details

    await update_details(db=db, actor=crew.host, session_id=live.id, guests=[visitor.handle])
    await moderation.set_locked(db=db, actor=crew.cohost, session_id=live.id, locked=True)
    assert (await say(client, member, "now? #HostChat")).status_code == 403
    assert (await say(client, await token_for(visitor), "hi all #HostChat")).status_code == 200
    await moderation.set_locked(db=db, actor=crew.cohost, session_id=live.id, locked=False)
    assert (await say(client, member, "now! #HostChat")).status_code == 200


async def test_slow_mode_answers_429_with_retry_after_and_spares_hosts_and_moderators(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    token_for: Any,
) -> None:  # fmt: skip
    await moderation.set_slow_mode(db=db, actor=crew.host, session_id=live_session.id, seconds=30)
    member = await token_for(crew.member)
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert (await say(client, member, "A1: first #HostChat")).status_code == 200
        clock.shift(10)
        second = await say(client, member, "A1: second #HostChat")
        assert second.status_code == 429
        assert second.headers["retry-after"] == "20"
        assert "#HostChat is in slow mode: one post every 30 seconds" in second.json()["error"]
        form = await client.post(
            "/api/v1/statuses", data={"status": "A1: form #hostchat"}, headers=auth(member)
        )
        assert form.status_code == 429 and form.headers["retry-after"] == "20"
        assert (await say(client, member, "other chat #other")).status_code == 200
        for exempt in (crew.host, crew.moderator, crew.admin):
            token = await token_for(exempt)
            assert (await say(client, token, "one #HostChat")).status_code == 200
            assert (await say(client, token, "two #HostChat")).status_code == 200
        guest = await token_for(crew.guest)
        assert (await say(client, guest, "guest one #HostChat")).status_code == 200
        assert (await say(client, guest, "guest two #HostChat")).status_code == 429
        clock.shift(21)
        assert (await say(client, member, "A1: later #HostChat")).status_code == 200
    await moderation.set_slow_mode(db=db, actor=crew.host, session_id=live_session.id, seconds=0)
    assert (await say(client, member, "off #HostChat")).status_code == 200
    assert (await say(client, member, "still off #HostChat")).status_code == 200


async def test_in_one_batch_each_refused_draft_gets_its_error_and_the_rest_are_written(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    banned = await make_account("banned")
    await moderation.restrict(
        db=db, actor=crew.host, tag="HostChat", kind="ban", account_id=banned.id
    )
    await moderation.set_slow_mode(db=db, actor=crew.host, session_id=live_session.id, seconds=60)

    def draft(author: Account, text: str) -> Draft:
        checked = posts.check_text(text)
        return Draft(author.id, checked.text, checked.entities)

    drafts = [
        draft(crew.member, "A1: mine #HostChat"),
        draft(banned, "A1: let me in #HostChat"),
        draft(crew.guest, "A1: a guest #HostChat"),
        draft(crew.member, "A1: again, at once #HostChat"),  # slow mode, within the batch
        draft(banned, "elsewhere #other"),
    ]
    async with db.write() as session:
        results = await write_posts(session, drafts, TagCache())
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Created", "Forbidden", "Created", "RateLimited", "Created"]
    assert isinstance(results[3], RateLimited) and results[3].retry_after == 60
    written = [r.post.id for r in results if isinstance(r, Created)]
    async with db.read() as session:
        texts = list(await session.scalars(select(Post.text).order_by(Post.id)))
    assert texts == ["A1: mine #HostChat", "A1: a guest #HostChat", "elsewhere #other"]
    assert written == sorted(written) and written[-1] - written[0] == 2, "ids stay gap-free"


async def test_reposts_into_the_room_follow_its_rules(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    original = await posts.create_post(db=db, author=crew.host, text="Q1: why? #HostChat")
    banned, muted = await make_account("banned"), await make_account("muted")
    for person, kind in ((banned, "ban"), (muted, "mute")):
        await moderation.restrict(
            db=db, actor=crew.moderator, tag="HostChat", kind=kind, account_id=person.id
        )
    before = await count(db, Post)
    with pytest.raises(Forbidden, match="you are banned from #HostChat"):
        await posts.reblog(db=db, account=banned, post_id=original.id)
    assert await count(db, Post) == before
    repost = await posts.reblog(db=db, account=muted, post_id=original.id)
    fan = await posts.reblog(db=db, account=crew.member, post_id=original.id)
    assert await room_ids(db) == [str(fan.id), str(original.id)]
    async with db.read() as session:
        hide = await session.scalar(select(EventRow).where(EventRow.kind == "hide"))
    assert hide is not None and hide.id == repost.id + 1
    assert json.loads(hide.payload) == {"status_id": str(repost.id), "chat": "HostChat"}


# -- hiding and muting, the room and its stream ------------------------------------------------


async def test_hidden_posts_and_reposts_of_them_leave_the_room_and_the_tag_timeline(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
) -> None:  # fmt: skip
    keep = await posts.create_post(db=db, author=crew.member, text="A1: kind #HostChat")
    rude = await posts.create_post(db=db, author=crew.member, text="A1: rude #HostChat")
    repost = await posts.reblog(db=db, account=crew.guest, post_id=rude.id)
    assert await room_ids(db) == [str(repost.id), str(rude.id), str(keep.id)]
    hidden = await moderation.hide_post(
        db=db, actor=crew.moderator, tag="#hostchat", status_id=str(rude.id)
    )
    assert hidden == {"chat": "HostChat", "status_id": str(rude.id), "hidden": True}
    assert await room_ids(db) == [str(keep.id)]
    again = await moderation.hide_post(db=db, actor=crew.host, tag="HostChat", status_id=rude.id)
    assert again["hidden"] and [a for a, *_ in await audit(db)] == ["hide"], "once is enough"
    timeline = await client.get("/api/v1/timelines/tag/HostChat")
    assert [s["id"] for s in timeline.json()] == [str(keep.id)], "one rule everywhere"
    await moderation.unhide_post(db=db, actor=crew.moderator, tag="HostChat", status_id=rude.id)
    assert await room_ids(db) == [str(repost.id), str(rude.id), str(keep.id)]
    assert await audit(db) == [
        ("hide", crew.moderator.id, crew.member.id, rude.id),
        ("unhide", crew.moderator.id, crew.member.id, rude.id),
    ]


async def test_while_muted_a_persons_posts_are_written_but_left_out_of_the_room(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    token_for: Any,
) -> None:  # fmt: skip
    token = await token_for(crew.member)
    other = await say(client, await token_for(crew.guest), "hello #HostChat")
    before = await say(client, token, "before #HostChat")
    await moderation.restrict(
        db=db, actor=crew.moderator, tag="HostChat", kind="mute", account_id=crew.member.id
    )
    assert await room_ids(db) == [other.json()["id"]], "what they said before goes too"
    during = await say(client, token, "while muted #HostChat")
    assert during.status_code == 200, "it is still their post"
    assert await room_ids(db) == [other.json()["id"]]
    async with db.read() as session:
        events = [(k, json.loads(p) if k == "hide" else None) for k, p in await session.execute(
            select(EventRow.kind, EventRow.payload).where(EventRow.id > int(before.json()["id"]))
            .order_by(EventRow.id))]  # fmt: skip
    assert events == [
        ("hide", {"status_id": before.json()["id"], "chat": "HostChat"}),  # open rooms drop it
        ("update", None),
        ("hide", {"status_id": during.json()["id"], "chat": "HostChat"}),  # right behind it
    ]
    timeline = await client.get("/api/v1/timelines/tag/HostChat")
    assert [s["id"] for s in timeline.json()] == [other.json()["id"]], "one rule everywhere"
    theirs = await client.get("/api/v1/timelines/tag/HostChat", headers=auth(token))
    assert during.json()["id"] in [s["id"] for s in theirs.json()], "its author still sees it"
    await moderation.lift(db=db, actor=crew.moderator, tag="HostChat", kind="mute",
                          account_id=crew.member.id)  # fmt: skip
    after = await say(client, token, "A1: unmuted #HostChat")
    assert await room_ids(db) == [
        after.json()["id"], during.json()["id"], before.json()["id"], other.json()["id"]
    ]  # fmt: skip
    assert [a for a, *_ in await audit(db)] == ["mute", "unmute"]


async def test_a_hide_event_reaches_open_rooms_and_a_resuming_room_replays_it(
    server: str, db: Database, crew: Crew, live_session: ChatSession,  # noqa: F811
) -> None:  # fmt: skip
    seen = await posts.create_post(db=db, author=crew.member, text="one #HostChat")
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=hostchat") as stream:
        rude = await posts.create_post(db=db, author=crew.member, text="rude #HostChat")
        assert (await stream.until("update")).id == str(rude.id)
        await moderation.hide_post(db=db, actor=crew.host, tag="HostChat", status_id=rude.id)
        hide = await stream.until("hide")
        assert json.loads(hide.data) == {"status_id": str(rude.id), "chat": "HostChat"}
        assert hide.id is not None and int(hide.id) > rude.id
    headers = {"Last-Event-ID": str(seen.id)}
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=HostChat", headers=headers) as stream:
        replayed = [await stream.next(), await stream.next()]
        assert [(e.event, e.id) for e in replayed] == [("update", str(rude.id)), ("hide", hide.id)]


async def test_unhiding_and_unmuting_tell_open_rooms_to_show_the_posts_again(
    server: str, db: Database, crew: Crew, live_session: ChatSession,  # noqa: F811
) -> None:  # fmt: skip
    rude = await posts.create_post(db=db, author=crew.member, text="rude #HostChat")
    repost = await posts.reblog(db=db, account=crew.guest, post_id=rude.id)
    loud = await posts.create_post(db=db, author=crew.guest, text="LOUD #HostChat")
    await moderation.hide_post(db=db, actor=crew.host, tag="HostChat", status_id=rude.id)
    await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="mute",
                              account_id=crew.guest.id)  # fmt: skip
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=hostchat") as stream:
        await moderation.unhide_post(db=db, actor=crew.host, tag="HostChat", status_id=rude.id)
        back = await stream.until("unhide")
        payload = json.loads(back.data)
        assert (payload["status_id"], payload["chat"]) == (str(rude.id), "HostChat")
        assert payload["status"]["id"] == str(rude.id) and "rude" in payload["status"]["content"]
        # The guest's repost of it stays out while the guest is muted; unmuting brings back
        # both of their posts, each with its Status.
        await moderation.lift(db=db, actor=crew.host, tag="HostChat", kind="mute",
                              account_id=crew.guest.id)  # fmt: skip
        shown = [json.loads((await stream.until("unhide")).data)["status_id"] for _ in "ab"]
        assert shown == [str(repost.id), str(loud.id)]
    assert await room_ids(db) == [str(loud.id), str(repost.id), str(rude.id)]


# -- the audit log -----------------------------------------------------------------------------


async def test_the_audit_log_is_for_hosts_and_moderators_newest_first_and_paged(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    token_for: Any,
) -> None:  # fmt: skip
    rude = await posts.create_post(db=db, author=crew.member, text="rude #HostChat")
    await moderation.hide_post(db=db, actor=crew.moderator, tag="HostChat", status_id=rude.id)
    await moderation.restrict(db=db, actor=crew.moderator, tag="HostChat", kind="mute",
                              account_id=crew.member.id, minutes=15)  # fmt: skip
    await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="ban",
                              account_id=crew.member.id)  # fmt: skip
    await moderation.set_slow_mode(db=db, actor=crew.host, session_id=live_session.id, seconds=45)
    await moderation.set_locked(db=db, actor=crew.cohost, session_id=live_session.id, locked=True)
    log = await client.get(f"{MOD}/log", headers=auth(await token_for(crew.moderator)))
    assert log.status_code == 200, log.text
    entries = log.json()
    assert [e["action"] for e in entries] == ["lock", "slow_mode", "ban", "mute", "hide"]
    lock, slow, ban, mute, hide = entries
    assert lock["actor"]["acct"] == "cohostess" and lock["session_id"] == str(live_session.id)
    assert slow["detail"] == "45 seconds"
    assert ban["target_account"]["acct"] == "memberly" and ban["detail"] == "until lifted"
    assert mute["detail"] == "for 15 minutes" and mute["actor"]["acct"] == "modesty"
    assert hide["target_status_id"] == str(rude.id) and hide["chat"] == "HostChat"
    assert hide["session_id"] == str(live_session.id), "taken while the session was live"
    host = auth(await token_for(crew.host))
    first = await client.get(f"{MOD}/log?limit=2", headers=host)
    assert [e["action"] for e in first.json()] == ["lock", "slow_mode"]
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    rest = await client.get(next_url.replace("http://testserver", ""), headers=host)
    assert [e["action"] for e in rest.json()] == ["ban", "mute"]
    for role in ("guest", "member"):
        refused = await client.get(f"{MOD}/log", headers=auth(await token_for(crew.by_role(role))))
        assert refused.status_code == 403
    bad = await client.get(f"{MOD}/log?max_id=x", headers=host)
    assert bad.status_code == 422 and bad.json()["field"] == "max_id"


# -- time --------------------------------------------------------------------------------------


async def test_timed_mutes_and_bans_run_out(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    make_account: MakeAccount, token_for: Any,
) -> None:  # fmt: skip
    loud = await make_account("loud")
    loud_token, member = await token_for(loud), await token_for(crew.member)
    host = auth(await token_for(crew.host))
    with time_machine.travel(utcnow(), tick=False) as clock:
        muted = await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="mute",
                                          account_id=loud.id, minutes=10)  # fmt: skip
        assert muted["until"] is not None
        await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="ban",
                                  account_id=crew.member.id, minutes=5)  # fmt: skip
        hidden = await say(client, loud_token, "LOUD #HostChat")
        listed = await client.get(f"{MOD}/restrictions", headers=host)
        assert sorted((r["account"]["acct"], r["banned"], r["until"]) for r in listed.json()) == [
            ("loud", False, muted["until"]),
            ("memberly", True, at(utcnow() + timedelta(minutes=5))),
        ]
        assert (await say(client, member, "let me #HostChat")).status_code == 403
        clock.shift(timedelta(minutes=5, seconds=1))
        allowed = await say(client, member, "I'm back #HostChat")
        assert allowed.status_code == 200
        still = await say(client, loud_token, "STILL LOUD #HostChat")
        assert not {hidden.json()["id"], still.json()["id"]} & set(await room_ids(db))
        clock.shift(timedelta(minutes=5))
        heard = await say(client, loud_token, "quieter now #HostChat")
        ids = await room_ids(db)
        assert {heard.json()["id"], allowed.json()["id"]} <= set(ids)
        assert {hidden.json()["id"], still.json()["id"]} <= set(ids), "back once it ran out"
        listed = await client.get(f"{MOD}/restrictions", headers=host)
        assert listed.json() == [], "both ran out"
        # Lifting what has run out changes nothing and is not logged.
        await moderation.lift(db=db, actor=crew.host, tag="HostChat", kind="mute",
                              account_id=loud.id)  # fmt: skip
    assert [a for a, *_ in await audit(db)] == ["mute", "ban"]


async def test_a_timed_mute_that_runs_out_brings_the_posts_back_to_open_rooms_once(
    server: str, db: Database, settings: Settings, crew: Crew, live_session: ChatSession,  # noqa: F811
    make_account: MakeAccount,
) -> None:  # fmt: skip
    loud, forever = await make_account("loud"), await make_account("forever")
    said = await posts.create_post(db=db, author=loud, text="LOUD #HostChat")
    repost = await posts.reblog(db=db, account=loud, post_id=said.id)
    start = utcnow()
    muted = await moderation.restrict(db=db, actor=crew.moderator, tag="HostChat", kind="mute",
                                      account_id=loud.id, minutes=10)  # fmt: skip
    await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="ban",
                              account_id=crew.member.id, minutes=5)  # fmt: skip
    await moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="mute",
                              account_id=forever.id)  # until lifted  # fmt: skip
    reconciler = Reconciler(db, settings, default_steps())
    step = "hosting.end_timed_restrictions"
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=hostchat") as stream:
        # Six minutes on: the ban has run out (logged, nothing for rooms); the reconciler is
        # to wake when the mute ends.
        outcome = await reconciler.run_once(start + timedelta(minutes=6), strict=True)
        assert reconciler.last[step] == 1
        assert outcome.wake_at is not None and at(outcome.wake_at) == muted["until"]
        # Eleven: the mute has too. Two passes at once (two processes) end it once.
        later = start + timedelta(minutes=11)
        ended = await asyncio.gather(*(timed_restrictions.end_due(db=db, now=later) for _ in "ab"))
        assert sorted(n for n, _ in ended) == [0, 1]
        assert {wake for _, wake in ended} == {None}, "a mute until lifted never runs out"
        shown = [json.loads((await stream.until("unhide")).data) for _ in "ab"]
        assert [s["status_id"] for s in shown] == [str(said.id), str(repost.id)]
        assert all(s["chat"] == "HostChat" and s["status"]["id"] == s["status_id"] for s in shown)
    async with db.read() as session:
        kinds = list(await session.scalars(select(EventRow.kind).where(EventRow.id > repost.id)))
        left = list(await session.scalars(select(RoomRestriction.account_id)))
        log = list(await session.scalars(select(ModerationAction).order_by(ModerationAction.id)))
    assert kinds.count("unhide") == 2, "told once, not once per process"
    assert left == [forever.id]
    assert [(r.action, r.actor_id, r.target_account_id, r.detail) for r in log[-2:]] == [
        ("unban", crew.host.id, crew.member.id, "ran out"),
        ("unmute", crew.moderator.id, loud.id, "ran out"),
    ]
    assert (await reconciler.run_once(later, strict=True)).moved == 0
    assert {str(said.id), str(repost.id)} <= set(await room_ids(db))


async def test_bad_values_are_refused_by_the_service_before_any_write(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    cases: list[tuple[Any, type[DomainError]]] = [
        (moderation.restrict(db=db, actor=crew.host, tag="HostChat", kind="mute",
                             account_id=crew.member.id, minutes=True), Invalid),
        (moderation.set_slow_mode(db=db, actor=crew.host, session_id="x", seconds=5), NotFound),
        (moderation.hide_post(db=db, actor=crew.host, tag="HostChat", status_id="-3"), NotFound),
    ]  # fmt: skip
    for call, error in cases:
        with pytest.raises(error):
            await call
    assert await audit(db) == []
