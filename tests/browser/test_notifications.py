"""Someone replies to you while you read another page: the unread badge beside
"Notifications" counts it at once (the page follows your notification stream), and the
notifications page says who replied and shows their post. Then at a phone's width."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer


def _token(server: LiveServer, handle: str) -> str:
    app = httpx.post(f"{server.url}/api/v1/apps",
                     json={"client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                           "scopes": "read write"}).json()  # fmt: skip
    token = httpx.post(f"{server.url}/oauth/token", json={
        "grant_type": "password", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "username": handle, "password": "badge password",
        "scope": "read write"}).json()  # fmt: skip
    return str(token["access_token"])


def test_a_reply_lights_the_badge_and_the_list_says_who(
    browser: Browser, live_server: LiveServer
) -> None:
    for handle in ("lena", "maya"):
        made = live_server.run_cli(
            "users", "create", handle, "--password-stdin", input="badge password\n"
        )
        assert made.returncode == 0, made.stderr
    lena, maya = _token(live_server, "lena"), _token(live_server, "maya")
    question = httpx.post(f"{live_server.url}/api/v1/statuses", json={"status": "Q1: tea?"},
                          headers={"Authorization": f"Bearer {lena}"}).json()  # fmt: skip
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Handle or email").fill("lena")
    page.get_by_label("Password").fill("badge password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="@lena")).to_be_visible()
    badge = page.locator("[data-unread]")
    expect(badge).to_be_hidden()
    page.wait_for_timeout(500)  # the page's notification stream is open
    reply = httpx.post(f"{live_server.url}/api/v1/statuses",
                       json={"status": "A1: always tea", "in_reply_to_id": question["id"]},
                       headers={"Authorization": f"Bearer {maya}"})  # fmt: skip
    assert reply.status_code == 200
    expect(badge).to_have_text("1")
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()

    page.get_by_role("link", name="Notifications 1 unread").click()
    item = page.locator(".dir-notification").first
    expect(item).to_contain_text("@maya replied to your post")
    expect(item.locator("blockquote")).to_have_text("A1: always tea")
    expect(item).to_have_class("card dir-notification unread")
    screenshot(page, "notifications-desktop")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "notifications-phone")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".dir-notification.unread")).to_have_count(0)
    context.close()
