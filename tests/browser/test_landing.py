"""The start page and a newcomer's first minutes (tests/browser/live_hour.py: #writechat is
live): Join from the landing page, a chat's countdown that moves on by itself, and the
onboarding done by keyboard alone, and again without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer


def sign_up(page: Page, server: LiveServer, handle: str) -> None:
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill("a newcomer password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{server.url}/welcome")


def test_the_landing_page_joins_what_is_live(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_hour_server.url}/")
    live = page.locator("section", has=page.locator("#live-title"))
    expect(live).to_contain_text("#writechat")
    expect(live.locator("[data-countdown]").first).to_have_text("live now")
    join = live.get_by_role("link", name="Join #writechat")
    box = join.bounding_box()
    assert box is not None and box["y"] + box["height"] < 844, box  # on a phone's first screen
    screenshot(page, "landing-phone")
    join.click()
    expect(page).to_have_url(f"{live_hour_server.url}/live/writechat")
    context.close()


def test_a_chats_countdown_moves_on_by_itself(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.clock.install()
    page.goto(f"{live_hour_server.url}/chats/edchat")
    line = page.locator(".dir-head-side [data-countdown]")
    before = line.inner_text()
    assert re.fullmatch(r"starts in .+", before), before
    starts = line.get_attribute("data-starts") or ""
    page.clock.fast_forward("02:00:00")
    expect(line).not_to_have_text(before)
    # at the start it says so, without a reload
    page.clock.set_system_time(starts.replace("Z", "+00:00"))
    page.clock.fast_forward(21_000)
    expect(line).to_have_text("live now")
    context.close()


def test_a_newcomer_onboards_by_keyboard(browser: Browser, live_hour_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_up(page, live_hour_server, "keyboard_newcomer")
    expect(page.get_by_role("heading", name="Welcome, @keyboard_newcomer")).to_be_visible()
    writing = page.get_by_role("checkbox", name="writing", exact=True)
    writing.focus()
    page.keyboard.press("Space")
    expect(writing).to_be_checked()
    page.keyboard.press("Tab")  # on to the next topic: each choice is one tab stop
    expect(writing).not_to_be_focused()
    page.get_by_role("radio", name="Any time").focus()
    page.keyboard.press("ArrowDown")  # a radio group moves with the arrows
    expect(page.get_by_role("radio", name="Mornings (06–12)")).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # evenings
    page.get_by_role("button", name="Show chats for me").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Chats for you")).to_be_visible()
    first = page.get_by_role("checkbox").first
    first.focus()
    page.keyboard.press("Space")
    chosen = first.get_attribute("value")
    page.get_by_role("button", name="Follow the chats I ticked").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_hour_server.url}/chats/following")
    expect(page.locator(".dir-list")).to_contain_text(f"#{chosen}")
    context.close()


def test_the_onboarding_works_without_javascript_and_can_be_skipped(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_up(page, live_hour_server, "plain_newcomer")
    page.get_by_role("checkbox", name="education", exact=True).check()
    page.get_by_role("checkbox", name="Wednesday").check()
    page.get_by_role("button", name="Show chats for me").click()
    expect(page).to_have_url(re.compile(r"/welcome/chats\?topic=education&topic=&day=we&time=$"))
    offered = page.locator('input[name="chat"]').evaluate_all("(all) => all.map((i) => i.value)")
    assert "edchat" in offered, offered
    page.get_by_role("checkbox", name=re.compile("#edchat")).check()
    page.get_by_role("button", name="Follow the chats I ticked").click()
    expect(page.locator(".dir-list")).to_contain_text("#edchat")
    # Skipping: straight to the start page, which offers the onboarding again later
    page.goto(f"{live_hour_server.url}/welcome")
    page.get_by_role("link", name="Skip for now").click()
    expect(page).to_have_url(f"{live_hour_server.url}/")
    expect(page.get_by_role("link", name="Your timeline").first).to_be_visible()
    context.close()
