"""Screenshots of the landing page (/) and the onboarding (/welcome), for docs/screens/.

Starts `hashchat serve` on a fresh SQLite database with the demo and #writechat's session live
(tests/browser/live_hour.py), then photographs, at 1280x800 and 390x844, light and dark: the
landing page signed out, and a newcomer's onboarding (step 1 with picks, step 2). With
``--all`` also the other pages this work changed (a chat's page with its countdown, the
landing signed in, the session console with its presence line) into the given folder.

    .venv/bin/python scripts/landing_screens.py docs/screens
    .venv/bin/python scripts/landing_screens.py test-artifacts/screens --all
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from tests.browser.conftest import FLAGS  # noqa: E402
from tests.browser.live_hour import start_live_hour  # noqa: E402
from tests.liveserver import LiveServer  # noqa: E402

SIZES = [(1280, 800), (390, 844)]


def log_in(page: Page, server: LiveServer, handle: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def shoot(server: LiveServer, out: Path, every: bool) -> list[Path]:
    made = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=FLAGS
        )
        n = 0
        for scheme in ("light", "dark"):
            for width, height in SIZES:
                size = f"{width}x{height}-{scheme}"
                context = chromium.new_context(
                    viewport={"width": width, "height": height}, color_scheme=scheme
                )
                page = context.new_page()

                def snap(name: str, *, full: bool = False) -> None:
                    page.evaluate("() => window.scrollTo(0, 0)")
                    path = out / f"{name}-{size}.png"
                    page.screenshot(path=str(path), full_page=full)
                    made.append(path)

                page.goto(f"{server.url}/")
                page.wait_for_timeout(500)
                snap("landing")
                n += 1
                page.goto(f"{server.url}/signup")
                page.get_by_label("Handle").fill(f"newcomer{n}")
                page.get_by_label("Password").fill("a newcomer password")
                page.get_by_role("button", name="Create account").click()
                page.wait_for_url("**/welcome")
                for topic in ("writing", "education"):
                    box = page.get_by_role("checkbox", name=topic, exact=True)
                    if box.count():
                        box.check()
                page.get_by_role("checkbox", name="Wednesday").check()
                page.get_by_role("radio", name="Evenings (17–22)").check()
                snap("welcome-topics")
                page.get_by_role("button", name="Show chats for me").click()
                page.wait_for_url("**/welcome/chats**")
                page.locator('input[name="chat"]').first.check()
                snap("welcome-chats")
                if every:
                    page.goto(f"{server.url}/chats/writechat")
                    snap("chat-countdown")
                    page.goto(f"{server.url}/chats/edchat")
                    snap("chat-countdown-upcoming")
                    page.goto(f"{server.url}/")
                    snap("landing-signed-in", full=True)
                context.close()
                if every:
                    context = chromium.new_context(
                        viewport={"width": width, "height": height}, color_scheme=scheme
                    )
                    page = context.new_page()
                    log_in(page, server, "maya", "demo-password")
                    page.goto(f"{server.url}/chats/writechat")
                    live = page.locator(".host-sessions li", has_text="live now").locator("a")
                    page.goto(server.url + (live.first.get_attribute("href") or ""))
                    page.wait_for_timeout(800)
                    snap("session-console")
                    context.close()
        chromium.close()
    return made


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens")
    every = "--all" in sys.argv
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_live_hour(Path(tmp))
        try:
            for path in shoot(server, out, every):
                print(path)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
