"""The chats API: listing, searching, the agenda, follows, occurrences, review, import and
export, with its errors (a 409 that links to the existing listing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import time_machine

from tests.conftest import MakeAccount, auth, csrf_from
from tests.directory.conftest import MONDAY

CHAT = {
    "hashtag": "#WriteChat",
    "title": "Writers' chat",
    "description": "Bring **one** line.",
    "topics": ["writing", "fiction"],
    "language": "en",
    "starts_on": "2026-02-23",
    "start_time": "20:00",
    "time_zone": "America/New_York",
    "duration_minutes": 60,
    "repeat": "weekly",
    "weekday": "WE",
}


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
async def host(make_account: MakeAccount, token_for: Any) -> dict[str, str]:
    return auth(await token_for(await make_account("maya", time_zone="Europe/London")))


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **extra: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/chats", json={**CHAT, **extra}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_list_a_chat_and_read_it_back(
    client: httpx.AsyncClient, host: dict[str, str]
) -> None:
    response = await client.post("/api/v1/chats", json=CHAT, headers=host)
    assert response.status_code == 201
    chat = response.json()
    assert response.headers["location"] == chat["url"] == "http://testserver/chats/WriteChat"
    assert chat["ics_url"] == "http://testserver/chats/WriteChat.ics"
    assert chat["description_html"] == "<p>Bring <strong>one</strong> line.</p>\n"
    assert chat["topics"] == ["writing", "fiction"]
    assert chat["hosts"][0]["role"] == "host" and chat["hosts"][0]["account"]["username"] == "maya"
    assert chat["schedule"] == {
        "starts_on": "2026-02-25",
        "start_time": "20:00",
        "time_zone": "America/New_York",
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY;BYDAY=WE",
        "repeat": "weekly",
        "weekday": "WE",
        "nth": None,
        "text": "Every Wednesday, 20:00–21:00 America/New_York (1 hour)",
        "skipped": [],
        "moved": [],
    }
    # in the viewer's zone (the profile's, Europe/London), and any other asked for
    assert chat["next_occurrence"]["viewer_start"] == "2026-02-26T01:00+00:00"
    assert chat["next_occurrence"]["local_start"] == "2026-02-25T20:00-05:00"
    tokyo = (await client.get("/api/v1/chats/writechat?tz=Asia/Tokyo")).json()
    assert tokyo["next_occurrence"]["viewer_start"] == "2026-02-26T10:00+09:00"
    assert tokyo["health"] == {"status": "ok", "inactive_since": None, "recent": []}
    assert tokyo["notes"] == [] and "following" not in tokyo  # no viewer: no viewer state
    form = await client.post(
        "/api/v1/chats",
        data={**CHAT, "hashtag": "formchat", "topics": "a, b", "repeat": "monthly", "nth": "-1"},
        headers=host,
    )
    assert form.status_code == 201, form.text
    assert form.json()["schedule"]["text"].startswith("Monthly on the last Wednesday")


async def test_errors_name_the_field_and_a_listed_hashtag_links_to_its_listing(
    client: httpx.AsyncClient, host: dict[str, str], make_account: MakeAccount, token_for: Any
) -> None:
    await create(client, host)
    taken = await client.post("/api/v1/chats", json={**CHAT, "hashtag": "writechat"}, headers=host)
    assert taken.status_code == 409
    assert taken.json() == {
        "error": "#WriteChat is already listed",
        "field": "hashtag",
        "url": "http://testserver/chats/WriteChat",
    }
    cases = [
        ({"time_zone": "America/Gotham"}, 422, "time_zone"),
        ({"duration_minutes": 1500}, 422, "duration_minutes"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"}, 422, "rrule"),
        ({"start_time": "noon-ish"}, 422, "start_time"),
        ({"repeat": "yearly"}, 422, "repeat"),
        ({"hashtag": None}, 422, "hashtag"),
    ]
    for extra, status, field in cases:
        body = {**CHAT, "hashtag": "otherchat", **extra}
        body = {k: v for k, v in body.items() if v is not None}
        response = await client.post("/api/v1/chats", json=body, headers=host)
        assert (response.status_code, response.json()["field"]) == (status, field), extra
    assert (await client.post("/api/v1/chats", json=CHAT)).status_code == 401
    reader = auth(await token_for(await make_account("reader"), scopes="read"))
    assert (await client.post("/api/v1/chats", json=CHAT, headers=reader)).status_code == 403
    listed = await client.get("/api/v1/chats")
    assert [c["hashtag"] for c in listed.json()] == ["WriteChat"]  # nothing else was written
    assert (await client.get("/api/v1/chats/nosuchchat")).status_code == 404


async def test_search_and_paging(client: httpx.AsyncClient, host: dict[str, str]) -> None:
    await create(client, host)
    await create(
        client,
        host,
        hashtag="ukchat",
        title="UK chat",
        time_zone="Europe/London",
        topics=["education"],
    )
    await create(
        client,
        host,
        hashtag="tokyochat",
        title="Tokyo",
        time_zone="Asia/Tokyo",
        topics=["education"],
    )
    found = await client.get("/api/v1/chats?topic=education&limit=1")
    assert found.headers["x-total-count"] == "2"
    assert [c["hashtag"] for c in found.json()] == ["tokyochat"]  # the soonest first
    assert 'rel="next"' in found.headers["link"] and "offset=1" in found.headers["link"]
    second = await client.get("/api/v1/chats?topic=education&limit=1&offset=1")
    assert [c["hashtag"] for c in second.json()] == ["ukchat"] and "link" not in second.headers
    night = await client.get("/api/v1/chats?tz=Europe/London&days=wed&time=night")
    assert [c["hashtag"] for c in night.json()] == ["WriteChat"]
    assert (await client.get("/api/v1/chats?q=writers")).json()[0]["hashtag"] == "WriteChat"
    bad = await client.get("/api/v1/chats?days=caturday")
    assert (bad.status_code, bad.json()["field"]) == (422, "days")


async def test_the_agenda(client: httpx.AsyncClient, host: dict[str, str]) -> None:
    await create(client, host)
    agenda = (await client.get("/api/v1/chats/agenda?tz=Europe/London&start=2026-03-09")).json()
    assert agenda["start"] == "2026-03-09" and agenda["time_zone"] == "Europe/London"
    assert [d["date"] for d in agenda["days"]][:2] == ["2026-03-09", "2026-03-10"]
    thursday = agenda["days"][3]
    assert thursday["date"] == "2026-03-12"
    assert [(o["chat"]["hashtag"], o["viewer_start"]) for o in thursday["occurrences"]] == [
        ("WriteChat", "2026-03-12T00:00+00:00")
    ]
    default = (await client.get("/api/v1/chats/agenda", headers=host)).json()
    assert default["start"] == "2026-02-23" and default["total"] == 1


async def test_edit_pause_and_change_occurrences(
    client: httpx.AsyncClient, host: dict[str, str], make_account: MakeAccount, token_for: Any
) -> None:
    await create(client, host)
    edited = await client.patch(
        "/api/v1/chats/writechat", json={"title": "Writers", "start_time": "21:00"}, headers=host
    )
    assert edited.status_code == 200 and edited.json()["title"] == "Writers"
    assert edited.json()["schedule"]["start_time"] == "21:00"
    stranger = auth(await token_for(await make_account("stranger")))
    assert (
        await client.patch("/api/v1/chats/writechat", json={"title": "x"}, headers=stranger)
    ).status_code == 403
    skipped = await client.post("/api/v1/chats/writechat/occurrences/2026-02-25/skip", headers=host)
    assert skipped.json()["schedule"]["skipped"] == ["2026-02-25"]
    moved = await client.post(
        "/api/v1/chats/writechat/occurrences/2026-03-04/move",
        json={"to": "2026-03-05T20:00"},
        headers=host,
    )
    assert moved.json()["schedule"]["moved"] == [{"date": "2026-03-04", "to": "2026-03-05T20:00"}]
    listing = (
        await client.get("/api/v1/chats/writechat/occurrences?tz=America/New_York&to=2026-03-12")
    ).json()
    assert [(o["date"], o["viewer_start"], o["moved"]) for o in listing] == [
        ("2026-03-04", "2026-03-05T20:00-05:00", True),
        ("2026-03-11", "2026-03-11T21:00-04:00", False),
    ]
    restored = await client.post(
        "/api/v1/chats/writechat/occurrences/2026-03-04/restore", headers=host
    )
    assert restored.json()["schedule"]["moved"] == []
    bad = await client.post("/api/v1/chats/writechat/occurrences/2026-03-05/skip", headers=host)
    assert (bad.status_code, bad.json()["field"]) == (422, "date")
    paused = await client.post(
        "/api/v1/chats/writechat/status", json={"status": "paused"}, headers=host
    )
    assert paused.json()["status"] == "paused" and paused.json()["next_occurrence"] is None
    assert (await client.get("/api/v1/chats/writechat/occurrences")).json() == []
    wrong = await client.post(
        "/api/v1/chats/writechat/status", json={"status": "gone"}, headers=host
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "status"


async def test_follow_with_a_reminder(
    client: httpx.AsyncClient, host: dict[str, str], make_account: MakeAccount, token_for: Any
) -> None:
    await create(client, host)
    fan = auth(await token_for(await make_account("fan")))
    followed = await client.post(
        "/api/v1/chats/writechat/follow", json={"remind_minutes": 30}, headers=fan
    )
    assert followed.json()["following"] == {"remind_minutes": 30, "remind_by_email": True}
    assert followed.json()["followers_count"] == 1
    mine = (await client.get("/api/v1/chats/followed", headers=fan)).json()
    assert [c["hashtag"] for c in mine] == ["WriteChat"]
    bad = await client.post(
        "/api/v1/chats/writechat/follow", json={"remind_minutes": -5}, headers=fan
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "remind_minutes")
    gone = await client.post("/api/v1/chats/writechat/unfollow", headers=fan)
    assert gone.json()["following"] is None and gone.json()["followers_count"] == 0


async def test_a_browser_needs_the_csrf_header(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("cookie")
    page = await client.get("/login")
    await client.post(
        "/login",
        data={
            "login": "cookie",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert (await client.post("/api/v1/chats", json=CHAT)).status_code == 403
    token = csrf_from((await client.get("/chats")).text)
    made = await client.post("/api/v1/chats", json=CHAT, headers={"X-CSRF-Token": token})
    assert made.status_code == 201


async def test_review_import_and_export(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    admin = auth(await token_for(await make_account("root", role="admin")))
    member = auth(await token_for(await make_account("kai")))
    assert (
        await client.post("/api/v1/chats/review", json={"approval_required": True}, headers=member)
    ).status_code == 403
    assert (
        await client.post("/api/v1/chats/review", json={"approval_required": True}, headers=admin)
    ).json() == {"approval_required": True}
    pending = await create(client, member, hashtag="boardgamechat")
    assert pending["review"] == "pending"
    assert (await client.get("/api/v1/chats/boardgamechat")).status_code == 404
    queue = (await client.get("/api/v1/chats/review", headers=admin)).json()
    assert queue["approval_required"] is True and [c["hashtag"] for c in queue["pending"]] == [
        "boardgamechat"
    ]
    approved = await client.post(
        "/api/v1/chats/boardgamechat/review", json={"decision": "approve"}, headers=admin
    )
    assert approved.json()["review"] == "approved"
    await create(client, member, hashtag="spamchat")
    rejected = await client.post(
        "/api/v1/chats/spamchat/review",
        json={"decision": "reject", "reason": "spam"},
        headers=admin,
    )
    assert rejected.status_code == 204
    sheet = "hashtag,title,day,time,time zone\nedchat,Education,Tuesday,19:00,America/New_York\n"
    assert (
        await client.post(
            "/api/v1/chats/import", content=sheet, headers={**member, "Content-Type": "text/csv"}
        )
    ).status_code == 403
    bad = await client.post(
        "/api/v1/chats/import",
        content=sheet + "x,y,Someday,19:00,UTC\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert bad.status_code == 422
    assert bad.json()["rows"] == [
        {
            "line": 3,
            "column": "day",
            "error": "'Someday' is not a day of the week (Wednesday) or a date (2026-03-12)",
        }
    ]
    uploaded = await client.post(
        "/api/v1/chats/import",
        files={"file": ("chats.csv", sheet.encode(), "text/csv")},
        headers=admin,
    )
    assert uploaded.status_code == 201 and uploaded.json()["imported"] == ["edchat"]
    as_csv = await client.get("/api/v1/chats/export?format=csv")
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert [line.split(",")[0] for line in as_csv.text.splitlines()[1:]] == [
        "#boardgamechat",
        "#edchat",
    ]
    as_json = (await client.get("/api/v1/chats/export")).json()
    assert [c["hashtag"] for c in as_json] == ["boardgamechat", "edchat"]
    assert "/api/v1/chats" in (await client.get("/openapi.json")).json()["paths"]
