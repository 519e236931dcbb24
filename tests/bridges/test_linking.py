"""Linking a Bluesky account with an app password, against a real PDS (tests/pds): the session
is opened on the person's own PDS (found from their DID), kept sealed, listed without secrets,
renewed once at a time, and ended at the PDS on unlink."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from hashchat.bridges.bluesky import sessions
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.sealing import sealer_for
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import auth
from tests.pds import Network, PdsAccount


async def _person(make_account: Any, token_for: Any) -> tuple[Any, dict[str, str]]:
    person = await make_account()
    return person, auth(await token_for(person))


async def _link(
    client: httpx.AsyncClient, headers: dict[str, str], network: Network
) -> tuple[PdsAccount, str, dict[str, Any]]:
    them = network.create_account("linker")
    app_password = network.app_password(them)
    response = await client.post(
        "/api/v1/bridges/accounts",
        json={"identifier": them.handle, "app_password": app_password},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return them, app_password, response.json()


async def test_linking_with_an_app_password_keeps_a_sealed_session(
    client: httpx.AsyncClient,
    db: Database,
    make_account: Any,
    token_for: Any,
    atproto_network: Network,
    app: Any,
) -> None:
    person, headers = await _person(make_account, token_for)
    them, app_password, linked = await _link(client, headers, atproto_network)
    assert linked["network"] == "bluesky"
    assert linked["did"] == them.did
    assert linked["handle"] == them.handle
    assert linked["service"] == atproto_network.pds
    assert linked["method"] == "app_password"
    assert set(linked) == {
        "id",
        "network",
        "did",
        "actor",  # a Mastodon link's (None here)
        "broken",
        "lends_reading",
        "handle",
        "service",
        "method",
        "url",
        "created_at",
    }

    listed = await client.get("/api/v1/bridges/accounts", headers=headers)
    assert listed.status_code == 200
    assert listed.json() == [linked]
    assert app_password not in listed.text

    async with db.read() as session:
        row = (await session.scalars(select(LinkedAccount))).one()
    assert row.account_id == person.id
    runtime = app.state.runtime
    sealer = sealer_for(runtime.secret_key)
    opened = sealer.open(row.owner, row.sealed)
    assert opened["app_password"] == app_password
    # Nothing of it in the clear: not the password, not the session's tokens (JWTs). ("eyJ"
    # alone is no test: it turns up in random base64 about once in 250 sealed rows.)
    secrets = [app_password] + [v for v in opened.values() if isinstance(v, str) and len(v) > 40]
    assert any(s.startswith("eyJ") for s in secrets), "the sealed session holds its JWTs"
    assert not [s for s in secrets if s in row.sealed or s[:40] in row.sealed]

    # The kept session acts as the person on their PDS.
    me = await sessions.call_as(
        db, row.id, sealer, runtime.settings, "com.atproto.server.getSession"
    )
    assert me["did"] == them.did


async def test_linking_by_did_works_too(
    client: httpx.AsyncClient, make_account: Any, token_for: Any, atproto_network: Network
) -> None:
    _someone, headers = await _person(make_account, token_for)
    them = atproto_network.create_account("bydid")
    response = await client.post(
        "/api/v1/bridges/accounts",
        json={"identifier": them.did, "app_password": atproto_network.app_password(them)},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["handle"] == them.handle  # the DID document names it, and it names back


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"identifier": "not a handle", "app_password": "abcd-efgh-ijkl-mnop"}, 422, "identifier"),
        ({"identifier": "did:plc:short", "app_password": "abcd-efgh-ijkl-mnop"}, 422, "identifier"),
        (
            {"identifier": "nobody-here.test", "app_password": "abcd-efgh-ijkl-mnop"},
            422,
            "identifier",
        ),
        ({"identifier": "alice.test", "app_password": "my main password"}, 422, "app_password"),
        ({"identifier": "alice.test"}, 422, "app_password"),
        ({"app_password": "abcd-efgh-ijkl-mnop"}, 422, "identifier"),
        (
            {"network": "myspace", "identifier": "a.test", "app_password": "abcd-efgh-ijkl-mnop"},
            422,
            "network",
        ),
    ],
)
async def test_bad_input_is_a_4xx_on_its_field(
    client: httpx.AsyncClient,
    make_account: Any,
    token_for: Any,
    body: dict[str, str],
    status: int,
    field: str,
) -> None:
    _someone, headers = await _person(make_account, token_for)
    response = await client.post("/api/v1/bridges/accounts", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


async def test_a_wrong_app_password_is_refused_on_its_field(
    client: httpx.AsyncClient,
    db: Database,
    make_account: Any,
    token_for: Any,
    atproto_network: Network,
) -> None:
    _someone, headers = await _person(make_account, token_for)
    them = atproto_network.create_account("wrong")
    response = await client.post(
        "/api/v1/bridges/accounts",
        json={"identifier": them.handle, "app_password": "aaaa-bbbb-cccc-dddd"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "app_password"
    assert "refused" in response.json()["error"]
    async with db.read() as session:
        assert (await session.scalars(select(LinkedAccount))).all() == []


async def test_a_directory_that_does_not_answer_is_a_502_not_a_500(
    client: httpx.AsyncClient, make_account: Any, token_for: Any, atproto_network: Network
) -> None:
    from hashchat.config import get_settings
    from tests.services import free_port

    _someone, headers = await _person(make_account, token_for)
    them = atproto_network.create_account("down")
    settings = get_settings()
    settings.bluesky_plc_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    try:
        response = await client.post(
            "/api/v1/bridges/accounts",
            json={"identifier": them.did, "app_password": "aaaa-bbbb-cccc-dddd"},
            headers=headers,
        )
    finally:
        settings.bluesky_plc_url = atproto_network.plc
    assert response.status_code == 502, response.text
    assert "did not answer" in response.json()["error"]


async def test_one_bluesky_account_per_person(
    client: httpx.AsyncClient, make_account: Any, token_for: Any, atproto_network: Network
) -> None:
    _someone, headers = await _person(make_account, token_for)
    await _link(client, headers, atproto_network)
    other = atproto_network.create_account("second")
    response = await client.post(
        "/api/v1/bridges/accounts",
        json={"identifier": other.handle, "app_password": atproto_network.app_password(other)},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json()["field"] == "identifier"


async def test_unlinking_ends_the_session_at_the_pds(
    client: httpx.AsyncClient,
    db: Database,
    make_account: Any,
    token_for: Any,
    atproto_network: Network,
    app: Any,
) -> None:
    _someone, headers = await _person(make_account, token_for)
    _them, _pw, linked = await _link(client, headers, atproto_network)
    async with db.read() as session:
        row = (await session.scalars(select(LinkedAccount))).one()
    kept = sealer_for(app.state.runtime.secret_key).open(row.owner, row.sealed)

    _stranger, stranger_headers = await _person(make_account, token_for)
    refused = await client.delete(
        f"/api/v1/bridges/accounts/{linked['id']}", headers=stranger_headers
    )
    assert refused.status_code == 404
    assert (await client.delete("/api/v1/bridges/accounts/abc", headers=headers)).status_code == 404

    response = await client.delete(f"/api/v1/bridges/accounts/{linked['id']}", headers=headers)
    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert (await client.get("/api/v1/bridges/accounts", headers=headers)).json() == []
    refresh = httpx.post(
        f"{atproto_network.pds}/xrpc/com.atproto.server.refreshSession",
        headers={"Authorization": f"Bearer {kept['refresh_jwt']}"},
    )
    assert refresh.status_code in (400, 401), refresh.text


async def test_an_expired_session_is_renewed_once_however_many_ask(
    client: httpx.AsyncClient,
    db: Database,
    make_account: Any,
    token_for: Any,
    atproto_network: Network,
    app: Any,
) -> None:
    _someone, headers = await _person(make_account, token_for)
    them, _pw, _linked = await _link(client, headers, atproto_network)
    runtime = app.state.runtime
    sealer = sealer_for(runtime.secret_key)
    async with db.write() as session:
        row = (await session.scalars(select(LinkedAccount))).one()
        before = sealer.open(row.owner, row.sealed)
        await session.execute(
            update(LinkedAccount).values(access_expires_at=utcnow() - timedelta(minutes=1))
        )
    answers = await asyncio.gather(
        *(
            sessions.call_as(db, row.id, sealer, runtime.settings, "com.atproto.server.getSession")
            for _ in range(4)
        )
    )
    assert {a["did"] for a in answers} == {them.did}
    async with db.read() as session:
        renewed = (await session.scalars(select(LinkedAccount))).one()
    after = sealer.open(renewed.owner, renewed.sealed)
    assert after["refresh_jwt"] != before["refresh_jwt"]
    assert renewed.access_expires_at is not None and renewed.access_expires_at > utcnow()
    assert renewed.refreshing_until is None
