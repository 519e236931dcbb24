"""CORS as Mastodon does it: any origin may call the API with a bearer token, preflights are
answered, a cookie never counts across origins; and the WebSocket stream takes a foreign
origin that brings a token, while a cookie-authenticated one stays refused."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from hashchat.accounts import service as accounts
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth

ELSEWHERE = "http://127.0.0.1:5999"


@pytest.mark.parametrize(
    "path", ["/api/v1/apps", "/oauth/token", "/oauth/revoke", "/api/v1/timelines/tag/edchat",
             "/.well-known/nodeinfo", "/nodeinfo/2.0", "/api/v1/statuses/1"],
)  # fmt: skip
async def test_preflights_are_answered_for_any_origin(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(
        path,
        headers={
            "Origin": ELSEWHERE,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "PUT" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"]
    assert "authorization" in allowed and "idempotency-key" in allowed
    assert "access-control-allow-credentials" not in response.headers


async def test_a_web_client_elsewhere_logs_in_and_posts_with_a_token(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("webby", password="a long password")
    origin = {"Origin": ELSEWHERE}
    app = await client.post(
        "/api/v1/apps",
        json={"client_name": "elk", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
              "scopes": "read write"},
        headers=origin,
    )  # fmt: skip
    assert app.headers["access-control-allow-origin"] == "*"
    token = await client.post(
        "/oauth/token",
        data={"grant_type": "password", "client_id": app.json()["client_id"],
              "client_secret": app.json()["client_secret"], "username": "webby",
              "password": "a long password", "scope": "read write"},
        headers=origin,
    )  # fmt: skip
    assert token.status_code == 200 and token.headers["access-control-allow-origin"] == "*"
    bearer = {**origin, **auth(token.json()["access_token"])}
    # The fast path (JSON body, bearer token) answers with the same headers.
    posted = await client.post("/api/v1/statuses", json={"status": "hi #corschat"}, headers=bearer)
    assert posted.status_code == 200 and posted.headers["access-control-allow-origin"] == "*"
    timeline = await client.get("/api/v1/timelines/tag/corschat?limit=1", headers=bearer)
    assert timeline.headers["access-control-allow-origin"] == "*"
    assert "Link" in timeline.headers["access-control-expose-headers"]
    assert "link" in timeline.headers
    assert "access-control-allow-credentials" not in timeline.headers
    # An error is readable too (the client shows its message).
    bad = await client.post("/api/v1/statuses", json={"status": ""}, headers=bearer)
    assert bad.status_code == 422 and bad.headers["access-control-allow-origin"] == "*"


async def test_pages_are_not_opened_to_other_origins(client: httpx.AsyncClient) -> None:
    page = await client.get("/login", headers={"Origin": ELSEWHERE})
    assert "access-control-allow-origin" not in page.headers
    same = await client.get("/api/v1/instance")
    assert "access-control-allow-origin" not in same.headers  # no Origin: nothing to say


async def test_a_cookie_never_counts_across_origins(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    person = await make_account("cookied")
    cookie = await accounts.start_web_session(db=db, account_id=person.id)
    client.cookies.set("hc_session", cookie)
    here = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Origin": "http://testserver"}
    )
    assert here.status_code == 200 and here.json()["username"] == "cookied"
    no_origin = await client.get("/api/v1/notifications")
    assert no_origin.status_code == 200
    away = await client.get("/api/v1/accounts/verify_credentials", headers={"Origin": ELSEWHERE})
    assert away.status_code == 401


def _ws(server: str, query: str = "") -> str:
    return server.replace("http://", "ws://") + "/api/v1/streaming" + (f"?{query}" if query else "")


async def test_a_foreign_origin_streams_with_a_token_but_not_with_a_cookie(
    server: str, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    person = await make_account("streamer")
    token = await token_for(person)
    cookie = await accounts.start_web_session(db=db, account_id=person.id)
    async with websockets.connect(
        _ws(server, f"access_token={token}&stream=user"), origin=ELSEWHERE, compression=None
    ) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "corschat"}))
    async with websockets.connect(
        _ws(server), origin=ELSEWHERE, subprotocols=[token], compression=None
    ) as ws:  # type: ignore[arg-type, list-item]
        assert ws.subprotocol == token
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(
            _ws(server, "stream=user"),
            origin=ELSEWHERE,  # type: ignore[arg-type]
            additional_headers={"Cookie": f"hc_session={cookie}"},
            compression=None,
        ):
            pass
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):  # a forged token from elsewhere is still refused
        async with websockets.connect(
            _ws(server, "access_token=forged"), origin=ELSEWHERE, compression=None
        ):  # type: ignore[arg-type]
            pass


async def test_a_public_stream_is_open_to_other_origins(server: str) -> None:
    """The public SSE streams are served before the framework (realtime's fast path): they
    carry the same CORS headers, so an EventSource on another origin can read them."""
    async with (
        httpx.AsyncClient(timeout=5) as http,
        http.stream(
            "GET", f"{server}/api/v1/streaming/hashtag?tag=corschat", headers={"Origin": ELSEWHERE}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        first = await response.aiter_bytes().__anext__()
        assert first.startswith(b":)")  # Mastodon's greeting, no retry: field (Mastodon.py)
