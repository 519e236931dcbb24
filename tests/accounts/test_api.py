"""The accounts API as Mastodon clients use it: apps, tokens, sign-up, credentials, follows."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import MakeAccount, auth, csrf_from

REDIRECT = "https://client.example/callback"


async def register_app(
    client: httpx.AsyncClient, scopes: str = "read write follow"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/apps",
        data={
            "client_name": "Test client",
            "redirect_uris": f"{REDIRECT}\nurn:ietf:wg:oauth:2.0:oob",
            "scopes": scopes,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_sign_up_through_the_api_like_a_mastodon_client(client: httpx.AsyncClient) -> None:
    app = await register_app(client)
    assert app["client_id"] and app["client_secret"]
    app_token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    )
    assert app_token.status_code == 200, app_token.text
    assert app_token.headers["cache-control"] == "no-store"
    bearer = app_token.json()["access_token"]
    verified = await client.get("/api/v1/apps/verify_credentials", headers=auth(bearer))
    assert verified.json()["name"] == "Test client"

    signed = await client.post(
        "/api/v1/accounts",
        json={
            "username": "newbie",
            "email": "newbie@example.org",
            "password": "a secret phrase",
            "agreement": True,
            "locale": "en",
        },
        headers=auth(bearer),
    )
    assert signed.status_code == 200, signed.text
    user_token = signed.json()["access_token"]
    me = await client.get("/api/v1/accounts/verify_credentials", headers=auth(user_token))
    assert me.status_code == 200
    assert me.json()["username"] == "newbie"
    assert me.json()["source"]["privacy"] == "public"


async def test_sign_up_needs_an_app_token_and_valid_fields(client: httpx.AsyncClient) -> None:
    no_token = await client.post(
        "/api/v1/accounts", json={"username": "x", "password": "a secret phrase"}
    )
    assert no_token.status_code == 401
    app = await register_app(client)
    bearer = (
        await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        )
    ).json()["access_token"]
    bad = await client.post(
        "/api/v1/accounts",
        json={"username": "bad handle!", "password": "a secret phrase"},
        headers=auth(bearer),
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "username"
    missing = await client.post("/api/v1/accounts", json={"username": "ok"}, headers=auth(bearer))
    assert missing.status_code == 422
    assert missing.json() == {"error": "password is required", "field": "password"}


async def test_password_grant(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    await make_account("maya", password="wednesday nights")
    app = await register_app(client)
    form = {
        "grant_type": "password",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "username": "maya",
        "scope": "read write",
    }
    wrong = await client.post("/oauth/token", data={**form, "password": "nope nope"})
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    ok = await client.post("/oauth/token", data={**form, "password": "wednesday nights"})
    assert ok.status_code == 200
    assert ok.json()["token_type"] == "Bearer"
    assert ok.json()["scope"] == "read write"
    bad_secret = await client.post(
        "/oauth/token", data={**form, "password": "wednesday nights", "client_secret": "x"}
    )
    assert bad_secret.status_code == 401
    too_wide = await client.post(
        "/oauth/token", data={**form, "password": "wednesday nights", "scope": "admin:write"}
    )
    assert too_wide.status_code == 422 and too_wide.json()["field"] == "scope"


async def test_authorization_code_flow_with_pkce(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("aiko", password="balcony garden")
    app = await register_app(client)
    page = await client.get("/login")
    login = await client.post(
        "/login",
        data={"login": "aiko", "password": "balcony garden", "csrf_token": csrf_from(page.text)},
    )
    assert login.status_code == 303
    verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = {
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "read",
        "response_type": "code",
        "state": "xyz",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    consent = await client.get("/oauth/authorize", params=query)
    assert consent.status_code == 200
    assert "Test client" in consent.text
    decision = await client.post(
        "/oauth/authorize",
        data={
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "read",
            "state": "xyz",
            "code_challenge": challenge.decode(),
            "decision": "allow",
            "csrf_token": csrf_from(consent.text),
        },
    )
    assert decision.status_code == 303
    location = urlsplit(decision.headers["location"])
    params = parse_qs(location.query)
    assert params["state"] == ["xyz"]
    code = params["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "code": code,
        "redirect_uri": REDIRECT,
    }
    no_verifier = await client.post("/oauth/token", data=exchange)
    assert no_verifier.status_code == 422 and no_verifier.json()["field"] == "code_verifier"
    token = await client.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers=auth(token.json()["access_token"])
    )
    assert me.json()["username"] == "aiko"
    again = await client.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert again.status_code == 422, "a code can be used once"


async def test_tokens_are_checked(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    assert (await client.get("/api/v1/accounts/verify_credentials")).status_code == 401
    bad = await client.get("/api/v1/accounts/verify_credentials", headers=auth("forged"))
    assert bad.status_code == 401
    assert bad.json()["error"] == "The access token is invalid"
    reader = await make_account("reader")
    read_only = await token_for(reader, scopes="read")
    denied = await client.post(
        "/api/v1/statuses", json={"status": "hello"}, headers=auth(read_only)
    )
    assert denied.status_code == 403


async def test_update_credentials_and_errors(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("sam"))
    ok = await client.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "Sam P", "note": "Hi #pythonchat", "time_zone": "Europe/London"},
        headers=auth(token),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["display_name"] == "Sam P"
    assert 'href="http://testserver/tags/pythonchat"' in ok.json()["note"]
    assert ok.json()["source"]["note"] == "Hi #pythonchat"
    bad_zone = await client.patch(
        "/api/v1/accounts/update_credentials",
        json={"time_zone": "Nowhere/Land"},
        headers=auth(token),
    )
    assert bad_zone.status_code == 422
    assert bad_zone.json()["field"] == "time_zone"
    malformed = await client.patch(
        "/api/v1/accounts/update_credentials",
        content=b"{not json",
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert "malformed JSON" in malformed.json()["error"]
    wrong_type = await client.patch(
        "/api/v1/accounts/update_credentials",
        json={"display_name": ["a", "list"]},
        headers=auth(token),
    )
    assert wrong_type.status_code == 422 and wrong_type.json()["field"] == "display_name"


async def test_follow_accounts_and_tags(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    me, other = await make_account("me"), await make_account("other")
    token = await token_for(me)
    rel = await client.post(f"/api/v1/accounts/{other.id}/follow", headers=auth(token))
    assert rel.status_code == 200 and rel.json()["following"] is True
    listed = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": [str(other.id)]}, headers=auth(token)
    )
    assert listed.json()[0]["following"] is True
    followers = await client.get(f"/api/v1/accounts/{other.id}/followers")
    assert [a["username"] for a in followers.json()] == ["me"]
    profile = await client.get(f"/api/v1/accounts/{other.id}")
    assert profile.json()["followers_count"] == 1
    looked_up = await client.get("/api/v1/accounts/lookup", params={"acct": "@OTHER"})
    assert looked_up.json()["id"] == str(other.id)
    unknown = await client.post("/api/v1/accounts/999999/follow", headers=auth(token))
    assert unknown.status_code == 404
    tag = await client.post("/api/v1/tags/EdChat/follow", headers=auth(token))
    assert tag.json() == {
        "name": "EdChat",
        "url": "http://testserver/tags/EdChat",
        "history": [],
        "following": True,
    }
    followed = await client.get("/api/v1/followed_tags", headers=auth(token))
    assert [t["name"] for t in followed.json()] == ["EdChat"]
    shown = await client.get("/api/v1/tags/edchat", headers=auth(token))
    assert shown.json()["following"] is True
    await client.post("/api/v1/tags/edchat/unfollow", headers=auth(token))
    assert (await client.get("/api/v1/followed_tags", headers=auth(token))).json() == []


async def test_instance_and_openapi(client: httpx.AsyncClient) -> None:
    instance = (await client.get("/api/v1/instance")).json()
    assert instance["configuration"]["statuses"]["max_characters"] == 280
    assert instance["version"].startswith("4.")
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/statuses" in spec["paths"]
    assert "/api/v1/timelines/tag/{hashtag}" in spec["paths"]
    body = spec["paths"]["/api/v1/statuses"]["post"]["requestBody"]
    assert "status" in body["content"]["application/json"]["schema"]["properties"]
