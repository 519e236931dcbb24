"""Linking a Mastodon account on the remote through the real OAuth flow, as a browser would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.bridges.mastodon.remote import Remote, RemotePerson
from tests.conftest import csrf_from, path_of


async def sign_in(client: httpx.AsyncClient, make_account: Any, handle: str) -> Any:
    account = await make_account(handle, password="correct horse battery")
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"login": handle, "password": "correct horse battery",
              "csrf_token": csrf_from(page.text)},
    )  # fmt: skip
    assert response.status_code == 303
    return account


async def start_linking(client: httpx.AsyncClient, server: str) -> httpx.Response:
    page = await client.get("/settings/bridges")
    return await client.post(
        "/settings/bridges/mastodon", data={"server": server, "csrf_token": csrf_from(page.text)}
    )


async def link(client: httpx.AsyncClient, remote: Remote, person: RemotePerson) -> dict[str, Any]:
    """Link ``person``'s account on the remote to whoever ``client`` is signed in as."""
    started = await start_linking(client, remote.url)
    assert started.status_code == 303, started.text[:800]
    back = person.authorize(started.headers["location"])
    done = await client.get(path_of(back))
    assert done.status_code == 303, done.text[:800]
    assert done.headers["location"].endswith("notice=mastodon_linked")
    links = (await client.get("/api/v1/bridges/accounts")).json()
    found: dict[str, Any] = next(x for x in links if x["network"] == "mastodon")
    return found
