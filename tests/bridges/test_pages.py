"""The linked accounts page: link with an app password, errors beside the field, unlink."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import csrf_from
from tests.pds import Network


async def _signed_in(client: httpx.AsyncClient, make_account: Any) -> None:
    await make_account("pagelinker", password="correct horse battery")
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "login": "pagelinker",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303


async def test_link_and_unlink_from_the_settings_page(
    client: httpx.AsyncClient, make_account: Any, atproto_network: Network
) -> None:
    await _signed_in(client, make_account)
    them = atproto_network.create_account("pager")
    page = await client.get("/settings/bridges")
    assert page.status_code == 200
    assert "Link with an app password" in page.text

    wrong = await client.post(
        "/settings/bridges/bluesky",
        data={
            "identifier": them.handle,
            "app_password": "aaaa-bbbb-cccc-dddd",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert wrong.status_code == 422
    assert 'id="app_password-error"' in wrong.text and "refused" in wrong.text
    assert f'value="{them.handle}"' in wrong.text  # what the person typed is kept

    linked = await client.post(
        "/settings/bridges/bluesky",
        data={
            "identifier": them.handle,
            "app_password": atproto_network.app_password(them),
            "csrf_token": csrf_from(page.text),
        },
    )
    assert linked.status_code == 303
    page = await client.get(linked.headers["location"])
    assert "Your Bluesky account is linked" in page.text
    assert them.handle in page.text
    assert "Link with an app password" not in page.text
    link_id = (await client.get("/api/v1/bridges/accounts")).json()[0]["id"]

    unlinked = await client.post(
        f"/settings/bridges/{link_id}/unlink", data={"csrf_token": csrf_from(page.text)}
    )
    assert unlinked.status_code == 303
    page = await client.get(unlinked.headers["location"])
    assert them.handle not in page.text
    assert "Link with an app password" in page.text


async def test_the_page_asks_to_log_in_first(client: httpx.AsyncClient) -> None:
    response = await client.get("/settings/bridges")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings/bridges"
