"""A person links their Bluesky account on the settings page, then posts from a live room with
"Also on Bluesky" ticked: the record lands on their own PDS (tests/pds) with its facets, and the
room says where it is. Then the same page on a phone-sized screen."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.browser.test_live_room import sign_in
from tests.conftest import new_database
from tests.liveserver import LiveServer
from tests.pds import Network


def test_link_then_post_from_the_room_to_bluesky(
    browser: Browser, atproto_network: Network, tmp_path: Path
) -> None:
    server = LiveServer(
        tmp_path,
        new_database("sqlite", tmp_path),
        extra_env={
            "HASHCHAT_BLUESKY_PLC_URL": atproto_network.plc,
            "HASHCHAT_BLUESKY_HANDLE_RESOLVER": atproto_network.pds,
        },
    ).start()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        them = atproto_network.create_account("browser")
        page = sign_in(context, server, "skye")
        page.goto(f"{server.url}/settings/bridges")
        page.get_by_label("Handle or DID").fill(them.handle)
        page.get_by_label("App password").fill("aaaa-bbbb-cccc-dddd")
        page.get_by_role("button", name="Link with an app password").click()
        expect(page.locator("#app_password-error")).to_contain_text("refused")
        page.get_by_label("App password").fill(atproto_network.app_password(them))
        page.get_by_role("button", name="Link with an app password").click()
        expect(page.get_by_role("status")).to_have_text("Your Bluesky account is linked.")
        screenshot(page, "bluesky-linked")

        page.goto(f"{server.url}/live/BlueChat")
        box = page.get_by_label("Also on Bluesky")
        expect(box).to_be_visible()
        box.check()
        page.get_by_label("Post to the chat").fill(
            "Hello from the room, café ☕ https://example.com"
        )
        # 47 graphemes typed + " #BlueChat"
        expect(page.locator("[data-bluesky-counter]")).to_have_text("243 left")
        page.get_by_role("button", name="Post", exact=True).click()
        expect(page.locator("article.post").first).to_contain_text("Hello from the room")
        status = page.locator("[data-bluesky-status]")
        expect(status).to_contain_text("Posted to Bluesky.", timeout=15_000)
        href = status.get_by_role("link", name="See it on Bluesky").get_attribute("href")
        assert href is not None and href.startswith(f"https://bsky.app/profile/{them.did}/post/")
        screenshot(page, "bluesky-posted")

        rkey = href.rsplit("/", 1)[1]
        stored = atproto_network.get_record(f"at://{them.did}/app.bsky.feed.post/{rkey}")
        text = stored["value"]["text"]
        assert text == "Hello from the room, café ☕ https://example.com #BlueChat"
        features = [f["features"][0] for f in stored["value"]["facets"]]
        assert features == [
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com"},
            {"$type": "app.bsky.richtext.facet#tag", "tag": "BlueChat"},
        ]

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{server.url}/live/BlueChat")
        expect(page.get_by_label("Also on Bluesky")).to_be_visible()
        screenshot(page, "bluesky-room-phone")
        page.goto(f"{server.url}/settings/bridges")
        screenshot(page, "bluesky-settings-phone")
    finally:
        context.close()
        server.stop()
