"""A host names the Mastodon servers a chat reads (PATCH /api/v1/chats/<tag>, the edit page);
each must be readable with a host's linked account there, or by followers who lend theirs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.storage.engine import Database
from tests.bridges.mastodon.helpers import link_token
from tests.bridges.mastodon.remote import Remote
from tests.conftest import auth


@pytest.mark.parametrize(
    ("bridges", "message"),
    [
        (["mastodon"], "name the server to read: mastodon:https://mastodon.social"),
        (["mastodon:http://mastodon.example"], "reached over https"),
        (["mastodon:https://mastodon.example/@alice"], "give the server alone"),
        (["mastodon:https://mastodon.example"], "no host of #HostChat has a working Mastodon"),
        (["myspace:https://myspace.com"], "it bridges bluesky, mastodon:<server>"),
        ("mastodon:", "name the server"),
    ],
)
async def test_a_server_that_cannot_be_read_is_refused_on_bridges(
    client: httpx.AsyncClient,
    chat: Chat,
    host: Account,
    token_for: Any,
    bridges: Any,
    message: str,
) -> None:
    token = await token_for(host)
    answer = await client.patch(
        "/api/v1/chats/HostChat", json={"bridges": bridges}, headers=auth(token)
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "bridges"
    assert message in answer.json()["error"]
    chat_now = (await client.get("/api/v1/chats/HostChat")).json()
    assert chat_now["bridges"] == []  # nothing half-written


async def test_a_host_with_a_linked_account_watches_the_server(
    client: httpx.AsyncClient,
    db: Database,
    chat: Chat,
    host: Account,
    token_for: Any,
    remote: Remote,
    fresh: str,
) -> None:
    await link_token(db, host, remote, remote.person(fresh))
    token = await token_for(host)
    answer = await client.patch(
        "/api/v1/chats/HostChat",
        json={"bridges": ["bluesky", f"mastodon:{remote.url}/", f"mastodon:{remote.url}"]},
        headers=auth(token),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["bridges"] == ["bluesky", f"mastodon:{remote.url}"]
    # Another server needs an account there, unless followers may lend theirs.
    other = "mastodon:https://fosstodon.org"
    refused = await client.patch(
        "/api/v1/chats/HostChat", json={"bridges": [other]}, headers=auth(token)
    )
    assert refused.status_code == 422
    lent = await client.patch(
        "/api/v1/chats/HostChat",
        json={"bridges": [other], "bridge_lenders": True},
        headers=auth(token),
    )
    assert lent.status_code == 200
    assert lent.json()["bridge_lenders"] is True


async def test_the_edit_page_lists_servers_one_a_line(
    client: httpx.AsyncClient, db: Database, make_account: Any, remote: Remote, fresh: str
) -> None:
    from tests.bridges.mastodon.helpers import sign_in
    from tests.conftest import csrf_from

    me = await sign_in(client, make_account, f"ed{fresh}")
    page = await client.get("/chats/new")
    values = {
        "hashtag": "PageChat",
        "title": "On the page",
        "starts_on": "2026-01-07",
        "start_time": "20:00",
        "time_zone": "UTC",
        "duration_minutes": "60",
        "repeat": "weekly",
        "weekday": "WE",
        "bridge_form": "1",
        "bridge_when": "sessions",
        "mastodon_servers": "mastodon.example",
        "csrf_token": csrf_from(page.text),
    }
    refused = await client.post("/chats/new", data=values)
    assert refused.status_code == 422
    assert 'id="bridges-error"' in refused.text and "mastodon.example" in refused.text
    assert ">mastodon.example</textarea>" in refused.text  # what was typed is kept

    await link_token(db, me, remote, remote.person(fresh))
    made = await client.post("/chats/new", data={**values, "mastodon_servers": remote.url})
    assert made.status_code == 303, made.text[:500]
    listed = (await client.get("/api/v1/chats/PageChat")).json()
    assert listed["bridges"] == [f"mastodon:{remote.url}"]
    edit = await client.get("/chats/PageChat/edit")
    assert f">{remote.url}</textarea>" in edit.text
