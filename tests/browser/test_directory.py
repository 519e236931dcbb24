"""A host in New York lists a chat with the form; a guest in London finds it by topic and by a
time in their own zone (the browser's, guessed by the page's script); someone follows it with a
reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer

NEW_YORK, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")


def sign_up(page: Page, base: str, handle: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill("a browser password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name=f"@{handle}")).to_be_visible()


def next_wednesday_20_00_in_london() -> datetime:
    """The first occurrence the server will list, seen from London (four or five hours later,
    depending on the week of the year)."""
    now = datetime.now(UTC).astimezone(NEW_YORK)
    day = now.date() + timedelta(days=(2 - now.weekday()) % 7)
    start = datetime(day.year, day.month, day.day, 20, tzinfo=NEW_YORK)
    if start + timedelta(hours=1) <= now:
        start += timedelta(days=7)
    return start.astimezone(LONDON)


def test_list_a_chat_find_it_from_another_zone_and_follow_it(
    browser: Browser, live_server: LiveServer
) -> None:
    base = live_server.url
    host_context = browser.new_context(
        timezone_id="America/New_York", viewport={"width": 1100, "height": 900}
    )
    host = host_context.new_page()
    sign_up(host, base, "nyhost")
    host.get_by_role("link", name="Chats", exact=True).click()
    host.get_by_role("link", name="List a chat").click()
    host.get_by_label("Hashtag").fill("#KnitAlong")
    host.get_by_label("Title").fill("Knit-along evenings")
    host.get_by_label("Description").fill("Bring your **needles**. <script>alert(1)</script>")
    host.get_by_label("Topics").fill("knitting, crafts")
    today = datetime.now(UTC).astimezone(NEW_YORK).date()
    host.get_by_label("First date").fill(today.isoformat())
    host.get_by_label("Starts at").fill("20:00")
    expect(host.get_by_label("In the time zone")).to_have_value("America/New_York")  # the profile's
    host.get_by_label("Every week").check()
    expect(host.get_by_label("Which one in the month")).to_be_hidden()  # only for monthly
    host.get_by_label("On", exact=True).select_option("WE")
    host.get_by_role("button", name="List the chat").click()
    expect(host).to_have_url(f"{base}/chats/KnitAlong")
    expect(host.get_by_role("heading", name="Knit-along evenings")).to_be_visible()
    expect(host.locator(".dir-description")).to_contain_text("<script>alert(1)</script>")
    expect(host.locator(".dir-description strong")).to_have_text("needles")
    google = host.get_by_role("link", name="Google Calendar").get_attribute("href") or ""
    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert "ctz=America%2FNew_York" in google and "RRULE%3AFREQ%3DWEEKLY%3BBYDAY%3DWE" in google
    screenshot(host, "directory-chat-page")
    host_context.close()

    # A guest in London: the page learns the zone from the browser.
    guest_context = browser.new_context(
        timezone_id="Europe/London", viewport={"width": 1100, "height": 900}
    )
    guest = guest_context.new_page()
    guest.goto(f"{base}/chats")
    expect(guest.locator("[data-viewer-zone]")).to_have_text("Europe/London")
    expected = next_wednesday_20_00_in_london()
    card = guest.locator("article.dir-card", has_text="#KnitAlong")
    expect(card).to_contain_text(f"{expected:%a} {expected.day} {expected:%b}, {expected:%H:%M}")
    # by topic
    guest.get_by_role("link", name="knitting").first.click()
    expect(guest.locator("article.dir-card")).to_have_count(1)
    expect(guest.get_by_text("1 chat found")).to_be_visible()
    # by day and time, in London's clock
    guest.goto(f"{base}/chats")
    guest.get_by_text("Filters: day, time, topic, language").click()
    guest.locator("label.dir-day", has_text=f"{expected:%a}").click()
    guest.get_by_label("Or between").fill(f"{expected:%H}:00")
    guest.get_by_label("and", exact=True).fill(f"{(expected + timedelta(hours=1)):%H}:00")
    guest.get_by_role("button", name="Apply filters").click()
    expect(guest.locator("article.dir-card")).to_have_count(1)
    expect(guest.locator("article.dir-card")).to_contain_text("#KnitAlong")
    screenshot(guest, "directory-search")
    # the hour before, nothing
    guest.get_by_label("Or between").fill(f"{(expected - timedelta(hours=1)):%H}:00")
    guest.get_by_label("and", exact=True).fill(f"{expected:%H}:00")
    guest.get_by_role("button", name="Apply filters").click()
    expect(guest.locator("article.dir-card")).to_have_count(0)
    # the week, as a picture
    guest.goto(f"{base}/chats/agenda")
    expect(guest.locator(".dir-block", has_text="#KnitAlong")).to_contain_text(f"{expected:%H:%M}")
    screenshot(guest, "directory-week")
    guest.set_viewport_size({"width": 320, "height": 700})
    screenshot(guest, "directory-week-phone")
    guest.goto(f"{base}/chats")
    screenshot(guest, "directory-phone")

    # Someone in London follows it with a reminder.
    sign_up(guest, base, "londoner")
    guest.set_viewport_size({"width": 1100, "height": 900})
    guest.goto(f"{base}/chats/KnitAlong")
    guest.get_by_label("Remind me").select_option("30")
    guest.get_by_role("button", name="Follow").click()
    expect(guest.get_by_text("You follow this chat")).to_be_visible()
    expect(guest.get_by_label("You follow this chat. Reminder")).to_have_value("30")
    guest.goto(f"{base}/chats/following")
    expect(guest.locator("article.dir-card")).to_contain_text("#KnitAlong")
    guest.keyboard.press("Tab")  # keyboard users see where they are
    screenshot(guest, "directory-following")
    guest_context.close()
