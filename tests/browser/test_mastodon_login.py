"""Log in with Mastodon from the log-in page: a person who linked their Mastodon account (on a
second hashchat acting as their server, signed in there in the same browser) logs out here,
then back in with their server alone, and lands where the log-in page was asked to send them.
A wrong server is said beside the field first. Then the log-in page on a phone-sized screen.
The remote answers at localhost, this hashchat at 127.0.0.1: two sites, so their session
cookies do not collide."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_live_room import sign_in
from tests.browser.test_mastodon import sign_in_at, two_sites


def log_out(page: Page) -> None:
    """Log out and wait for the logged-out page: a navigation begun at once would cancel the
    log-out's form post, and /login would send the still-signed-in person on to `next`."""
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_log_in_with_a_linked_mastodon_account(browser: Browser, tmp_path: Path) -> None:
    remote, there, here = two_sites(tmp_path)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    try:
        sign_in_at(context, remote, there, "fedi")
        page = sign_in(context, here, "lina")
        page.goto(f"{here.url}/settings/bridges")
        page.get_by_label("Your Mastodon server").fill(there)
        page.get_by_role("button", name="Link with Mastodon").click()
        page.get_by_role("button", name="Authorize").click()
        expect(page.get_by_role("status")).to_have_text("Your Mastodon account is linked.")

        log_out(page)
        page.goto(f"{here.url}/login?next=/settings/bridges")
        expect(page.get_by_label("Your Mastodon server")).to_be_hidden()  # folded away
        page.get_by_text("Log in with Mastodon").click()
        server = page.get_by_label("Your Mastodon server")
        server.fill("http://mastodon.example")
        page.get_by_role("button", name="Continue with Mastodon").click()
        expect(page.locator("#mastodon-error")).to_contain_text("over https")
        expect(server).to_have_value("http://mastodon.example")
        screenshot(page, "mastodon-login-error")

        server.fill(there)
        page.get_by_role("button", name="Continue with Mastodon").click()
        expect(page.get_by_role("heading", name="Let hashchat use your account?")).to_be_visible()
        page.get_by_role("button", name="Authorize").click()
        expect(page).to_have_url(f"{here.url}/settings/bridges")
        expect(page.get_by_role("link", name="@lina")).to_be_visible()
        expect(page.locator("[data-linked=mastodon]")).to_contain_text(
            f"fedi@localhost:{remote.port}"
        )

        # The log-in page, as a newcomer sees it: both bridges folded under the password form.
        log_out(page)
        page.goto(f"{here.url}/login")
        screenshot(page, "login-desktop")
        page.get_by_text("Log in with Mastodon").click()
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot(page, "login-phone-mastodon-open")
        box = page.get_by_label("Your Mastodon server").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()
        here.stop()
        remote.stop()
