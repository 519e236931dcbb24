"""NodeInfo 2.0 and 2.1, as megalodon's detector (Whalebird, Fedistar) reads it: the discovery
document links both, each names hashchat with Mastodon as its upstream, and counts."""

from __future__ import annotations

import httpx

from hashchat.apps import instance
from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, path_of


async def test_nodeinfo_discovery_and_both_schemas(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    maya = await make_account("maya")
    await service.create_post(db=db, author=maya, text="hello")
    instance.forget()
    links = (await client.get("/.well-known/nodeinfo")).json()["links"]
    assert [link["rel"].rsplit("/", 1)[1] for link in links] == ["2.0", "2.1"]
    for link in links:
        response = await client.get(path_of(link["href"]))
        assert response.status_code == 200
        assert (
            'profile="http://nodeinfo.diaspora.software/ns/schema/'
            in response.headers["content-type"]
        )
        body = response.json()
        assert body["version"] == link["rel"].rsplit("/", 1)[1]
        assert body["software"]["name"] == "hashchat"
        assert body["metadata"]["upstream"]["name"] == "mastodon"
        assert body["usage"] == {
            "users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1},
            "localPosts": 1,
        }
        assert isinstance(body["openRegistrations"], bool)
    missing = await client.get("/nodeinfo/1.0")
    assert missing.status_code == 404 and missing.json()["field"] == "version"
