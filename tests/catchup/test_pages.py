"""The catch-up page, following from it, marking it read, the personal Atom feed behind its
secret URL (malformed and unknown tokens: a clear 404), and the API."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import feedparser
import httpx

from tests.catchup.conftest import Missed
from tests.conftest import auth
from tests.hosting.test_pages import log_in


async def test_the_page_shows_what_was_missed(client: httpx.AsyncClient, missed: Missed) -> None:
    anonymous = await client.get("/catchup")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/catchup"
    token = await log_in(client, "rita")
    home = await client.get("/")
    assert 'href="/catchup">Catch up</a>' in home.text
    page = await client.get("/catchup")
    assert page.status_code == 200
    assert "In the last 30 days" in page.text
    assert "Q1:</strong> Favourite writing tool? #HostChat" in page.text
    assert "my hands &amp;lt;3" not in page.text and "my hands &lt;3" in page.text
    suggested = re.findall(r'data-suggestion="([^"]+)"', page.text)
    assert suggested == ["dan", "bob", "cat", "hostess"]
    assert "@ann (you follow)" in page.text
    assert 'href="https://example.org/guide"' in page.text

    followed = await client.post(
        "/catchup/follow",
        data={"csrf_token": token, "handle": "dan", "session": str(missed.chat_session.id)},
    )
    assert followed.status_code == 303
    assert followed.headers["location"] == f"/catchup#s{missed.chat_session.id}-title"
    page = await client.get("/catchup")
    # dan is followed now: the host, who talked with him, moves above cat.
    assert re.findall(r'data-suggestion="([^"]+)"', page.text) == ["bob", "hostess", "cat"]
    unknown = await client.post("/catchup/follow", data={"csrf_token": token, "handle": "nobody"})
    assert unknown.status_code == 404

    read = await client.post("/catchup/seen", data={"csrf_token": token})
    assert read.status_code == 303
    page = await client.get("/catchup")
    assert "Since you last marked it read" in page.text
    assert "Nothing new" in page.text
    forged = await client.post("/catchup/seen", data={})
    assert forged.status_code == 403


async def test_the_feed_behind_a_secret_url(client: httpx.AsyncClient, missed: Missed) -> None:
    token = await log_in(client, "rita")
    made = await client.post("/catchup/feed", data={"csrf_token": token})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    url = re.search(r"<code data-feed-url>([^<]+)</code>", made.text)
    assert url is not None
    path = url.group(1).removeprefix("http://testserver")
    assert "shown only this once" in made.text
    assert "data-feed-url" not in (await client.get("/catchup")).text

    public = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with public:
        answer = await public.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(answer.content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.feed.title == "hashchat: what @rita missed"
        [entry] = parsed.entries
        assert entry.title.startswith("#HostChat · ")
        assert entry.link.endswith(f"/chats/HostChat/sessions/{missed.chat_session.id}")
        content = entry.content[0].value
        assert "Q1: Favourite writing tool?" in content and "my hands &lt;3" in content
        assert "https://example.org/guide" in content

        for bad in ("/catchup/feed/short.atom", "/catchup/feed/" + "x" * 31 + "!.atom",
                    "/catchup/feed/" + "A" * 32 + ".atom"):  # fmt: skip
            missing = await public.get(bad)
            assert missing.status_code == 404, bad
            assert "there is no catch-up feed at this address" in missing.text
        # A new address replaces the old one.
        await client.post("/catchup/feed", data={"csrf_token": token})
        assert (await public.get(path)).status_code == 404


async def test_the_api(
    client: httpx.AsyncClient, missed: Missed, token_for: Callable[..., Awaitable[str]]
) -> None:
    assert (await client.get("/api/v1/catchup")).status_code == 401
    token = await token_for(missed.reader)
    body = (await client.get("/api/v1/catchup", headers=auth(token))).json()
    [s] = body["sessions"]
    assert [p["acct"] for p in s["suggestions"]] == ["dan", "bob", "cat", "hostess"]
    assert s["questions"][0]["answers_count"] == 5
    assert [a["acct"] for a in s["questions"][0]["best_answers"]] == ["dan", "ann", "bob"]
    seen = await client.post("/api/v1/catchup/seen", headers=auth(token))
    assert seen.status_code == 200
    assert (await client.get("/api/v1/catchup", headers=auth(token))).json()["sessions"] == []
