"""axe-core over every page a person reaches, in light and dark mode, at desktop and phone
sizes, signed out and signed in, during a live hour (tests/browser/live_hour.py): no serious
or critical violation anywhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.axe import describe, violations
from tests.liveserver import LiveServer

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
PUBLIC = ["/", "/chats", "/chats/agenda", "/chats/writechat", "/live/writechat",
          "/live?tags=writechat,edchat", "/live", "/tags/writechat", "/@maya", "/login",
          "/signup"]  # fmt: skip
SIGNED_IN = ["/", "/live/writechat", "/live/writechat?view=questions", "/catchup",
             "/notifications", "/settings/profile", "/chats/following", "/chats/new",
             "/tags/writechat", "/@demo"]  # fmt: skip


def session_paths(server: LiveServer, context: BrowserContext) -> list[str]:
    """The live session's page and a past session's page and transcript."""
    page = context.new_page()
    page.goto(f"{server.url}/chats/writechat")
    links = page.locator(".host-sessions a")
    found = [links.nth(i).get_attribute("href") or "" for i in range(min(2, links.count()))]
    page.close()
    paths = [p for p in found if p]
    return [*paths, *(f"{p}/transcript" for p in paths[1:])]


@pytest.fixture(params=[(s, m) for s in ("light", "dark") for m in SIZES], ids="-".join)
def mode(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def signed_in(
    browser: Browser,
    live_hour_server: LiveServer,
    mode: tuple[str, str],
) -> Iterator[BrowserContext]:
    scheme, size = mode
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_hour_server.url}/login")
    page.get_by_label("Handle or email").fill("demo")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="@demo")).to_be_visible()
    page.close()
    yield context
    context.close()


def sweep(server: LiveServer, context: BrowserContext, paths: list[str]) -> dict[str, str]:
    failures = {}
    page = context.new_page()
    for path in paths:
        page.goto(f"{server.url}{path}")
        page.wait_for_load_state("networkidle") if "/live" not in path else page.wait_for_timeout(
            600
        )
        found = violations(page)
        if found:
            failures[path] = describe(found)
    page.close()
    return failures


def test_no_serious_violations_signed_out(
    browser: Browser,
    live_hour_server: LiveServer,
    mode: tuple[str, str],
) -> None:
    scheme, size = mode
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    try:
        paths = PUBLIC + session_paths(live_hour_server, context)
        failures = sweep(live_hour_server, context, paths)
    finally:
        context.close()
    assert not failures, "\n\n".join(f"{p}\n{d}" for p, d in failures.items())


def test_no_serious_violations_signed_in(
    live_hour_server: LiveServer,
    signed_in: BrowserContext,
) -> None:
    paths = SIGNED_IN + session_paths(live_hour_server, signed_in)
    failures = sweep(live_hour_server, signed_in, paths)
    assert not failures, "\n\n".join(f"{p}\n{d}" for p, d in failures.items())
