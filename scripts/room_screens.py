"""Screenshots of a live room in the middle of a live hour, for docs/screens/.

Starts `hashchat serve` on a fresh SQLite database, seeds the demo, starts #writechat's next
session, asks a question, has people answer it, ask on the Q&A board and vote in a poll, then
photographs /live/writechat as the demo participant at 1280x800 and 390x844, light and dark.

    .venv/bin/python scripts/room_screens.py docs/screens after
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.browser.conftest import FLAGS  # noqa: E402
from tests.browser.live_hour import start_live_hour  # noqa: E402
from tests.liveserver import LiveServer  # noqa: E402

SIZES = [(1280, 800), (390, 844)]


def shoot(server: LiveServer, out: Path, label: str) -> list[Path]:
    made = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=FLAGS
        )
        for scheme in ("light", "dark"):
            for width, height in SIZES:
                context = chromium.new_context(
                    viewport={"width": width, "height": height}, color_scheme=scheme
                )
                page = context.new_page()
                page.goto(f"{server.url}/login")
                page.get_by_label("Handle or email").fill("demo")
                page.get_by_label("Password").fill("demo-password")
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url(lambda url: "/login" not in url)
                page.goto(f"{server.url}/live/writechat")
                page.wait_for_timeout(1500)
                path = out / f"room-{label}-{width}x{height}-{scheme}.png"
                page.screenshot(path=str(path))
                made.append(path)
                context.close()
        chromium.close()
    return made


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens")
    label = sys.argv[2] if len(sys.argv) > 2 else "after"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_live_hour(Path(tmp))
        try:
            for path in shoot(server, out, label):
                print(path)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
