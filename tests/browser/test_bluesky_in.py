"""A host turns Bluesky on for a chat on its edit page; a post made on the PDS (tests/pds) with
the hashtag appears in the open room, marked "on Bluesky" and linked to the original, its text
as text. Then the room on a phone-sized screen."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.bridges.jetstream import post_record
from tests.browser.conftest import screenshot
from tests.browser.test_live_room import sign_in
from tests.conftest import new_database
from tests.liveserver import LiveServer
from tests.pds import Network
from tests.services import free_port


def list_bridged_chat(host: Page, server: LiveServer, tag: str, title: str) -> None:
    """As a host: list a weekly chat for #tag, with Bluesky read into its room always."""
    host.goto(f"{server.url}/chats/new")
    host.get_by_label("Hashtag").fill(f"#{tag}")
    host.get_by_label("Title").fill(title)
    host.get_by_label("First date").fill(datetime.now(UTC).date().isoformat())
    host.get_by_label("Starts at").fill("20:00")
    host.get_by_label("Every week").check()
    host.get_by_label("Bluesky").check()
    host.get_by_label("When").select_option("always")
    host.get_by_role("button", name="List the chat").click()
    expect(host).to_have_url(f"{server.url}/chats/{tag}")


def test_a_bluesky_post_appears_in_the_open_room(
    browser: Browser, atproto_network: Network, tmp_path: Path
) -> None:
    server = LiveServer(
        tmp_path,
        new_database("sqlite", tmp_path),
        extra_env={
            "HASHCHAT_BRIDGES": "true",
            "HASHCHAT_BLUESKY_FIREHOSE": atproto_network.pds.replace("http://", "ws://"),
            "HASHCHAT_BLUESKY_PLC_URL": atproto_network.plc,
            "HASHCHAT_BLUESKY_HANDLE_RESOLVER": atproto_network.pds,
        },
    ).start()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        host = sign_in(context, server, "skyhost")
        list_bridged_chat(host, server, "SkyChat", "Sky chat")

        host.goto(f"{server.url}/live/SkyChat")
        expect(host.locator("[data-status]")).to_have_text("Live")
        them = atproto_network.create_account("sky")
        made: list[str] = []  # each record made, until the first shows in the room
        # The reader connects within a couple of seconds of the chat being bridged.
        for _ in range(40):
            record = atproto_network.xrpc(
                "com.atproto.repo.createRecord",
                body={
                    "repo": them.did,
                    "collection": "app.bsky.feed.post",
                    "record": post_record("A1: <b>tea</b> #SkyChat"),
                },
                token=them.access_jwt,
            )
            made.append(record["uri"].rsplit("/", 1)[1])
            try:
                expect(host.locator("article.post").first).to_contain_text(
                    "A1: <b>tea</b>", timeout=1_000
                )
                break
            except AssertionError:
                continue
        assert made
        # Those made before the reader first connected may or may not come (a first connection
        # has no cursor to resume from); whatever came is one of them, each once.
        host.wait_for_timeout(1_000)
        hrefs = [a.get_attribute("href") or "" for a in host.locator("article.post .origin").all()]
        assert 1 <= len(hrefs) == len(set(hrefs)) <= len(made)
        assert {h.rsplit("/", 1)[1] for h in hrefs} <= set(made)
        post = host.locator("article.post").first
        expect(post.locator(".origin")).to_have_text("on Bluesky")
        href = post.locator(".origin").get_attribute("href") or ""
        assert href.startswith(f"https://bsky.app/profile/{them.did}/post/")
        expect(post.locator(".handle")).to_contain_text(f"@{them.handle}@bsky.app")
        assert post.locator(".content b").count() == 0  # the text stays text
        screenshot(host, "bluesky-in-room")
        host.set_viewport_size({"width": 390, "height": 844})
        host.reload()
        expect(host.locator("article.post .origin").first).to_be_visible()
        screenshot(host, "bluesky-in-room-phone")
        api = httpx.get(f"{server.url}/api/v1/timelines/tag/SkyChat", timeout=10).json()
        assert sorted(p["url"] for p in api) == sorted(hrefs)
        assert {p["account"]["acct"] for p in api} == {f"{them.handle}@bsky.app"}
    finally:
        context.close()
        server.stop()


def test_a_room_opened_while_bluesky_is_down_says_so_at_once(
    browser: Browser, tmp_path: Path
) -> None:
    """The source went down before the page was opened: the room says "Bluesky: reconnecting"
    from the start, not only after the next change of state."""
    down = f"ws://127.0.0.1:{free_port()}/subscribe"  # nothing listens there
    server = LiveServer(
        tmp_path,
        new_database("sqlite", tmp_path),
        extra_env={"HASHCHAT_BRIDGES": "true", "HASHCHAT_BLUESKY_JETSTREAM": down},
    ).start()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        host = sign_in(context, server, "skyhost")
        list_bridged_chat(host, server, "DownChat", "Down chat")
        said: list[dict[str, str]] = []
        for _ in range(100):  # the reader wakes, fails to connect and says so
            said = httpx.get(f"{server.url}/api/v1/chats/DownChat/bridges", timeout=10).json()[
                "bridges"
            ]
            if said and said[0]["state"] == "reconnecting":
                break
            time.sleep(0.1)
        assert said == [{"network": "bluesky", "state": "reconnecting"}]
        time.sleep(1)  # its `bridge` event is well in the past when the room opens
        host.goto(f"{server.url}/live/DownChat")
        expect(host.locator("[data-bridge-status]")).to_have_text("Bluesky: reconnecting")
    finally:
        context.close()
        server.stop()
