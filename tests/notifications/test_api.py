"""Notifications in Mastodon's shape: paging, type filters, one, dismiss, clear, read markers
and the unread count; each one also an event on the person's ``user:`` stream."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from sqlalchemy import select

from hashchat.accounts.models import Account
from hashchat.notifications import service
from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth, csrf_from


async def notify(
    db: Database, recipient: Account, text: str, type: str = "chat.reminder", **extra: Any
) -> int:
    async with db.write() as session:
        made = await service.notify(session, recipient=recipient, type=type, text=text, **extra)
    return made.id


async def test_list_page_filter_and_read_one(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    fan = await make_account("fan")
    host = await make_account("maya")
    other = await make_account("other")
    ids = [await notify(db, fan, f"reminder {i}", from_account=host) for i in range(3)]
    health = await notify(db, fan, "may be inactive", type="chat.inactive")
    await notify(db, other, "not yours")
    token = auth(await token_for(fan))
    listed = await client.get("/api/v1/notifications?limit=2&types[]=chat.*", headers=token)
    assert (await client.get("/api/v1/notifications", headers=token)).json() == []
    body = listed.json()
    assert [n["id"] for n in body] == [str(health), str(ids[2])]
    assert body[0]["type"] == "chat.inactive" and body[0]["account"]["username"] == "fan"
    assert body[1]["account"]["username"] == "maya" and body[1]["text"] == "reminder 2"
    assert body[1]["status"] is None and body[1]["created_at"].endswith("Z")
    assert (
        f"max_id={ids[2]}" in listed.headers["link"]
        and f"min_id={health}" in listed.headers["link"]
    )
    older = (
        await client.get(f"/api/v1/notifications?max_id={ids[2]}&types[]=chat.*", headers=token)
    ).json()
    assert [n["id"] for n in older] == [str(ids[1]), str(ids[0])]
    newer = (
        await client.get(
            f"/api/v1/notifications?min_id={ids[0]}&limit=1&types[]=chat.*", headers=token
        )
    ).json()
    assert [n["id"] for n in newer] == [str(ids[1])]
    only = (await client.get("/api/v1/notifications?types[]=chat.inactive", headers=token)).json()
    assert [n["id"] for n in only] == [str(health)]
    without = (
        await client.get(
            "/api/v1/notifications?types[]=chat.*&exclude_types[]=chat.inactive", headers=token
        )
    ).json()
    assert len(without) == 3
    one = await client.get(f"/api/v1/notifications/{ids[0]}", headers=token)
    assert one.json()["text"] == "reminder 0"
    others = auth(await token_for(other))
    assert (await client.get(f"/api/v1/notifications/{ids[0]}", headers=others)).status_code == 404
    assert (await client.get("/api/v1/notifications")).status_code == 401
    bad = await client.get("/api/v1/notifications?max_id=abc", headers=token)
    assert bad.status_code == 422 and "notification id" in bad.json()["error"]


async def test_each_notification_is_an_event_on_the_persons_stream(
    db: Database, make_account: MakeAccount
) -> None:
    fan = await make_account("fan")
    made = await notify(db, fan, "hello")
    async with db.read() as session:
        event = await session.get(EventRow, made)
        streams = list(
            await session.scalars(select(EventStream.stream).where(EventStream.event_id == made))
        )
    # hashchat's own types have their own event: Mastodon clients only know "notification"
    assert event is not None and event.kind == "chat.notification"
    assert streams == [f"user:{fan.id}"]
    assert orjson.loads(event.payload)["text"] == "hello"


async def test_dismiss_clear_markers_and_unread_count(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    fan = await make_account("fan")
    ids = [await notify(db, fan, f"n{i}") for i in range(4)]
    token = auth(await token_for(fan))
    unread = "/api/v1/notifications/unread_count?types[]=chat.*"
    assert (await client.get(unread, headers=token)).json() == {"count": 4}
    mastodon_only = "/api/v1/notifications/unread_count"
    assert (await client.get(mastodon_only, headers=token)).json() == {"count": 0}
    saved = await client.post(
        "/api/v1/markers", json={"notifications": {"last_read_id": str(ids[1])}}, headers=token
    )
    assert saved.json()["notifications"]["last_read_id"] == str(ids[1])
    backwards = await client.post(
        "/api/v1/markers", data={"notifications[last_read_id]": str(ids[0])}, headers=token
    )
    assert backwards.json()["notifications"]["last_read_id"] == str(ids[1])  # never back
    markers = (await client.get("/api/v1/markers?timeline[]=notifications", headers=token)).json()
    assert markers["notifications"]["version"] == 1
    assert (await client.get(unread, headers=token)).json() == {"count": 2}
    assert (
        await client.post(f"/api/v1/notifications/{ids[3]}/dismiss", headers=token)
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/notifications/{ids[3]}/dismiss", headers=token)
    ).status_code == 404
    every = "/api/v1/notifications?types[]=chat.*"
    assert len((await client.get(every, headers=token)).json()) == 3
    assert (await client.post("/api/v1/notifications/clear", headers=token)).json() == {}
    assert (await client.get(every, headers=token)).json() == []


async def test_the_notifications_page(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    fan = await make_account("fan")
    first = await notify(db, fan, "#writechat starts in 15 minutes <b>now</b>")
    await notify(db, fan, "#oldchat may be inactive", type="chat.inactive")
    assert (await client.get("/notifications")).headers["location"] == "/login?next=/notifications"
    page = await client.get("/login")
    await client.post(
        "/login",
        data={
            "login": "fan",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    page = await client.get("/notifications")
    csrf = csrf_from(page.text)
    assert "&lt;b&gt;now&lt;/b&gt;" in page.text and "<b>now</b>" not in page.text
    assert page.text.count("dir-notification unread") == 2
    assert "data-unread hidden" in page.text  # the count is filled in by the page's script
    await client.post(
        "/notifications/read", data={"last_read_id": str(first + 1000), "csrf_token": csrf}
    )
    assert "dir-notification unread" not in (await client.get("/notifications")).text
    await client.post(f"/notifications/{first}/dismiss", data={"csrf_token": csrf})
    assert "#writechat starts" not in (await client.get("/notifications")).text
    await client.post("/notifications/clear", data={"csrf_token": csrf})
    assert "Nothing yet" in (await client.get("/notifications")).text
