"""A person signs up, posts with a hashtag from the hashtag page, and finds the post there."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer


def test_sign_up_post_and_find_it_on_the_hashtag_page(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Handle").fill("browser_user")
    page.get_by_label("Password").fill("a browser password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name="@browser_user")).to_be_visible()

    page.goto(f"{live_server.url}/tags/BrowserChat")
    box = page.get_by_label("Post to #BrowserChat")
    expect(box).to_have_value("#BrowserChat ")
    box.press("End")
    box.type("Hello from Chromium 😀 see example.com")
    # The counter shows the server's count: 13 for the tag, 20 for the words, 2 for the emoji,
    # 5 for " see " and 23 for a URL even without http:// (which the quick local guess misses).
    expect(page.locator("[data-counter]")).to_have_text("217 characters left")
    page.get_by_role("button", name="Post").click()

    expect(page).to_have_url(f"{live_server.url}/tags/BrowserChat")
    post = page.locator("article.post").first
    expect(post).to_contain_text("Hello from Chromium 😀 see example.com")
    expect(post.get_by_role("link", name="#BrowserChat")).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )
    screenshot(page, "tag-page")
    page.set_viewport_size({"width": 320, "height": 700})
    screenshot(page, "tag-page-phone")
    # the same post is found by another spelling of the tag
    page.goto(f"{live_server.url}/tags/browserchat")
    expect(page.locator("article.post").first).to_contain_text("Hello from Chromium")


def test_sign_up_errors_are_shown_beside_the_field(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/signup")
    page.get_by_label("Handle").fill("bad handle")
    page.get_by_label("Password").fill("a browser password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#username-error")).to_have_text(
        "a handle may only use letters, digits and _"
    )
    expect(page.get_by_label("Handle")).to_have_value("bad handle")
