"""Two people in one live room: posts arrive on the other screen within a second, the room's
hashtag is added (once), pause holds posts back behind a badge, and reply, like and mute work
in place. Then the mixer and a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import screenshot
from tests.liveserver import LiveServer


def sign_in(context: BrowserContext, server: LiveServer, handle: str) -> Page:
    made = server.run_cli("users", "create", handle, "--password-stdin", input="room password\n")
    assert made.returncode == 0, made.stderr
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill("room password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=f"@{handle}")).to_be_visible()
    return page


@pytest.fixture
def two(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, Page]]:
    alice_context = browser.new_context(viewport={"width": 1000, "height": 900})
    bob_context = browser.new_context(viewport={"width": 1000, "height": 900})
    yield sign_in(alice_context, live_server, "alice"), sign_in(bob_context, live_server, "bob")
    alice_context.close()
    bob_context.close()


def test_two_people_in_a_room(two: tuple[Page, Page], live_server: LiveServer) -> None:
    alice, bob = two
    for page in (alice, bob):
        page.goto(f"{live_server.url}/live/RoomChat?hosts=alice")
        expect(page.locator("[data-status]")).to_have_text("Live")

    alice.get_by_label("Post to the chat").fill("Q1: what brings you here?")
    # 25 typed + 10 for the " #RoomChat" the room adds
    expect(alice.locator("[data-counter]")).to_have_text("245 characters left")
    alice.get_by_role("button", name="Post", exact=True).click()
    arrived = bob.locator("article.post").first
    expect(arrived).to_contain_text("Q1: what brings you here? #RoomChat", timeout=1000)
    expect(arrived.get_by_role("link", name="#RoomChat")).to_be_visible()
    expect(arrived).to_have_class("post is-host arrived")  # alice is highlighted as a host

    # A tag typed by hand is not added twice.
    alice.get_by_label("Post to the chat").fill("already tagged #roomchat")
    alice.get_by_role("button", name="Post", exact=True).click()
    expect(bob.locator("article.post .content").first).to_have_text(
        "already tagged #roomchat", timeout=3000
    )

    # Pause: new posts wait behind a badge; resume shows them.
    bob.keyboard.press("p")
    expect(bob.get_by_role("button", name="Resume")).to_have_attribute("aria-pressed", "true")
    for text in ("held one", "held two"):
        alice.get_by_label("Post to the chat").fill(text)
        alice.get_by_role("button", name="Post", exact=True).click()
        expect(alice.locator("article.post .content").first).to_contain_text(text)
    expect(bob.locator("[data-new]")).to_have_text("2 new")
    expect(bob.locator("article.post", has_text="held one")).to_have_count(0)
    bob.get_by_role("button", name="Resume").click()
    expect(bob.locator("article.post .content").first).to_contain_text("held two")
    expect(bob.locator("article.post", has_text="held one")).to_have_count(1)
    expect(bob.locator("[data-new]")).to_be_hidden()

    # Reply in place keeps the room's hashtag; a like shows on the other screen.
    # (the reply below quotes it too: "replying to @alice: Q1: what brings...")
    question = bob.locator("article.post", has=bob.locator(".content", has_text="Q1: what brings"))
    question.get_by_role("link", name="Reply to alice").click()
    expect(bob.locator("[data-replying]")).to_contain_text("@alice")
    bob.get_by_label("Post to the chat").press("End")
    bob.get_by_label("Post to the chat").type("curiosity!")
    bob.get_by_role("button", name="Post", exact=True).click()
    expect(alice.locator("article.post .content").first).to_have_text(
        "@alice curiosity! #RoomChat", timeout=3000
    )
    question.get_by_role("button", name="Like").click()
    expect(question.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    alice_question = alice.locator(
        "article.post", has=alice.locator(".content", has_text="Q1: what brings")
    )
    expect(alice_question.locator('[data-count="favourites"]')).to_have_text("1", timeout=3000)
    expect(alice_question.locator('[data-count="replies"]')).to_have_text("1")

    # Hosts only, then mute a person from the room.
    bob.get_by_label("Hosts only").check()
    expect(bob.locator("article.post", has_text="curiosity")).to_be_hidden()
    bob.get_by_label("Hosts only").uncheck()
    bob.locator("article.post", has_text="held two").get_by_role(
        "button", name="Mute @alice in this room"
    ).click()
    expect(bob.locator("article.post", has_text="held two")).to_be_hidden()
    expect(bob.get_by_role("button", name="Unmute all (1)")).to_be_visible()
    screenshot(bob, "live-room")
    bob.get_by_role("button", name="Unmute all (1)").click()
    bob.set_viewport_size({"width": 320, "height": 720})
    screenshot(bob, "live-room-phone")


def test_the_mixer_marks_each_post_with_its_chat(
    two: tuple[Page, Page], live_server: LiveServer
) -> None:
    alice, bob = two
    bob.goto(f"{live_server.url}/live?tags=mixa,mixb")
    expect(bob.locator("[data-status]")).to_have_text("Live")
    alice.goto(f"{live_server.url}/live/mixb")
    expect(alice.locator("[data-status]")).to_have_text("Live")
    alice.get_by_label("Post to the chat").fill("from b")
    alice.get_by_role("button", name="Post", exact=True).click()
    post = bob.locator("article.post").first
    expect(post).to_contain_text("from b", timeout=3000)
    expect(post.locator(".chip")).to_have_text("#mixb")
    bob.get_by_label("Adds").select_option("mixa")
    bob.get_by_label("Post to the chat").fill("to a")
    bob.get_by_role("button", name="Post", exact=True).click()
    expect(bob.locator("article.post").first.locator(".chip")).to_have_text("#mixa")
    screenshot(bob, "mixer")
