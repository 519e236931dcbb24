"""Pages cannot be framed by another site (clickjacking of their one-click forms), embeds can,
and nothing is sniffed as another content type."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import MakeAccount, auth


def assert_not_frameable(response: httpx.Response) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/chats", "/nowhere"])
async def test_pages_cannot_be_framed(client: httpx.AsyncClient, path: str) -> None:
    assert_not_frameable(await client.get(path))


async def test_signed_in_pages_and_the_api_too(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    account = await make_account("maya")
    token = await token_for(account)
    posted = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=auth(token))
    assert posted.status_code == 200
    page = await client.get(f"/@maya/{posted.json()['id']}")
    assert_not_frameable(page)
    assert_not_frameable(await client.get("/api/v1/timelines/public"))
    avatar = await client.get(f"/avatars/{account.id}.svg")
    assert avatar.status_code == 200
    # The avatar's own policy is kept, and framing is added to it.
    assert "default-src 'none'" in avatar.headers["content-security-policy"]
    assert_not_frameable(avatar)


async def test_embeds_stay_frameable(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("maya"))
    posted = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=auth(token))
    embed = await client.get(f"/embed/statuses/{posted.json()['id']}")
    assert embed.status_code == 200
    assert embed.headers["content-security-policy"] == "frame-ancestors *"
    assert "x-frame-options" not in embed.headers
    assert embed.headers["x-content-type-options"] == "nosniff"
