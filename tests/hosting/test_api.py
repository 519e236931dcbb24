"""The hosting API over HTTP: running a session, its script, answers grouped under questions,
and roles, with the errors a client sees."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.hosting.conftest import MakeSession

TokenFor = Callable[..., Awaitable[str]]


async def test_a_host_runs_a_session_through_the_api(
    client: httpx.AsyncClient,
    host: Account,
    chat: Chat,
    make_account: MakeAccount,
    make_session: MakeSession,
    token_for: TokenFor,
) -> None:
    later = await make_session(start=30)
    h = auth(await token_for(host))
    base = f"/api/v1/chats/sessions/{later.id}"
    script = {
        "questions": [
            {"text": "What are you reading?", "offset_minutes": 5},
            {"text": "Paper or screen?", "offset_minutes": 30},
        ]
    }
    got = await client.put(f"{base}/questions", json=script, headers=h)
    assert got.status_code == 200, got.text
    assert got.json()["can"] == {"run": True, "moderate": True, "pick": True}
    assert [(q["number"], q["state"], q["offset_minutes"]) for q in got.json()["questions"]] == [
        (1, "scheduled", 5),
        (2, "scheduled", 30),
    ]
    # The public sees no question before it is asked.
    public = await client.get(base)
    assert public.status_code == 200
    assert public.json()["questions"] == []
    assert public.json()["can"] == {"run": False, "moderate": False, "pick": False}

    started = await client.post(f"{base}/start", headers=h)
    assert started.status_code == 200, started.text
    assert started.json()["state"] == "live"
    first = started.json()["questions"][0]
    asked = await client.post(f"{base}/questions/{first['id']}/ask", headers=h)
    assert asked.status_code == 200, asked.text
    assert asked.json()["state"] == "posted" and asked.json()["status_id"]

    reader = await make_account("reader")
    r = auth(await token_for(reader))
    answer = await client.post(
        "/api/v1/statuses", json={"status": "A1: a novel #hostchat"}, headers=r
    )
    assert answer.status_code == 200, answer.text
    reply = await client.post(
        "/api/v1/statuses",
        json={"status": "and poems", "in_reply_to_id": asked.json()["status_id"]},
        headers=r,
    )
    assert reply.status_code == 200
    grouped = (await client.get(f"{base}/answers")).json()
    assert [(g["number"], g["status"]["id"]) for g in grouped] == [(1, asked.json()["status_id"])]
    assert [a["id"] for a in grouped[0]["answers"]] == [answer.json()["id"], reply.json()["id"]]
    assert grouped[0]["answers_count"] == 2

    extended = await client.post(f"{base}/extend", json={"minutes": 15}, headers=h)
    assert extended.status_code == 200
    assert extended.json()["ends_at"] > started.json()["ends_at"]
    ended = await client.post(f"{base}/end", headers=h)
    assert ended.json()["state"] == "ended"
    again = await client.post(f"{base}/end", headers=h)
    assert again.status_code == 422
    assert again.json() == {"error": "the session is ended, not live", "field": "state"}


async def test_errors_say_what_and_where(
    client: httpx.AsyncClient,
    host: Account,
    make_account: MakeAccount,
    live_session: ChatSession,
    token_for: TokenFor,
) -> None:
    h = auth(await token_for(host))
    base = f"/api/v1/chats/sessions/{live_session.id}"
    cases = [
        ("put", f"{base}/questions", {"questions": "Q1"}, 422, "questions"),
        ("put", f"{base}/questions", {"questions": [{"text": "x", "offset_minutes": 90}]}, 422,
         "questions[0].offset_minutes"),
        ("post", f"{base}/questions", {"text": "   "}, 422, "text"),
        ("post", f"{base}/extend", {"minutes": 0}, 422, "minutes"),
        ("post", f"{base}/extend", {"minutes": "lots"}, 422, "minutes"),
        ("post", f"{base}/ask", {"text": "y" * 300}, 422, "text"),
        ("post", "/api/v1/chats/sessions/999999/start", {}, 404, "session_id"),
        ("post", "/api/v1/chats/sessions/abc/start", {}, 404, "session_id"),
        ("post", f"{base}/questions/424242/skip", {}, 404, "question_id"),
        ("patch", base, {"grace_minutes": 500}, 422, "grace_minutes"),
        ("patch", base, {"guests": ["nobody-by-that-name"]}, 422, "guests"),
    ]  # fmt: skip
    for method, url, body, status, field in cases:
        got = await client.request(method, url, json=body, headers=h)
        assert got.status_code == status, (url, body, got.text)
        assert got.json()["field"] == field, (url, body, got.json())

    stranger = auth(await token_for(await make_account("stranger")))
    refused = await client.post(f"{base}/ask", json={"text": "Mine?"}, headers=stranger)
    assert refused.status_code == 403
    assert "hosts" in refused.json()["error"]
    anonymous = await client.post(f"{base}/ask", json={"text": "Mine?"})
    assert anonymous.status_code == 401
    listing = (await client.get(base, headers=h)).json()
    assert listing["questions"] == []  # nothing half-made by any of the above


async def test_roles_are_granted_by_hosts_and_take_effect(
    client: httpx.AsyncClient,
    host: Account,
    chat: Chat,
    make_account: MakeAccount,
    live_session: ChatSession,
    token_for: TokenFor,
) -> None:
    guest = await make_account("guesty")
    h = auth(await token_for(host))
    g = auth(await token_for(guest))
    refused = await client.post(
        "/api/v1/chats/hostchat/roles", json={"account": "hostess", "role": "guest"}, headers=g
    )
    assert refused.status_code == 403
    bad = await client.post(
        "/api/v1/chats/hostchat/roles", json={"account": "guesty", "role": "king"}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["field"] == "role"
    made = await client.post(
        "/api/v1/chats/hostchat/roles", json={"account": "@guesty", "role": "guest"}, headers=h
    )
    assert made.status_code == 200, made.text
    assert {"account": "guesty", "role": "guest"} in made.json()
    assert {"account": "hostess", "role": "host"} in made.json()
    view = (await client.get(f"/api/v1/chats/sessions/{live_session.id}", headers=g)).json()
    assert view["can"] == {"run": False, "moderate": False, "pick": True}
    gone = await client.delete("/api/v1/chats/hostchat/roles/guesty", headers=h)
    assert gone.status_code == 204
    view = (await client.get(f"/api/v1/chats/sessions/{live_session.id}", headers=g)).json()
    assert view["can"]["pick"] is False
    sessions = (await client.get("/api/v1/chats/hostchat/sessions")).json()
    assert str(live_session.id) in [s["id"] for s in sessions]


async def test_sessions_of_a_chat_awaiting_approval_are_hidden_like_the_listing(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: TokenFor
) -> None:
    from datetime import timedelta

    from hashchat.directory import service
    from hashchat.storage.base import utcnow

    submitter = await make_account("submitter")
    pending = await service.create_chat(
        db=db,
        actor=submitter,
        data={"hashtag": "WaitChat", "title": "Waiting", "starts_on": "2026-01-07",
              "start_time": "20:00", "time_zone": "UTC", "duration_minutes": 60,
              "repeat": "weekly", "weekday": "WE"},
        approval_default=True,
    )  # fmt: skip
    assert pending.review == "pending"
    now = utcnow()
    async with db.write() as session:
        made = ChatSession(chat_id=pending.id, local_date=(now + timedelta(days=900)).date(),
                           starts_at=now, ends_at=now + timedelta(hours=1), state="live")  # fmt: skip
        session.add(made)
    base = f"/api/v1/chats/sessions/{made.id}"
    for path in (base, f"{base}/answers", f"{base}/questions", f"{base}/board", f"{base}/polls"):
        hidden = await client.get(path)
        assert hidden.status_code == 404, (path, hidden.text)
        shown = await client.get(path, headers=auth(await token_for(submitter)))
        assert shown.status_code == 200, (path, shown.text)
    page = await client.get(f"/chats/WaitChat/sessions/{made.id}")
    assert page.status_code == 404
