"""A person links their Mastodon account (on a second hashchat acting as their server: its own
sign-in and consent pages, in the same browser), then posts from a live room with "Also on
Mastodon" ticked: the status is on their server, and the room says where. Then the pages on a
phone-sized screen. The remote answers at localhost, this hashchat at 127.0.0.1: two sites, so
their session cookies do not collide."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_live_room import sign_in
from tests.conftest import new_database
from tests.liveserver import LiveServer


def two_sites(tmp_path: Path) -> tuple[LiveServer, str, LiveServer]:
    """Started: a second hashchat acting as the person's Mastodon server, the URL it answers
    at (localhost), and this hashchat (at 127.0.0.1). The caller stops both."""
    (tmp_path / "remote").mkdir()
    remote = LiveServer(tmp_path / "remote", new_database("sqlite", tmp_path / "remote"))
    there = f"http://localhost:{remote.port}"
    remote.extra_env["HASHCHAT_BASE_URL"] = there
    remote.start()
    return remote, there, LiveServer(tmp_path, new_database("sqlite", tmp_path)).start()


def sign_in_at(context: BrowserContext, server: LiveServer, base: str, handle: str) -> Page:
    made = server.run_cli("users", "create", handle, "--password-stdin", input="room password\n")
    assert made.returncode == 0, made.stderr
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill("room password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=f"@{handle}")).to_be_visible()
    return page


def test_link_a_mastodon_account_then_post_from_the_room(browser: Browser, tmp_path: Path) -> None:
    remote, there, here = two_sites(tmp_path)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        sign_in_at(context, remote, there, "tootie")
        page = sign_in(context, here, "masto")
        page.goto(f"{here.url}/settings/bridges")
        page.get_by_label("Your Mastodon server").fill("http://mastodon.example")
        page.get_by_role("button", name="Link with Mastodon").click()
        expect(page.locator("#server-error")).to_contain_text("over https")
        page.get_by_label("Your Mastodon server").fill(there)
        page.get_by_role("button", name="Link with Mastodon").click()
        expect(page.get_by_role("heading", name="Let hashchat use your account?")).to_be_visible()
        screenshot(page, "mastodon-consent")
        page.get_by_role("button", name="Authorize").click()
        expect(page.get_by_role("status")).to_have_text("Your Mastodon account is linked.")
        expect(page.locator("[data-linked=mastodon]")).to_contain_text(
            f"tootie@localhost:{remote.port}"
        )
        screenshot(page, "mastodon-linked")

        # A chat that reads the remote: the server on the listing form, one a line.
        page.goto(f"{here.url}/chats/new")
        page.get_by_label("Hashtag").fill("TootChat")
        page.get_by_label("Title", exact=True).fill("Toots")
        page.get_by_label("Mastodon servers to read, one a line").fill("https://nobody.example")
        page.get_by_role("button", name="List the chat").click()
        expect(page.locator("#bridges-error")).to_contain_text("no host of #TootChat")
        page.get_by_label("Mastodon servers to read, one a line").fill(there)
        page.get_by_role("button", name="List the chat").click()
        expect(page).to_have_url(f"{here.url}/chats/TootChat")  # listed before we leave
        page.goto(f"{here.url}/chats/TootChat/edit")
        expect(page.get_by_label("Mastodon servers to read, one a line")).to_have_value(there)
        page.get_by_label("Mastodon servers to read, one a line").scroll_into_view_if_needed()
        screenshot(page, "mastodon-chat-form")

        page.goto(f"{here.url}/live/TootChat")
        box = page.get_by_label("Also on Mastodon")
        expect(box).to_be_visible()
        box.check()
        page.get_by_label("Post to the chat").fill("Hello fediverse https://example.com")
        # The remote takes 280: "Hello fediverse " (16) + a link (23) + " #TootChat" (10).
        expect(page.locator("[data-mastodon-counter]")).to_have_text("231 left")
        page.get_by_label("Mastodon visibility").select_option("unlisted")
        page.get_by_role("button", name="Post", exact=True).click()
        expect(page.locator("article.post").first).to_contain_text("Hello fediverse")
        status = page.locator("[data-bluesky-status]")
        expect(status).to_contain_text("Posted to Mastodon.", timeout=15_000)
        href = status.get_by_role("link", name="See it on Mastodon").get_attribute("href")
        assert href is not None and href.startswith(there)
        screenshot(page, "mastodon-posted")

        found = httpx.get(f"{remote.url}/api/v1/timelines/tag/TootChat", timeout=10).json()
        assert [s["text"] for s in found] == ["Hello fediverse https://example.com #TootChat"]
        assert found[0]["account"]["username"] == "tootie"

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{here.url}/live/TootChat")
        expect(page.get_by_label("Also on Mastodon")).to_be_visible()
        screenshot(page, "mastodon-room-phone")
        page.goto(f"{here.url}/settings/bridges")
        screenshot(page, "mastodon-settings-phone")
    finally:
        context.close()
        here.stop()
        remote.stop()
