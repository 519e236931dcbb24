"""The demo account catches up on #writechat's past sessions: best answers, people to follow
(it follows one of them from the page), links; then it opens a session's analytics, sees the
figures and the charts, and downloads a chart as PNG and a table as CSV. At desktop and phone
widths."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Browser, Page, expect

from hashchat.demo import DEMO_PASSWORD
from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer


def log_in_as_demo(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Handle or email").fill("demo")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="@demo")).to_be_visible()


def test_the_demo_catches_up_and_reads_a_sessions_analytics(
    browser: Browser, live_server: LiveServer
) -> None:
    seeded = live_server.run_cli("demo")
    assert seeded.returncode == 0, seeded.stderr
    base = live_server.url
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in_as_demo(page, base)

    page.get_by_role("link", name="Catch up").click()
    expect(page.get_by_role("heading", name="What you missed")).to_be_visible()
    sessions = page.locator("article[data-session]")
    expect(sessions).to_have_count(3)
    newest = sessions.first
    expect(newest.get_by_role("heading", name="Questions and the best answers")).to_be_visible()
    expect(newest.get_by_text("Q1:")).to_be_visible()
    expect(newest.get_by_role("heading", name="Most reposted")).to_be_visible()
    expect(newest.get_by_role("link", name="https://example.org/")).to_be_visible()
    people = newest.locator("[data-suggestion]")
    expect(people.first).to_be_visible()
    first = people.first.get_attribute("data-suggestion")
    assert first and first not in ("demo", "maya", "aiko")  # never oneself or the followed
    screenshot(page, "catchup-desktop")
    newest.get_by_role("button", name=f"Follow @{first}").click()
    expect(page.locator(f'article[data-session] >> [data-suggestion="{first}"]')).to_have_count(0)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    small = phone.new_page()
    log_in_as_demo(small, base)
    small.goto(f"{base}/catchup")
    expect(small.get_by_role("heading", name="What you missed")).to_be_visible()
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(small, "catchup-phone")

    # The session's analytics, from the catch-up.
    newest.get_by_role("link", name="Its analytics").click()
    expect(page.get_by_role("heading", name="Posts per minute")).to_be_visible()
    participants = page.locator('[data-figure="participants"]')
    expect(participants).not_to_have_text("0")
    expect(page.locator("svg.chart")).to_have_count(3)
    expect(page.locator("svg.chart title").first).to_have_text("Posts per minute")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PNG").first.click()
    png = download_info.value
    assert png.suggested_filename.endswith("-minutes.png")
    with open(png.path(), "rb") as picture:
        assert picture.read(8) == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="summary.csv").click()
    with open(download_info.value.path(), encoding="utf-8") as table:
        figures = {
            row["figure"]: int(row["value"]) for row in csv.DictReader(io.StringIO(table.read()))
        }
    assert figures["participants"] >= 4 and figures["reposts"] >= 3
    assert participants.inner_text().startswith(f"{figures['participants']:,}")
    screenshot(page, "analytics-desktop")
    # The demo account is an admin, so it sees the chat's dashboard (hosts and admins only).
    page.get_by_role("link", name="The chat's dashboard").click()
    expect(page.get_by_role("heading", name="Participants per session")).to_be_visible()
    expect(page.locator('[data-figure="sessions"]')).to_have_text("3")
    expect(page.locator("table.dir-table tbody tr")).to_have_count(3)
    screenshot(page, "analytics-dashboard")
    page.go_back()
    small.goto(page.url)
    expect(small.locator("svg.chart")).to_have_count(3)
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the analytics page scrolls sideways on a phone ({width}px)"
    screenshot(small, "analytics-phone")
    phone.close()
    context.close()
