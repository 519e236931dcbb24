"""OAuth values that would not fit their columns are a 422 on both databases (PostgreSQL
refused them with a 500, SQLite kept them): scopes, PKCE challenges."""

from __future__ import annotations

import httpx

from tests.accounts.test_api import REDIRECT, register_app
from tests.conftest import MakeAccount, csrf_from


async def test_scopes_are_kept_once_each_and_must_fit(client: httpx.AsyncClient) -> None:
    repeated = await client.post(
        "/api/v1/apps",
        data={"client_name": "c", "redirect_uris": REDIRECT, "scopes": "read " * 100},
    )
    assert repeated.status_code == 200 and repeated.json()["scopes"] == ["read"]
    too_long = await client.post(
        "/api/v1/apps",
        data={"client_name": "c", "redirect_uris": REDIRECT, "scopes": "read:" + "a" * 300},
    )
    assert too_long.status_code == 422 and too_long.json()["field"] == "scopes"


async def test_a_pkce_challenge_must_be_one(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("aiko", password="balcony garden")
    app = await register_app(client)
    page = await client.get("/login")
    await client.post(
        "/login",
        data={"login": "aiko", "password": "balcony garden", "csrf_token": csrf_from(page.text)},
    )
    consent = await client.get(
        "/oauth/authorize",
        params={"client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read"},
    )
    for challenge in ("x" * 129, "x" * 10_000, "short", "not base64url !" * 4):
        decision = await client.post(
            "/oauth/authorize",
            data={"client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read",
                  "code_challenge": challenge, "decision": "allow",
                  "csrf_token": csrf_from(consent.text)},
        )  # fmt: skip
        assert decision.status_code == 422, decision.text
        assert "code_challenge" in decision.text
