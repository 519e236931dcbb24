"""The bridge tests' PDS is a real one: accounts, app passwords, sessions and records over XRPC,
DIDs registered in its PLC directory."""

from __future__ import annotations

import httpx

from tests.pds import Network


def test_an_account_posts_and_reads_back_its_record(atproto_network: Network) -> None:
    alice = atproto_network.create_account("alice")
    assert alice.did.startswith("did:plc:")
    assert alice.handle.endswith(".test")

    # An app password opens a session of its own, as a person's would.
    app_password = atproto_network.app_password(alice)
    session = atproto_network.xrpc(
        "com.atproto.server.createSession",
        body={"identifier": alice.handle, "password": app_password},
    )
    assert session["did"] == alice.did

    record = {
        "$type": "app.bsky.feed.post",
        "text": "hello #bluechat",
        "createdAt": "2026-12-01T12:00:00.000Z",
    }
    created = atproto_network.xrpc(
        "com.atproto.repo.createRecord",
        body={"repo": alice.did, "collection": "app.bsky.feed.post", "record": record},
        token=session["accessJwt"],
    )
    assert created["uri"].startswith(f"at://{alice.did}/app.bsky.feed.post/")
    stored = atproto_network.get_record(created["uri"])
    assert stored["cid"] == created["cid"]
    assert stored["value"]["text"] == "hello #bluechat"


def test_the_did_document_names_the_pds(atproto_network: Network) -> None:
    bob = atproto_network.create_account("bob")
    document = httpx.get(f"{atproto_network.plc}/{bob.did}", timeout=10).json()
    services = {s["id"]: s["serviceEndpoint"] for s in document["service"]}
    assert services["#atproto_pds"] == atproto_network.pds
    assert f"at://{bob.handle}" in document["alsoKnownAs"]
