"""Linking a Mastodon account on any server by the real OAuth flow (a second hashchat as the
server): the app registered once per server, PKCE S256, the token sealed and never shown,
unlinking revokes it there."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.mastodon.models import MastodonApp
from hashchat.storage.engine import Database
from tests.bridges.mastodon.helpers import WRONG_SERVERS, sign_in, start_linking
from tests.bridges.mastodon.remote import Remote
from tests.conftest import csrf_from, path_of


async def test_link_by_oauth_list_both_networks_and_unlink_revokes(
    client: httpx.AsyncClient,
    make_account: Any,
    db: Database,
    remote: Remote,
    fresh: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    person = remote.person(fresh)
    await sign_in(client, make_account, f"here{fresh}")
    started = await start_linking(client, remote.url)
    assert started.status_code == 303
    asked = urlsplit(started.headers["location"])
    query = parse_qs(asked.query)
    assert asked.path == "/oauth/authorize"
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == ["http://testserver/bridges/mastodon/oauth/callback"]
    assert "state" in query and "verifier" not in asked.query

    back = person.authorize(started.headers["location"])
    done = await client.get(path_of(back))
    assert done.headers["location"] == "/settings/bridges?notice=mastodon_linked"
    page = await client.get(done.headers["location"])
    assert "Your Mastodon account is linked" in page.text
    assert f"{fresh}@{remote.domain}" in page.text

    listed = (await client.get("/api/v1/bridges/accounts")).json()
    assert [x["network"] for x in listed] == ["mastodon"]
    entity = listed[0]
    assert entity["handle"] == f"{fresh}@{remote.domain}"
    assert entity["service"] == remote.url
    assert entity["actor"] == f"{remote.url}/@{fresh}"
    assert entity["method"] == "oauth" and entity["broken"] is None

    async with db.read() as session:
        row = await session.scalar(select(LinkedAccount))
        app = await session.scalar(select(MastodonApp))
    assert row is not None and app is not None
    from hashchat.bridges.mastodon.link import token_of
    from hashchat.bridges.sealing import sealer_for
    from hashchat.config import get_settings

    settings = get_settings()
    token = token_of(row, sealer_for(settings.resolved_secret_key(), ()))
    assert token not in row.sealed and token not in str(listed) and token not in caplog.text
    assert person.api("GET", "/api/v1/accounts/verify_credentials").status_code == 200
    who = httpx.get(
        f"{remote.url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert who.json()["username"] == fresh

    gone = await client.delete(
        f"/api/v1/bridges/accounts/{entity['id']}", headers={"X-CSRF-Token": csrf_from(page.text)}
    )
    assert gone.status_code == 200 and gone.json()["revoked"] is True
    assert (await client.get("/api/v1/bridges/accounts")).json() == []
    who = httpx.get(
        f"{remote.url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert who.status_code == 401  # revoked at the server, not only forgotten here


async def test_the_app_is_registered_once_per_server(
    client: httpx.AsyncClient, make_account: Any, db: Database, remote: Remote, fresh: str
) -> None:
    await sign_in(client, make_account, f"first{fresh}")
    first = parse_qs(urlsplit((await start_linking(client, remote.url)).headers["location"]).query)
    second = parse_qs(urlsplit((await start_linking(client, remote.url)).headers["location"]).query)
    assert first["client_id"] == second["client_id"]
    assert first["state"] != second["state"]
    async with db.read() as session:
        apps = list(await session.scalars(select(MastodonApp)))
    assert [a.server for a in apps] == [remote.url]
    assert apps[0].streaming_url == remote.url.replace("http://", "ws://")
    assert apps[0].max_characters == 280  # hashchat's own limit, from its instance description


async def test_a_callback_that_is_not_ours_links_nothing(
    client: httpx.AsyncClient, make_account: Any, remote: Remote, fresh: str
) -> None:
    person = remote.person(fresh)
    await sign_in(client, make_account, f"cb{fresh}")
    started = await start_linking(client, remote.url)
    back = person.authorize(started.headers["location"])
    forged = back.replace("state=", "state=x")
    answer = await client.get(path_of(forged))
    assert answer.status_code == 422
    assert "not the one hashchat started" in answer.text
    assert (await client.get("/api/v1/bridges/accounts")).json() == []

    denied = await client.get("/bridges/mastodon/oauth/callback?error=access_denied")
    assert denied.status_code == 422 and "did not link the account" in denied.text


@pytest.mark.parametrize(("typed", "message"), WRONG_SERVERS)
async def test_a_wrong_server_is_said_beside_the_field(
    client: httpx.AsyncClient, make_account: Any, typed: str, message: str
) -> None:
    await sign_in(client, make_account, "typer")
    page = await client.get("/settings/bridges")
    answer = await client.post(
        "/settings/bridges/mastodon", data={"server": typed, "csrf_token": csrf_from(page.text)}
    )
    assert answer.status_code == 422
    assert 'id="server-error"' in answer.text and message in answer.text
