"""Linking by atproto OAuth against the real PDS (tests/pds) in Chromium: hashchat (on
127.0.0.1, so the loopback client) pushes the request (PAR, PKCE, DPoP), the person signs in and
authorizes at their PDS, and comes back linked. Posting then goes out with the DPoP-bound token,
a renewal uses the single-use refresh token, unlinking revokes it, and "Log in with Bluesky"
signs the linked person in."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from hashchat.bridges.bluesky import dpop, oauth, xrpc
from hashchat.bridges.sealing import Sealer
from hashchat.config import Settings
from tests.browser.conftest import screenshot
from tests.browser.test_live_room import sign_in
from tests.conftest import new_database
from tests.liveserver import LiveServer
from tests.pds import Network, PdsAccount


def authorize_at_the_pds(page: Page, them: PdsAccount) -> None:
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert page.url.startswith("http://localhost:")  # the PDS's own page, not hashchat's
    page.locator("input[name=password]").fill(them.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Authorize").click()


def post_to_bluesky(page: Page, server: LiveServer, text: str) -> str:
    page.goto(f"{server.url}/live/OAuthChat")
    page.get_by_label("Also on Bluesky").check()
    page.get_by_label("Post to the chat").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    status = page.locator("[data-bluesky-status]")
    expect(status).to_contain_text("Posted to Bluesky.", timeout=15_000)
    href = status.get_by_role("link", name="See it on Bluesky").get_attribute("href")
    assert href is not None
    return href


async def refresh_refused(kept: dict[str, Any]) -> bool:
    client = oauth.Client(kept["client_id"], "", confidential=False)
    key = dpop.DPoP(dpop.key_from(kept["dpop_jwk"]))
    form = {"grant_type": "refresh_token", "refresh_token": kept["refresh_token"]}
    try:
        await oauth._post(kept["token_endpoint"], form, key, client, kept["issuer"], Settings())
    except xrpc.XrpcError as error:
        return error.error == "invalid_grant"
    return False


def test_link_post_renew_unlink_and_log_in_with_bluesky(
    browser: Browser, atproto_network: Network, tmp_path: Path
) -> None:
    database = new_database("sqlite", tmp_path)
    server = LiveServer(
        tmp_path,
        database,
        extra_env={
            "HASHCHAT_BLUESKY_PLC_URL": atproto_network.plc,
            "HASHCHAT_BLUESKY_HANDLE_RESOLVER": atproto_network.pds,
        },
    ).start()
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        them = atproto_network.create_account("oauthed")
        page = sign_in(context, server, "olive")
        page.goto(f"{server.url}/settings/bridges")
        screenshot(page, "bluesky-settings-link")
        page.get_by_label("Your Bluesky handle").fill(them.handle)
        page.get_by_role("button", name="Link with Bluesky").click()
        authorize_at_the_pds(page, them)
        expect(page.get_by_role("status")).to_have_text("Your Bluesky account is linked.")
        expect(page.locator("[data-linked=bluesky]")).to_contain_text("signed in with Bluesky")
        screenshot(page, "bluesky-oauth-linked")

        href = post_to_bluesky(page, server, "Posted with a DPoP-bound token")
        rkey = href.rsplit("/", 1)[1]
        record = atproto_network.get_record(f"at://{them.did}/app.bsky.feed.post/{rkey}")
        assert record["value"]["text"] == "Posted with a DPoP-bound token #OAuthChat"

        # The access token runs out: the next post renews it with the refresh token first.
        path = database.removeprefix("sqlite+aiosqlite:///")
        with sqlite3.connect(path) as db:
            before = db.execute("SELECT sealed FROM linked_accounts").fetchone()[0]
            db.execute(
                "UPDATE linked_accounts SET access_expires_at = '2000-01-01 00:00:00.000000'"
            )
        href = post_to_bluesky(page, server, "After a renewal")
        with sqlite3.connect(path) as db:
            after, expires = db.execute(
                "SELECT sealed, access_expires_at FROM linked_accounts"
            ).fetchone()
        assert after != before and expires > "2026"
        rkey = href.rsplit("/", 1)[1]
        assert atproto_network.get_record(f"at://{them.did}/app.bsky.feed.post/{rkey}")

        # Log in with Bluesky: the linked hashchat account, in a fresh browser.
        other = browser.new_context(viewport={"width": 1000, "height": 900})
        try:
            fresh = other.new_page()
            fresh.goto(f"{server.url}/login?next=/settings/bridges")
            fresh.get_by_text("Log in with Bluesky").click()
            fresh.get_by_label("Your Bluesky handle").fill(them.handle)
            fresh.get_by_role("button", name="Continue with Bluesky").click()
            authorize_at_the_pds(fresh, them)
            expect(fresh.get_by_role("link", name="@olive")).to_be_visible()
            expect(fresh).to_have_url(f"{server.url}/settings/bridges")  # where it was going
        finally:
            other.close()

        # Unlinking revokes the grant at the PDS: its refresh token no longer works.
        with sqlite3.connect(path) as db:
            owner_bits = db.execute(
                "SELECT network, account_id, remote_id, sealed FROM linked_accounts"
            ).fetchone()
        sealer = Sealer((tmp_path / "secret_key").read_text().strip())
        kept = sealer.open(":".join(str(b) for b in owner_bits[:3]), owner_bits[3])
        page.goto(f"{server.url}/settings/bridges")
        page.get_by_role("button", name="Unlink").first.click()
        expect(page.get_by_role("status")).to_contain_text("Unlinked")
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM linked_accounts").fetchone()[0] == 0
        with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
            assert pool.submit(asyncio.run, refresh_refused(kept)).result()
        assert httpx.get(f"{server.url}/bridges/bluesky/client-metadata.json").status_code == 200
    finally:
        context.close()
        server.stop()
