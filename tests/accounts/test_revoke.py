"""Token revocation (RFC 7009): only the client a token was issued to may revoke it."""

from __future__ import annotations

import httpx

from tests.accounts.test_api import register_app
from tests.conftest import MakeAccount, auth


async def _token(client: httpx.AsyncClient, app: dict[str, str]) -> str:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "maya",
            "password": "wednesday nights",
            "scope": "read",
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _revoke(app: dict[str, str], token: str) -> dict[str, str]:
    return {"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token}


async def test_another_client_cannot_revoke_a_token(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("maya", password="wednesday nights")
    mine, theirs = await register_app(client), await register_app(client)
    token = await _token(client, mine)

    refused = await client.post("/oauth/revoke", data=_revoke(theirs, token))
    assert refused.status_code == 403, refused.text
    assert refused.json()["field"] == "token"
    still = await client.get("/api/v1/accounts/verify_credentials", headers=auth(token))
    assert still.status_code == 200

    revoked = await client.post("/oauth/revoke", data=_revoke(mine, token))
    assert revoked.status_code == 200 and revoked.json() == {}
    gone = await client.get("/api/v1/accounts/verify_credentials", headers=auth(token))
    assert gone.status_code == 401


async def test_an_unknown_or_revoked_token_is_no_error_but_the_secret_is_checked(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("maya", password="wednesday nights")
    app = await register_app(client)
    token = await _token(client, app)
    assert (
        await client.post("/oauth/revoke", data=_revoke(app, "no-such-token"))
    ).status_code == 200
    assert (await client.post("/oauth/revoke", data=_revoke(app, token))).status_code == 200
    assert (await client.post("/oauth/revoke", data=_revoke(app, token))).status_code == 200
    wrong = await client.post(
        "/oauth/revoke", data={**_revoke(app, token), "client_secret": "guessed"}
    )
    assert wrong.status_code == 401
