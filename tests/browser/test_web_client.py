"""A web client on another origin (a second local port, as Elk or Phanpy are elsewhere) logs in
through CORS with a token, posts, reads a tag timeline with its Link header and streams over
WebSocket; hashchat's session cookie, which the browser holds for the same host, is no use to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer

CLIENT = Path(__file__).resolve().parent / "webclient"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def elsewhere() -> Iterator[str]:
    """The web client's own origin: a static file server on another port."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(CLIENT)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_web_client_elsewhere_logs_in_reads_and_streams(
    browser: Browser, live_server: LiveServer, elsewhere: str
) -> None:
    made = live_server.run_cli(
        "users", "create", "webby", "--password-stdin", input="web password\n"
    )
    assert made.returncode == 0, made.stderr
    context = browser.new_context(viewport={"width": 900, "height": 700})
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Signed in to hashchat itself in the same browser: its cookie goes along to 127.0.0.1.
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Handle or email").fill("webby")
    page.get_by_label("Password").fill("web password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="@webby")).to_be_visible()

    page.goto(f"{elsewhere}/index.html?server={live_server.url}")
    expect(page.locator("#me")).to_have_text("@webby")
    expect(page.locator("#streamed")).to_have_text("hello from elsewhere #webchat")
    expect(page.locator("#timeline")).to_have_text(
        "hello from elsewhere #webchat (next page linked)"
    )
    expect(page.locator("#cookie")).to_contain_text("refused")
    screenshot(page, "web-client-elsewhere")
    context.close()
