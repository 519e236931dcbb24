"""/openapi.json declares each operation's errors in the one shape they have; PUT on the
agenda is a 405; an empty profile change is refused. (tests/test_openapi_fuzz.py holds the
schema to what the server does, with schemathesis.)"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import MakeAccount, auth


async def test_each_operation_declares_its_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["components"]["schemas"]["Error"]["required"] == ["error", "field"]

    def codes(path: str, method: str) -> set[str]:
        return {c for c in spec["paths"][path][method]["responses"] if c >= "400"}

    assert codes("/api/v1/instance", "get") == {"400", "429"}
    # 404: sent again with the Idempotency-Key of a post deleted since (posts/keys.py).
    assert codes("/api/v1/statuses", "post") == {"400", "401", "403", "404", "413", "422", "429"}
    create = spec["paths"]["/api/v1/statuses"]["post"]
    assert [p["name"] for p in create["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    assert codes("/api/v1/statuses/{post_id}", "get") == {"400", "401", "404", "422", "429"}
    assert codes("/api/v1/chats", "post") >= {"401", "403", "409", "413", "422"}
    assert codes("/api/oembed", "get") >= {"404", "422", "501"}
    assert codes("/oauth/token", "post") >= {"400", "401", "413", "429"}
    error = spec["paths"]["/api/v1/statuses"]["post"]["responses"]["422"]
    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert not any(
        p.startswith("/api/v1/streaming") and "429" in str(v) for p, v in spec["paths"].items()
    )


async def test_the_agenda_is_read_only(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = auth(await token_for(await make_account("root", role="admin")))
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        answer = await client.request(method, "/api/v1/chats/agenda", json={}, headers=token)
        assert answer.status_code == 405, (method, answer.text)
        assert answer.json()["error"] == "Method Not Allowed"
        assert "GET" in answer.headers["allow"]
    # A chat's own path still takes its edits.
    assert (await client.put("/api/v1/chats/writechat", json={}, headers=token)).status_code == 404


async def test_an_empty_profile_change_is_refused(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = auth(await token_for(await make_account("sam")))
    for body in ({}, {"unknown": "x"}):
        answer = await client.patch("/api/v1/accounts/update_credentials", json=body, headers=token)
        assert answer.status_code == 422, answer.text
        assert "at least one" in answer.json()["error"]
    empty_form = await client.patch("/api/v1/accounts/update_credentials", headers=token)
    assert empty_form.status_code == 422
    ok = await client.patch("/api/v1/accounts/update_credentials", json={"note": ""}, headers=token)
    assert ok.status_code == 200
