"""A host runs a three-question session from a script while two people answer in the live room,
vote in a poll and on the Q&A board; the room shows the answers under their questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import new_database
from tests.liveserver import LiveServer

PASSWORD = "a hosting password"


def sign_in(context: BrowserContext, server: LiveServer, handle: str) -> Page:
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=f"@{handle}")).to_be_visible()
    return page


def hosted_chat(tmp_path: Path) -> LiveServer:
    """A server whose reconciler runs every half second (a question due now is asked at once),
    with #HostChat listed, hosted by @hostess, starting in half an hour; and @ana and @ben."""
    server = LiveServer(
        tmp_path, new_database("sqlite", tmp_path), extra_env={"HASHCHAT_JOBS_INTERVAL": "0.5"}
    ).start()
    for handle in ("hostess", "ana", "ben"):
        made = server.run_cli("users", "create", handle, "--password-stdin", input=PASSWORD)
        assert made.returncode == 0, made.stderr
    soon = datetime.now(UTC) + timedelta(minutes=30)
    sheet = tmp_path / "chat.csv"
    sheet.write_text(
        "hashtag,title,day,time,time zone,recurrence,description,hosts,link\n"
        f"HostChat,Hosted chat,{soon:%Y-%m-%d},{soon:%H:%M},UTC,once,A chat,hostess,\n"
    )
    imported = server.run_cli("chats", "import", str(sheet))
    assert imported.returncode == 0, imported.stderr
    return server


def people(browser: Browser, server: LiveServer, *handles: str) -> list[Page]:
    contexts = [browser.new_context(viewport={"width": 1000, "height": 900}) for _ in handles]
    return [sign_in(c, server, h) for c, h in zip(contexts, handles, strict=True)]


def test_a_host_runs_a_scripted_session_with_answers_a_poll_and_the_board(
    browser: Browser, tmp_path: Path
) -> None:
    server = hosted_chat(tmp_path)
    try:
        host, ana, ben = people(browser, server, "hostess", "ana", "ben")
        run_the_session(server, host, ana, ben)
    finally:
        server.stop()


def test_a_poll_and_moderation_in_the_room(browser: Browser, tmp_path: Path) -> None:
    server = hosted_chat(tmp_path)
    try:
        host, ana = people(browser, server, "hostess", "ana")
        host.goto(f"{server.url}/chats/HostChat")
        host.locator(".host-sessions a").first.click()
        host.get_by_role("button", name="Start now").click()
        room = f"{server.url}/live/HostChat"
        for page in (host, ana):
            page.goto(room)
            expect(page.locator("[data-status]")).to_have_text("Live")

        # The host starts a poll from the room; Ana votes there; the host sees the tally move.
        host.get_by_text("Start a poll").click()
        host.get_by_label("Question", exact=True).fill("Tea or coffee?")
        host.get_by_label("Options").fill("Tea\nCoffee")
        host.get_by_role("button", name="Post the poll").click()
        poll = ana.locator("article.post .poll").first
        expect(poll).to_contain_text("Coffee", timeout=3000)
        poll.get_by_label("Coffee").check()
        poll.get_by_role("button", name="Vote").click()
        expect(poll).to_contain_text("100% (1)")
        hosts_view = host.locator("article.post .poll").first
        expect(hosts_view).to_contain_text("1 voted", timeout=3000)
        expect(hosts_view).to_contain_text("Coffee100% (1)")  # results, not buttons: it is hers
        expect(hosts_view.get_by_role("button", name="Vote")).to_have_count(0)

        # Ana posts twice; the host hides one from the room, then bans her from the chat.
        ana.get_by_label("Post to the chat").fill("buy my course")
        ana.get_by_role("button", name="Post", exact=True).click()
        spam = host.locator("article.post", has_text="buy my course")
        expect(spam).to_be_visible(timeout=3000)
        host.on("dialog", lambda dialog: dialog.accept())
        spam.get_by_role("button", name="Hide this post from the room for everyone").click()
        # Ana still sees her own post, marked as hidden (only she does).
        expect(ana.locator("article.post", has_text="buy my course")).to_contain_text(
            "Hidden from the chat by its moderators", timeout=3000
        )
        expect(host.locator("article.post", has_text="buy my course")).to_have_count(0)
        ana.get_by_label("Post to the chat").fill("still here")
        ana.get_by_role("button", name="Post", exact=True).click()
        host.locator("article.post", has_text="still here").get_by_role(
            "button", name="Ban @ana from the chat"
        ).click()
        expect(host.locator("[data-status]")).to_contain_text("banned")
        ana.get_by_label("Post to the chat").fill("let me back in")
        ana.get_by_role("button", name="Post", exact=True).click()
        expect(ana.locator(".field-error")).to_contain_text("banned")
        screenshot(host, "hosting-room-moderation")
    finally:
        server.stop()


def run_the_session(server: LiveServer, host: Page, ana: Page, ben: Page) -> None:
    # The host finds the session (made ahead by the reconciler) from the chat's page.
    host.goto(f"{server.url}/chats/HostChat")
    expect(host.get_by_role("heading", name="Sessions")).to_be_visible(timeout=10_000)
    host.locator(".host-sessions a").first.click()
    expect(host.get_by_role("heading", name="Run the session")).to_be_visible()
    session_url = host.url

    # The script: Q1 at minute 0, Q2 and Q3 asked by hand.
    for n, (text, minute) in enumerate(
        (("What brings you here?", "0"), ("What are you reading?", "")), 1
    ):
        host.get_by_label("New question").fill(text)
        host.get_by_label("at minute").fill(minute)
        host.get_by_role("button", name="Add to the script").click()
        expect(host.get_by_label(f"Text of Q{n}")).to_have_value(text)
        expect(host.get_by_label(f"Minute of Q{n}")).to_have_value(minute)
    host.get_by_role("button", name="Open the box now").click()
    host.get_by_text("Start a poll").click()
    host.get_by_label("Question", exact=True).fill("Tea or coffee?")
    host.get_by_label("Options").fill("Tea\nCoffee")
    host.get_by_role("button", name="Post the poll").click()
    expect(host.locator("[data-poll]")).to_contain_text("Tea or coffee?")

    # Ana sends a question to the board and votes in the poll; the host approves the question
    # and Ben upvotes it and votes too.
    ana.goto(session_url)
    ana.get_by_label("Your question").fill("Which book changed your mind?")
    ana.get_by_role("button", name="Send the question").click()
    expect(ana.locator("#board")).to_contain_text("waiting for a moderator")
    ana.get_by_label("Coffee").check()
    ana.get_by_role("button", name="Vote", exact=True).click()
    expect(ana.locator("[data-poll]")).to_contain_text("1 voted")
    host.reload()
    host.get_by_role("button", name="Approve").click()
    # Ana's page, left open, shows her question on the board as soon as it is approved.
    expect(ana.locator("#board .board-list")).to_contain_text(
        "Which book changed your mind?", timeout=5000
    )
    ben.goto(session_url)
    ben.get_by_role("button", name="Upvote, votes: 0").click()
    expect(ben.get_by_role("button", name="Upvote, votes: 1")).to_be_visible()
    ben.get_by_label("Tea").check()
    ben.get_by_role("button", name="Vote", exact=True).click()
    expect(ben.locator("[data-poll]")).to_contain_text("2 voted")
    expect(ben.locator(".poll-results")).to_contain_text("50% (1)")

    # The two participants open the room, by question.
    for page in (ana, ben):
        page.goto(f"{server.url}/live/HostChat?view=questions")
        expect(page.locator("[data-status]")).to_have_text("Live")

    # The host starts: Q1 is due at minute 0 and posts itself.
    host.goto(session_url)
    host.get_by_role("button", name="Start now").click()
    q1 = ana.locator('[data-questions] [data-number="1"]')
    expect(q1).to_contain_text("Q1: What brings you here?", timeout=10_000)
    ana.get_by_label("Post to the chat").fill("A1: the people")
    ana.get_by_role("button", name="Post", exact=True).click()
    expect(ben.locator('[data-number="1"] [data-answers]')).to_contain_text("A1: the people")

    host.reload()
    host.locator(".host-q-scheduled").get_by_role("button", name="Ask now").click()
    expect(ben.locator('[data-number="2"]')).to_contain_text("Q2: What are you reading?")
    ben.get_by_label("Post to the chat").fill("A2 - a long novel")
    ben.get_by_role("button", name="Post", exact=True).click()

    # Q3 comes from the board: the host puts Ana's question to the chat.
    host.reload()
    host.get_by_role("button", name="Put to the chat").click()
    expect(host.locator("#board")).to_contain_text("answered as Q3")
    expect(ana.locator('[data-number="3"]')).to_contain_text("Which book changed your mind?")
    ana.get_by_label("Post to the chat").fill("A3: Middlemarch")
    ana.get_by_role("button", name="Post", exact=True).click()

    for page in (ana, ben):
        expect(page.locator('[data-number="1"] [data-answers]')).to_contain_text("the people")
        expect(page.locator('[data-number="2"] [data-answers]')).to_contain_text("a long novel")
        expect(page.locator('[data-number="3"] [data-answers]')).to_contain_text("Middlemarch")
    expect(ana.locator('[data-number="2"] [data-answers]')).not_to_contain_text("Middlemarch")
    expect(ana.locator('[data-number="3"] [data-answer-count]')).to_have_text("1")
    screenshot(ana, "hosting-room-by-question")

    # Time order is one click away, and the session page keeps the same grouping.
    ana.get_by_role("link", name="Time order").click()
    expect(ana.locator("[data-log]")).to_be_visible()
    expect(ana.locator("[data-log] article.post").first).to_contain_text("A3: Middlemarch")
    host.goto(session_url)
    expect(host.locator("#q3")).to_contain_text("Middlemarch")
    screenshot(host, "hosting-session-page")
