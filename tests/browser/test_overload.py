"""Posting while the server is overloaded: the composer says the post was refused, keeps it, and
sends it again after the Retry-After the server gave; it then arrives like any other. The writer
is held for real: the test takes SQLite's write lock, so the post ahead of ours stalls in its
batch, and the server refuses newcomers at once (HASHCHAT_WRITE_QUEUE_AGE_MS)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Route, expect

from tests.browser.conftest import screenshot
from tests.browser.test_live_room import sign_in
from tests.conftest import new_database
from tests.liveserver import LiveServer


@pytest.fixture
def busy_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(
        tmp_path,
        new_database("sqlite", tmp_path),
        extra_env={"HASHCHAT_WRITE_QUEUE_AGE_MS": "300", "HASHCHAT_WRITE_LOOP_LAG_MS": "60000"},
    ).start()
    yield server
    server.stop()


def test_the_composer_shows_a_refusal_and_posts_again_after_retry_after(
    browser: Browser, busy_server: LiveServer, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = sign_in(context, busy_server, "patient")
    page.goto(f"{busy_server.url}/live/BusyChat")
    expect(page.locator("[data-status]")).to_have_text("Live")

    lock = sqlite3.connect(tmp_path / "live.db", timeout=10, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the server's writer now waits for this transaction
    try:
        # A post ahead of ours, sent from the page; its batch stalls behind the lock.
        page.evaluate(
            """() => { fetch("/api/v1/statuses", { method: "POST", credentials: "same-origin",
                 headers: { "Content-Type": "application/json", "X-CSRF-Token":
                   document.querySelector('meta[name="csrf-token"]').content },
                 body: JSON.stringify({ status: "ahead #BusyChat" }) }); }"""
        )
        page.wait_for_timeout(600)  # the stalled batch is now past the 300 ms bound
        page.get_by_label("Post to the chat").fill("refused, then posted")
        page.get_by_role("button", name="Post", exact=True).click()
        refusal = page.locator(".field-error")
        expect(refusal).to_have_text("the server is busy; nothing was posted. Trying again in 1 s.")
        expect(page.get_by_label("Post to the chat")).to_have_value("refused, then posted")
        screenshot(page, "overload-composer-refused")
        page.set_viewport_size({"width": 390, "height": 800})
        screenshot(page, "overload-composer-refused-phone")
    finally:
        lock.execute("COMMIT")
        lock.close()
    # Released: the stalled post commits, and the composer's retry goes through on its own.
    log = page.locator("[data-log]")
    expect(log.locator("article.post", has_text="refused, then posted")).to_be_visible(timeout=5000)
    expect(log.locator("article.post", has_text="ahead")).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(0)
    expect(page.get_by_label("Post to the chat")).to_have_value("")
    context.close()


def test_a_post_whose_answer_was_lost_is_not_posted_twice(
    browser: Browser, live_server: LiveServer
) -> None:
    """The post reached the server and was committed, but its answer never reached the page
    (the network dropped it): the composer says so and keeps the text; posting it again sends
    the same Idempotency-Key, and the server answers the post it made instead of a second."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = sign_in(context, live_server, "unlucky")
    page.goto(f"{live_server.url}/live/LostChat")
    expect(page.locator("[data-status]")).to_have_text("Live")
    keys: list[str | None] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server writes it ...
            route.abort("connectionreset")  # ... and the page never hears back
        else:
            route.continue_()

    page.route("**/api/v1/statuses", lose_the_first_answer)
    page.get_by_label("Post to the chat").fill("only once, please")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".field-error")).to_be_visible()
    expect(page.get_by_label("Post to the chat")).to_have_value("only once, please")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_label("Post to the chat")).to_have_value("")
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    posts = httpx.get(f"{live_server.url}/api/v1/timelines/tag/LostChat", timeout=10).json()
    assert len(posts) == 1 and posts[0]["content"].startswith("<p>only once, please")
    page.reload()
    expect(page.locator("article.post")).to_have_count(1)
    context.close()
