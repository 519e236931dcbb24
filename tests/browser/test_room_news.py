"""During a live hour (tests/browser/live_hour.py): a poll the host posts reaches an open room's
side panel at once, and can be voted on there; the host's console counts who is in the room
and who posts, kept current without a reload."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.axe import describe, violations
from tests.browser.conftest import screenshot
from tests.browser.test_live_event import signed_in
from tests.liveserver import LiveServer


def test_a_poll_posted_during_the_session_opens_in_the_rooms_panel(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    room = f"{live_hour_server.url}/live/writechat"
    guest_side = browser.new_context(viewport={"width": 1280, "height": 800})
    lena = signed_in(guest_side, live_hour_server, "lena", "demo-password")
    lena.goto(room)
    expect(lena.locator("[data-status]")).to_have_text("Live")
    expect(lena.locator("#room-poll")).to_contain_text("Where do you write?")
    lena.evaluate("() => { window.notReloaded = true; }")

    host_side = browser.new_context(viewport={"width": 1280, "height": 800})
    maya = signed_in(host_side, live_hour_server, "maya", "demo-password")
    maya.goto(room)
    expect(maya.locator("[data-status]")).to_have_text("Live")
    maya.locator("[data-poll-create] summary").click()
    maya.get_by_role("textbox", name="Question", exact=True).fill("Pen or keyboard?")
    maya.get_by_label("Options").fill("Pen\nKeyboard\nBoth")
    maya.get_by_role("button", name="Post the poll").click()

    panel = lena.locator("#room-poll")
    expect(panel).to_contain_text("Pen or keyboard?", timeout=5000)
    expect(panel).not_to_contain_text("Where do you write?")
    expect(lena.locator("[data-announce]")).to_contain_text("New poll: Pen or keyboard?")
    panel.get_by_label("Keyboard").check()
    panel.get_by_role("button", name="Vote").click()
    expect(panel.locator(".poll-results")).to_contain_text("Keyboard ✓100% (1)")
    # the host's room sees the vote arrive in its own panel
    expect(maya.locator("#room-poll .poll-results")).to_contain_text("Keyboard100% (1)")
    assert lena.evaluate("() => window.notReloaded === true")
    assert not violations(lena), describe(violations(lena))  # the panel built in the page
    screenshot(lena, "room-new-poll")
    guest_side.close()
    host_side.close()


def test_a_new_poll_gets_a_sheet_on_a_phone(browser: Browser, live_hour_server: LiveServer) -> None:
    """A room opened before any poll of the session has no Poll sheet; the new poll adds one."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    kai = signed_in(context, live_hour_server, "kai", "demo-password")
    kai.goto(f"{live_hour_server.url}/live/writechat")
    expect(kai.locator("[data-status]")).to_have_text("Live")
    kai.evaluate("() => { document.getElementById('room-poll')?.remove();"
                 " document.querySelector('.room-sheets a[href=\"#room-poll\"]')?.remove(); }")  # fmt: skip
    host = browser.new_context()
    maya = signed_in(host, live_hour_server, "maya", "demo-password")
    maya.goto(f"{live_hour_server.url}/live/writechat")
    expect(maya.locator("[data-status]")).to_have_text("Live")
    maya.locator("[data-poll-create] summary").click()
    maya.get_by_role("textbox", name="Question", exact=True).fill("Morning or night?")
    maya.get_by_label("Options").fill("Morning\nNight")
    maya.get_by_role("button", name="Post the poll").click()
    sheet = kai.locator(".room-sheets").get_by_role("link", name="Poll")
    expect(sheet).to_be_visible(timeout=5000)
    sheet.click()
    expect(kai.locator("#room-poll")).to_be_visible()
    expect(kai.locator("#room-poll")).to_contain_text("Morning or night?")
    context.close()
    host.close()


def test_the_host_console_counts_who_is_in_the_room(
    browser: Browser, live_hour_server: LiveServer
) -> None:
    host = browser.new_context(viewport={"width": 1280, "height": 800})
    maya = signed_in(host, live_hour_server, "maya", "demo-password")
    maya.goto(f"{live_hour_server.url}/chats/writechat")
    maya.locator(".host-sessions li", has_text="live now").get_by_role("link").click()
    line = maya.locator("[data-host-presence]")
    expect(line).to_contain_text("watching now")
    maya.wait_for_timeout(6000)  # one report (HASHCHAT_PRESENCE_INTERVAL, 5 s) with this console
    api = f"{live_hour_server.url}/api/v1/live/writechat/presence"
    before = int(maya.request.get(api).json()["watching"])
    guests = browser.new_context()
    priya = signed_in(guests, live_hour_server, "priya", "demo-password")
    priya.goto(f"{live_hour_server.url}/live/writechat")
    expect(priya.locator("[data-status]")).to_have_text("Live")
    priya.get_by_label("Post to the chat").fill("A1: finishing, mostly")
    priya.get_by_role("button", name="Post", exact=True).click()
    # her post and her open room reach the console without a reload
    expect(line.locator("[data-posting-names]")).to_contain_text("@priya", timeout=20_000)
    shown = before
    for _ in range(50):  # her open room counts at the next report and the console's next look
        shown = int(line.locator("[data-watching]").inner_text())
        if shown > before:
            break
        maya.wait_for_timeout(500)
    assert shown > before, (shown, before)
    screenshot(maya, "console-presence")
    guests.close()
    host.close()
