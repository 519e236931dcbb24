"""Linking a Mastodon account on the remote through the real OAuth flow, as a browser would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.bridges.mastodon.remote import Remote, RemotePerson
from tests.conftest import csrf_from, path_of


async def sign_in(client: httpx.AsyncClient, make_account: Any, handle: str) -> Any:
    account = await make_account(handle, password="correct horse battery")
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"login": handle, "password": "correct horse battery",
              "csrf_token": csrf_from(page.text)},
    )  # fmt: skip
    assert response.status_code == 303
    return account


async def start_linking(client: httpx.AsyncClient, server: str) -> httpx.Response:
    page = await client.get("/settings/bridges")
    return await client.post(
        "/settings/bridges/mastodon", data={"server": server, "csrf_token": csrf_from(page.text)}
    )


async def link(client: httpx.AsyncClient, remote: Remote, person: RemotePerson) -> dict[str, Any]:
    """Link ``person``'s account on the remote to whoever ``client`` is signed in as."""
    started = await start_linking(client, remote.url)
    assert started.status_code == 303, started.text[:800]
    back = person.authorize(started.headers["location"])
    done = await client.get(path_of(back))
    assert done.status_code == 303, done.text[:800]
    assert done.headers["location"].endswith("notice=mastodon_linked")
    links = (await client.get("/api/v1/bridges/accounts")).json()
    found: dict[str, Any] = next(x for x in links if x["network"] == "mastodon")
    return found


async def link_token(db: Any, account: Any, remote: Remote, person: RemotePerson) -> Any:
    """Link ``person``'s account with the token the remote gave them (the OAuth flow itself is
    tested in test_linking.py): the real server says whose it is."""
    from hashchat.bridges.mastodon import link as mastodon_link
    from hashchat.bridges.mastodon import oauth
    from hashchat.bridges.sealing import sealer_for
    from hashchat.config import get_settings

    settings = get_settings()
    who = await oauth.who_is(remote.url, person.token)
    return await mastodon_link.store(
        db=db,
        account_id=account.id,
        server=remote.url,
        who=who,
        token=person.token,
        sealer=sealer_for(settings.resolved_secret_key(), tuple(settings.previous_secret_keys)),
    )


# What a person may type for their server, and what hashchat says of it (linking and logging in).
WRONG_SERVERS = [
    ("", "which Mastodon server"),
    ("http://mastodon.social", "over https"),
    ("https://mastodon.social/@alice", "the server alone"),
    ("not a server!", "is not"),
]
