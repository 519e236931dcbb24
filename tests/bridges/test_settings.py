"""A host turns a network's bridge on for a chat: in PATCH /api/v1/chats/<tag> and on the chat's
edit page, checked with clear errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from tests.conftest import auth, csrf_from


async def test_the_api_turns_bluesky_on_and_says_what_is_wrong(
    client: httpx.AsyncClient,
    chat: Chat,
    host: Account,
    token_for: Callable[..., Awaitable[str]],
) -> None:
    token = await token_for(host)
    url = "/api/v1/chats/HostChat"
    got = await client.get(url)
    assert got.json()["bridges"] == [] and got.json()["bridge_when"] == "sessions"
    done = await client.patch(url, json={"bridges": ["bluesky"]}, headers=auth(token))
    assert done.status_code == 200, done.text
    assert done.json()["bridges"] == ["bluesky"] and done.json()["bridge_when"] == "sessions"
    done = await client.patch(url, json={"bridge_when": "always"}, headers=auth(token))
    assert done.json()["bridges"] == ["bluesky"] and done.json()["bridge_when"] == "always"
    bad = await client.patch(url, json={"bridges": ["myspace"]}, headers=auth(token))
    assert bad.status_code == 422 and bad.json()["field"] == "bridges"
    assert "myspace" in bad.json()["error"]
    bad = await client.patch(url, json={"bridge_when": "sometimes"}, headers=auth(token))
    assert bad.status_code == 422 and bad.json()["field"] == "bridge_when"
    off = await client.patch(
        url, json={"bridges": [], "bridged_in_exports": False}, headers=auth(token)
    )
    assert off.json()["bridges"] == [] and off.json()["bridged_in_exports"] is False
    assert off.json()["bridge_when"] == "always"  # kept


async def test_the_edit_page_has_the_bridge_and_shows_errors_beside_it(
    client: httpx.AsyncClient, chat: Chat, host: Account
) -> None:
    login = await client.get("/login")
    await client.post(
        "/login",
        data={"login": "hostess", "password": "correct horse battery",
              "csrf_token": csrf_from(login.text)},
    )  # fmt: skip
    page = await client.get("/chats/HostChat/edit")
    assert page.status_code == 200 and 'name="bridges" value="bluesky"' in page.text
    form = {
        "title": chat.title, "starts_on": "2026-01-07", "start_time": "20:00",
        "time_zone": "Europe/London", "duration_minutes": "60", "repeat": "weekly",
        "weekday": "WE", "hosts": "@hostess", "bridge_form": "1",
        "csrf_token": csrf_from(page.text),
    }  # fmt: skip
    saved = await client.post(
        "/chats/HostChat/edit", data={**form, "bridges": "bluesky", "bridge_when": "always"}
    )
    assert saved.status_code == 303
    shown = (await client.get("/api/v1/chats/HostChat")).json()
    assert shown["bridges"] == ["bluesky"] and shown["bridge_when"] == "always"
    assert shown["bridged_in_exports"] is False  # the box was left unticked
    wrong = await client.post(
        "/chats/HostChat/edit", data={**form, "bridges": "bluesky", "bridge_when": "never"}
    )
    assert wrong.status_code == 422 and "bridge_when is" in wrong.text
