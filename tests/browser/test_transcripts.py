"""A person opens a past session's transcript from the chat's page, switches the answers
between "most engaged" and "time order", follows a permalink to a post, and answers Q1 late;
the answer appears under Q1, marked late. The page is looked at on a phone too."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import new_database
from tests.liveserver import LiveServer


def answer_times(page: Page) -> list[str]:
    return page.locator("#q1 .tr-answers > .tr-post > .tr-by time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )


def test_a_person_reads_a_past_transcript_and_answers_late(
    browser: Browser, tmp_path: Path
) -> None:
    server = LiveServer(tmp_path, new_database("sqlite", tmp_path)).start()
    try:
        seeded = server.run_cli("demo")
        assert seeded.returncode == 0, seeded.stderr
        read_the_transcript(browser, server)
    finally:
        server.stop()


def read_the_transcript(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    # From the chat's page to its last past session, and on to the transcript.
    page.goto(f"{server.url}/chats/writechat")
    page.locator(".host-sessions a", has_text="Openings").click()
    page.get_by_role("link", name="The transcript").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Transcript")
    expect(page.locator("#q1 h3")).to_have_text(
        "Q1: What makes you keep reading after the first line?"
    )
    engaged = page.get_by_role("link", name="Most engaged")
    expect(engaged).to_have_attribute("aria-current", "true")
    screenshot(page, "transcript-engaged")

    # Time order: the answers to Q1 by when they were written.
    page.get_by_role("link", name="Time order").click()
    expect(page.get_by_role("link", name="Time order")).to_have_attribute("aria-current", "true")
    times = answer_times(page)
    assert len(times) == 4 and times == sorted(times)
    page.get_by_role("link", name="Most engaged").click()
    expect(engaged).to_have_attribute("aria-current", "true")
    assert sorted(answer_times(page)) == times  # the same answers, liked ones first

    # A permalink: the first answer's time leads to the post's own page.
    first = page.locator("#q1 .tr-answers > .tr-post").first
    words = first.locator("> .content").inner_text()
    first.locator("> .tr-by a.when").click()
    expect(page).to_have_url(re.compile(r"/@[a-z]+/\d+$"))
    expect(page.locator(".focus .post .content")).to_have_text(words)
    page.go_back()

    # Demo Person answers Q1 a day late, from the transcript; it lands under Q1, marked late.
    page.goto(f"{server.url}/login?next=/chats/writechat")
    page.get_by_label("Handle or email").fill("demo")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Log in").click()
    page.locator(".host-sessions a", has_text="Openings").click()
    page.get_by_role("link", name="The transcript").click()
    page.locator("#q1").get_by_text("Answer Q1 now").click()
    page.get_by_label("Your answer to Q1").fill("A1: a voice I trust, <even late>")
    page.locator("#q1").get_by_role("button", name="Post").click()
    late = page.locator("#q1 .tr-post", has_text="a voice I trust, <even late>")
    expect(late).to_be_visible()
    expect(late.locator(".badge.late")).to_have_text("late")
    expect(page.locator("#q1 > .meta")).to_contain_text("5 answers (1 late)")
    screenshot(page, "transcript-late-answer")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    small = phone.new_page()
    small.goto(page.url.split("#")[0])
    expect(small.locator("#q1")).to_be_visible()
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    screenshot(small, "transcript-phone")
    phone.close()
    context.close()
