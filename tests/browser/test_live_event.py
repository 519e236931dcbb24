"""The room during a live hour (tests/browser/live_hour.py): the question being answered now
stays in view, on a phone the first post is on the first screen, the keyboard moves one post
at a time, the board's upvote works in place, the host extends the session without leaving,
and without JavaScript the same room still reads and posts."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer


def signed_in(context: BrowserContext, server: LiveServer, handle: str, password: str) -> Page:
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=f"@{handle}")).to_be_visible()
    return page


def test_a_phone_sees_the_question_and_the_first_post_on_the_first_screen(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = signed_in(context, live_hour_server, "lena", "demo-password")
    page.goto(f"{live_hour_server.url}/live/writechat")
    expect(page.locator("[data-status]")).to_have_text("Live")
    now = page.locator("[data-current]")
    expect(now).to_contain_text("Q1")
    expect(now).to_contain_text("What is the hardest part of your draft right now?")
    expect(now).to_contain_text("4 answers")
    first = page.locator("#log > article.post").first.bounding_box()
    assert first is not None and first["y"] < 844, first
    page.mouse.wheel(0, 1500)  # the banner stays while the stream scrolls
    page.wait_for_timeout(300)
    box = now.bounding_box()
    assert box is not None and 0 <= box["y"] < 100, box
    # The answer button starts an answer; the panels open as sheets.
    page.get_by_role("link", name="Answer A1").click()
    expect(page.get_by_label("Post to the chat")).to_have_value("A1: ")
    page.get_by_role("link", name="People").click()
    expect(page.locator("#room-people")).to_be_visible()
    expect(page.locator("#room-people")).to_contain_text("Maya Okafor")
    screenshot(page, "live-event-phone")
    context.close()


def test_keyboard_board_and_host_controls_in_the_room(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = signed_in(context, live_hour_server, "kai", "demo-password")
    room = f"{live_hour_server.url}/live/writechat"
    page.goto(room)
    expect(page.locator("[data-status]")).to_have_text("Live")
    expect(page.locator("[data-watching]").first).not_to_have_text("0")
    posts = page.locator("#log > article.post")
    # One tab stop for the posts: only the active one, and its actions, are tabbable.
    assert (
        page.evaluate(
            "() => [...document.querySelectorAll('#log > article.post')].filter(a => a.tabIndex === 0).length"
        )
        == 1
    )
    posts.first.focus()
    page.keyboard.press("j")
    expect(posts.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(posts.first).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("r")
    expect(page.locator("[data-replying]")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("[data-replying]")).to_be_hidden()
    expect(posts.nth(1).locator("time[data-relative]")).to_have_text("now")
    assert posts.nth(1).locator("time[data-relative]").get_attribute("title")

    # The board: upvote in place, the count moves without a reload.
    vote = page.locator("#room-board").get_by_role("button", name="Upvote, votes: 0").first
    vote.click()
    expect(
        page.locator("#room-board").get_by_role("button", name="Upvote, votes: 1")
    ).to_have_attribute("aria-pressed", "true")
    context.close()

    # The host extends the session from the room and stays there.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    host = signed_in(context, live_hour_server, "maya", "demo-password")
    host.goto(room)
    expect(host.locator("#room-host")).to_contain_text("Next up")
    before = host.locator("[data-ends]").inner_text()
    host.locator("#room-host").get_by_label("Minutes to add").select_option("15")
    host.locator("#room-host").get_by_role("button", name="Extend").click()
    expect(host).to_have_url(room)
    expect(host.locator("[data-ends]")).not_to_have_text(before)
    screenshot(host, "live-event-host")
    context.close()


def test_the_room_reads_and_pages_without_javascript(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_hour_server.url}/live/writechat")
    expect(page.locator("[data-current]")).to_contain_text("Q1")
    expect(page.locator("#room-board")).to_contain_text("How do you keep a long project")
    newest = page.locator("#log > article.post").first.get_attribute("data-id")
    older = page.get_by_role("link", name="Load older posts")
    expect(older).to_be_visible()
    older.click()
    assert "max_id=" in page.url
    assert page.locator("#log > article.post").first.get_attribute("data-id") != newest
    expect(page.get_by_role("link", name="Back to the newest posts")).to_be_visible()
    context.close()
