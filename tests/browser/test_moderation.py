"""What a person clicks, in Chromium: a host hides and mutes in the room, then unhides and unmutes
from the session page's moderation section, and the open rooms follow (the author sees their
hidden post marked); a repost arriving live shows what the viewer pressed; a board error stays on
the session page; End now asks first; a named co-host accepts from the chat's page; and the pages
at a phone's width and in dark mode stay readable."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_hosting import PASSWORD, hosted_chat, people, sign_in
from tests.liveserver import LiveServer

NOTE = "Hidden from the chat by its moderators"


def open_session(host: Page, server: LiveServer) -> str:
    host.goto(f"{server.url}/chats/HostChat")
    host.locator(".host-sessions a").first.click()
    expect(host.get_by_role("heading", name="Run the session")).to_be_visible()
    return host.url


def post(page: Page, text: str) -> None:
    page.get_by_label("Post to the chat").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()


def test_hide_mute_and_undo_them_from_the_session_page(browser: Browser, tmp_path: Path) -> None:
    server = hosted_chat(tmp_path)
    try:
        host, ana, ben = people(browser, server, "hostess", "ana", "ben")
        session_url = open_session(host, server)
        host.get_by_role("button", name="Start now").click()
        room = f"{server.url}/live/HostChat"
        for page in (host, ana, ben):
            page.goto(room)
            expect(page.locator("[data-status]")).to_have_text("Live")

        # Ana's post is hidden: it leaves Ben's room, and Ana's own room marks it quietly.
        post(ana, "buy my course")
        spam = host.locator("article.post", has_text="buy my course")
        expect(spam).to_be_visible(timeout=3000)
        mute = "Mute @ana in this room"
        expect(spam.get_by_role("button", name=mute)).to_have_count(1)
        expect(ana.locator("article.post", has_text="buy my course").get_by_role(
            "button", name=mute)).to_have_count(0)  # nobody is offered to mute themselves  # fmt: skip
        host.on("dialog", lambda dialog: dialog.accept())
        spam.get_by_role("button", name="Hide this post from the room for everyone").click()
        expect(ben.locator("article.post", has_text="buy my course")).to_have_count(0, timeout=3000)
        mine = ana.locator("article.post", has_text="buy my course")
        expect(mine).to_contain_text(NOTE, timeout=3000)
        # Ben is muted for all: his posts go from Ana's room, and stay, marked, in his own.
        post(ben, "LOUD NOISES")
        loud = host.locator("article.post", has_text="LOUD NOISES")
        expect(loud).to_be_visible(timeout=3000)
        loud.get_by_role("button", name="Hide @ben's posts from the room").click()
        expect(ana.locator("article.post", has_text="LOUD NOISES")).to_have_count(0, timeout=3000)
        expect(ben.locator("article.post", has_text="LOUD NOISES")).to_contain_text(NOTE)
        screenshot(ana, "moderation-room-author-sees-hidden")
        ana.goto(f"{server.url}/tags/HostChat")  # the hashtag's page: marked for her alone
        expect(ana.locator("article.post", has_text="buy my course")).to_contain_text(NOTE)
        expect(ana.locator("article.post", has_text="LOUD NOISES")).to_have_count(0)
        screenshot(ana, "moderation-tag-page-author")
        ana.goto(room)
        expect(ana.locator("[data-status]")).to_have_text("Live")

        # The host undoes both from the session page; the rooms left open show them again.
        host.goto(session_url)
        audit = host.locator("#audit")
        expect(audit).to_contain_text("Muted and banned now")
        screenshot(host, "moderation-session-page")
        audit.get_by_role("button", name="Unmute @ben").click()
        expect(host.locator("#audit")).to_contain_text("Nobody is muted or banned")
        expect(ana.locator("article.post", has_text="LOUD NOISES")).to_be_visible(timeout=3000)
        expect(ben.locator("article.post", has_text="LOUD NOISES")).not_to_contain_text(NOTE)
        host.locator("#audit").get_by_role("button", name="Unhide").click()
        expect(ben.locator("article.post", has_text="buy my course")).to_be_visible(timeout=3000)
        expect(ana.locator("article.post", has_text="buy my course")).not_to_contain_text(NOTE)
        expect(host.locator("#audit").get_by_role("button", name="Unhide")).to_have_count(0)
    finally:
        server.stop()


def test_console_errors_end_now_and_a_live_repost(browser: Browser, tmp_path: Path) -> None:
    server = hosted_chat(tmp_path)
    try:
        host, ana = people(browser, server, "hostess", "ana")
        session_url = open_session(host, server)
        expect(host.locator("#start-hint")).to_contain_text("runs its 60 minutes from then")
        host.get_by_role("button", name="Start now").click()
        expect(host.locator(".badge.state-live")).to_be_visible()

        # A console error: the browser is back on the session page with the error, not on the
        # POST-only .../run, and the page's live updates keep working.
        host.get_by_label("New question").fill("Too late?")
        host.get_by_label("at minute").fill("75")
        host.get_by_role("button", name="Add to the script").click()
        expect(host.locator(".field-error")).to_contain_text("0 to 59 minutes")
        assert host.url.split("#")[0] == session_url
        expect(host.get_by_label("New question")).to_have_value("Too late?")
        host.reload()
        expect(host.get_by_role("heading", name="Run the session")).to_be_visible()
        expect(host.locator(".field-error")).to_have_count(0)

        # Ana reposts the host's post in the room: the copy that arrives live is pressed too.
        room = f"{server.url}/live/HostChat"
        host.goto(room)
        post(host, "Welcome, everyone")
        ana.goto(room)
        original = ana.locator("article.post:not(.is-reblog)", has_text="Welcome, everyone")
        expect(original).to_be_visible()
        original.get_by_role("button", name="Like").click()
        original.get_by_role("button", name="Repost").click()
        copy = ana.locator("article.post.is-reblog", has_text="Welcome, everyone")
        expect(copy).to_be_visible(timeout=3000)
        expect(copy.get_by_role("button", name="Repost")).to_have_attribute("aria-pressed", "true")
        expect(copy.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
        expect(original.get_by_role("button", name="Repost")).to_have_attribute(
            "aria-pressed", "true"
        )

        # End now asks first.
        host.goto(session_url)
        expect(host.get_by_role("button", name="Yes, end it now")).to_be_hidden()
        host.get_by_text("End now…").click()
        screenshot(host, "hosting-end-now-confirmation")
        host.get_by_role("button", name="Yes, end it now").click()
        expect(host.locator(".badge.state-ended")).to_be_visible()
    finally:
        server.stop()


def test_a_named_co_host_accepts_from_the_chats_page(browser: Browser, tmp_path: Path) -> None:
    server = hosted_chat(tmp_path)
    try:
        made = server.run_cli("users", "create", "maya", "--password-stdin", input=PASSWORD)
        assert made.returncode == 0, made.stderr
        host, maya = people(browser, server, "hostess", "maya")
        host.goto(f"{server.url}/chats/HostChat/edit")
        host.get_by_label("Hosts").fill("@hostess @maya")
        host.get_by_role("button", name="Save").click()
        expect(host.locator(".dir-hosts")).to_contain_text("Invited, not yet answered: @maya")

        maya.goto(f"{server.url}/chats/HostChat")
        invite = maya.locator("section", has_text="named you a co-host")
        expect(invite).to_contain_text("@hostess named you a co-host of #HostChat")
        screenshot(maya, "hosting-co-host-invitation")
        phone = browser.new_context(viewport={"width": 360, "height": 780}, color_scheme="dark")
        small = sign_in(phone, server, "maya")
        small.goto(f"{server.url}/chats/HostChat")
        expect(small.get_by_role("button", name="Accept")).to_be_visible()
        screenshot(small, "hosting-co-host-invitation-phone-dark")
        phone.close()
        maya.locator(".host-sessions a").first.click()
        expect(maya.get_by_role("heading", name="Run the session")).to_have_count(0)
        maya.goto(f"{server.url}/chats/HostChat")
        invite.get_by_role("button", name="Accept").click()
        expect(maya.locator(".dir-hosts")).to_contain_text("(co-host)")
        maya.locator(".host-sessions a").first.click()
        expect(maya.get_by_role("heading", name="Run the session")).to_be_visible()
    finally:
        server.stop()


def contrast(page: Page, selector: str) -> float:
    """WCAG contrast of an element's text against the first opaque background behind it."""
    ratio: float = page.evaluate(
        """(selector) => {
          const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
          const lum = ([r, g, b]) => {
            const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const el = document.querySelector(selector);
          let node = el, bg = null;
          while (node) {
            const c = rgb(getComputedStyle(node).backgroundColor);
            if (c.length < 4 || c[3] > 0) { bg = c; break; }
            node = node.parentElement;
          }
          const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""",
        selector,
    )
    return ratio


def test_dark_mode_and_a_phone_stay_readable(browser: Browser, tmp_path: Path) -> None:
    server = hosted_chat(tmp_path)
    try:
        for scheme in ("light", "dark"):
            for name, size in (("desktop", (1100, 900)), ("phone", (360, 780))):
                context = browser.new_context(
                    viewport={"width": size[0], "height": size[1]}, color_scheme=scheme
                )
                host = sign_in(context, server, "hostess")
                session_url = open_session(host, server)
                if scheme == "light" and name == "desktop":
                    host.get_by_role("button", name="Start now").click()
                    host.get_by_text("Start a poll").click()
                    host.get_by_label("Question", exact=True).fill("Tea or coffee?")
                    host.get_by_label("Options").fill("Tea\nCoffee")
                    host.get_by_role("button", name="Post the poll").click()
                    [ana] = people(browser, server, "ana")
                    ana.goto(f"{server.url}/live/HostChat")
                    post(ana, "A long answer about everything #HostChat")
                    host.goto(session_url)
                expect(host.locator(".poll-results")).to_be_visible()
                assert contrast(host, ".poll-results .poll-title") >= 4.5, scheme
                assert contrast(host, ".poll-results .poll-share") >= 4.5, scheme
                assert contrast(host, "#polls button, .host-console button") >= 4.5, scheme
                screenshot(host, f"hosting-session-{name}-{scheme}")
                host.goto(f"{server.url}/live/HostChat")
                expect(host.locator("[data-status]")).to_have_text("Live")
                assert contrast(host, ".compose button[type=submit]") >= 4.5, scheme
                # Buttons under a post keep their words whole at a phone's width (the host
                # sees Mute, Hide, Mute for all and Ban under Ana's post).
                expect(host.locator("article.post [data-mod=ban]")).to_have_count(1)
                for button in host.locator("article.post .actions button").all():
                    box = button.bounding_box()
                    assert box is not None and box["height"] < 34, button.inner_text()
                screenshot(host, f"live-room-{name}-{scheme}")
                context.close()
    finally:
        server.stop()
