"""atproto OAuth's pieces: the client hashchat is (confidential on https, loopback on
127.0.0.1, none otherwise), its metadata and keys, DPoP proofs, PAR against the real PDS, and a
callback that refuses what it did not start. The whole flow runs in Chromium
(tests/browser/test_bluesky_oauth.py)."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
from sqlalchemy import select

from hashchat.bridges.bluesky import dpop, oauth
from hashchat.bridges.linked import LinkedAccount
from hashchat.config import Settings
from hashchat.storage.engine import Database
from tests.conftest import csrf_from
from tests.pds import Network


def claims_of(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _sig = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return orjson.loads(base64.urlsafe_b64decode(pad(head))), orjson.loads(
        base64.urlsafe_b64decode(pad(body))
    )


def test_which_client_hashchat_is(tmp_path: Path) -> None:
    https = Settings(base_url="https://chat.example.org", data_dir=tmp_path)
    client = oauth.client_for(https)
    assert client is not None and client.confidential
    assert client.client_id == "https://chat.example.org/bridges/bluesky/client-metadata.json"

    loopback = oauth.client_for(Settings(base_url="http://127.0.0.1:8000", data_dir=tmp_path))
    assert loopback is not None and not loopback.confidential
    parts = urlsplit(loopback.client_id)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "")
    assert parse_qs(parts.query) == {
        "redirect_uri": ["http://127.0.0.1:8000/bridges/bluesky/oauth/callback"],
        "scope": ["atproto transition:generic"],
    }
    assert oauth.client_for(Settings(base_url="http://chat.example.org", data_dir=tmp_path)) is None


def test_the_client_metadata_and_its_key(tmp_path: Path) -> None:
    settings = Settings(base_url="https://chat.example.org", data_dir=tmp_path)
    meta = oauth.client_metadata(settings)
    assert meta["client_id"] == "https://chat.example.org/bridges/bluesky/client-metadata.json"
    assert meta["redirect_uris"] == ["https://chat.example.org/bridges/bluesky/oauth/callback"]
    assert meta["dpop_bound_access_tokens"] is True
    assert meta["token_endpoint_auth_method"] == "private_key_jwt"
    assert meta["token_endpoint_auth_signing_alg"] == "ES256"
    assert meta["scope"] == "atproto transition:generic"
    assert meta["jwks_uri"] == "https://chat.example.org/bridges/bluesky/jwks.json"
    keys = oauth.jwks(settings)["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "EC" and keys[0]["crv"] == "P-256"
    assert "d" not in keys[0]  # the public half only
    kept = tmp_path / "bluesky_oauth_key.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert oauth.jwks(settings) == {"keys": keys}  # made once, then kept

    # The client assertion is signed by that key, for the issuer.
    client = oauth.client_for(settings)
    assert client is not None
    assertion = oauth._client_auth(client, "https://bsky.social", settings)
    header, claims = claims_of(assertion["client_assertion"])
    assert header["alg"] == "ES256" and header["kid"] == keys[0]["kid"]
    assert claims["iss"] == claims["sub"] == client.client_id
    assert claims["aud"] == "https://bsky.social"


def test_a_dpop_proof_names_the_request_and_the_token() -> None:
    key = dpop.new_key()
    proof = dpop.proof(key, "post", "https://pds.example/xrpc/x?y=1", nonce="n1", token="tok")
    header, claims = claims_of(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert "d" not in header["jwk"]
    assert claims["htm"] == "POST"
    assert claims["htu"] == "https://pds.example/xrpc/x"
    assert claims["nonce"] == "n1"
    assert claims["ath"] == dpop.b64url_sha256("tok")
    assert claims_of(dpop.proof(key, "GET", "https://a.b/c"))[1]["jti"] != claims["jti"]


async def test_par_against_the_real_pds(atproto_network: Network, tmp_path: Path) -> None:
    settings = Settings(
        base_url="http://127.0.0.1:8000",
        data_dir=tmp_path,
        bluesky_plc_url=atproto_network.plc,
        bluesky_handle_resolver=atproto_network.pds,
    )
    them = atproto_network.create_account("par")
    url, pending = await oauth.start(them.handle, settings)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == atproto_network.pds  # the PDS is its own AS
    assert parts.path == "/oauth/authorize"
    query = parse_qs(parts.query)
    assert query["request_uri"][0].startswith("urn:ietf:params:oauth:request_uri:")
    assert query["client_id"][0].startswith("http://localhost?")
    assert pending["issuer"] == atproto_network.pds
    assert pending["did"] == them.did
    assert pending["as_nonce"]  # the server's DPoP nonce was asked for and taken up
    assert "d" in pending["dpop_jwk"]  # the link's own key, sealed in the cookie


async def test_oauth_needs_https_or_loopback(
    client: httpx.AsyncClient, make_account: Any, atproto_network: Network
) -> None:
    await make_account("nooauth", password="correct horse battery")
    page = await client.get("/login")
    await client.post(
        "/login",
        data={
            "login": "nooauth",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    page = await client.get("/settings/bridges")
    assert "Link with Bluesky" not in page.text  # http://testserver: app passwords only
    refused = await client.post(
        "/settings/bridges/bluesky/oauth",
        data={"identifier": "someone.test", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 422
    assert "https address" in refused.text


async def test_a_callback_hashchat_did_not_start_links_nothing(
    client: httpx.AsyncClient, db: Database, make_account: Any
) -> None:
    await make_account("cb", password="correct horse battery")
    page = await client.get("/login")
    await client.post(
        "/login",
        data={
            "login": "cb",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    forged = await client.get(
        "/bridges/bluesky/oauth/callback",
        params={"code": "abc", "state": "guessed", "iss": "https://evil.example"},
    )
    assert forged.status_code == 422
    assert "not the one hashchat started" in forged.text
    denied = await client.get(
        "/bridges/bluesky/oauth/callback",
        params={"error": "access_denied", "error_description": "The user rejected the request"},
    )
    assert denied.status_code == 422
    assert "The user rejected the request" in denied.text
    async with db.read() as session:
        assert (await session.scalars(select(LinkedAccount))).all() == []


async def test_the_metadata_document_is_served(client: httpx.AsyncClient) -> None:
    meta = await client.get("/bridges/bluesky/client-metadata.json")
    assert meta.status_code == 200
    assert meta.json()["client_id"] == "http://testserver/bridges/bluesky/client-metadata.json"
    keys = await client.get("/bridges/bluesky/jwks.json")
    assert keys.status_code == 200 and "d" not in keys.json()["keys"][0]


async def test_logging_in_with_bluesky_keeps_next_and_says_when_to_try_again(
    client: httpx.AsyncClient, app: Any, monkeypatch: Any
) -> None:
    """A refusal goes back to the log-in page with the same ``next`` (so the log-in that follows
    lands where the person was going), and the log-in limit's 429 carries Retry-After."""
    from hashchat.web import ratelimit
    from hashchat.web.ratelimit import RateLimiter, parse

    app.state.runtime.limiter = RateLimiter(enabled=True)
    monkeypatch.setitem(ratelimit.RULES, "log_in", parse("1/5 minutes"))
    page = await client.get("/login?next=/live/WriteChat")
    assert 'name="next" value="/live/WriteChat"' in page.text.split('action="/login/bluesky"')[1]
    form = {"identifier": "no such handle", "next": "/live/WriteChat"}
    first = await client.post("/login/bluesky", data=form | {"csrf_token": csrf_from(page.text)})
    assert first.status_code == 422 and 'id="bluesky-error"' in first.text
    assert 'name="next" value="/live/WriteChat"' in first.text
    refused = await client.post("/login/bluesky", data=form | {"csrf_token": csrf_from(first.text)})
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 300
    assert 'id="bluesky-error"' in refused.text
