"""The transcript page: answers by engagement or in time order, late answers marked, the chat
paged, permalinks to every post; a late answer written from the page lands under its question;
private chats and wrong addresses are 404s, a bad order a 422."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import update

from hashchat.directory.models import Chat
from hashchat.storage.engine import Database
from hashchat.transcripts import service
from tests.hosting.test_pages import log_in
from tests.transcripts.conftest import Story


def answers_of(html: str, number: int) -> list[str]:
    """The post ids under question ``number``, in page order (replies included)."""
    thread = html.split(f'id="q{number}"')[1].split("</article>")[0]
    return re.findall(r'data-post="(\d+)"', thread)


async def test_the_transcript_in_both_orders_with_late_answers_and_permalinks(
    client: httpx.AsyncClient, story: Story
) -> None:
    page = await client.get(story.path)
    assert page.status_code == 200
    html = page.text
    ids = {k: str(v) for k, v in story.ids.items()}
    assert answers_of(html, 1) == [ids[k] for k in ("ben", "ana", "cat", "dan", "eve")]
    assert "Q1: What do you read &lt;b&gt;first&lt;/b&gt;?" in html  # escaped, never markup
    assert "<b>first</b>" not in html
    questions, chat = html.split('id="chat"')
    assert questions.count('class="badge late"') == 2  # Dan and Eve under Q1
    assert chat.count('class="badge late"') == 3  # and in the chat, with Fay's A7
    assert "4 answers (2 late)" in html
    # Every post links to its own page, and has an anchor in the transcript.
    for key in ("ben", "cat", "dan"):
        assert f'id="post-{ids[key]}"' in html
        handle = key
        assert f'href="http://testserver/@{handle}/{ids[key]}"' in html
    assert f'id="line-{ids["hello"]}"' in html
    assert 'href="https://example.com/read?a=1&amp;b=2"' in html  # links shared

    timed = await client.get(story.path, params={"order": "time"})
    assert answers_of(timed.text, 1) == [ids[k] for k in ("ana", "cat", "ben", "dan", "eve")]
    assert 'href="?order=time#questions" aria-current="true"' in timed.text


async def test_the_chat_is_paged(
    client: httpx.AsyncClient, story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHAT_PAGE", 5)
    first = await client.get(story.path)
    later = re.search(r'href="\?order=engaged&amp;min_id=(\d+)#chat" rel="next"', first.text)
    assert later is not None and later.group(1) == str(story.ids["cat"])
    second = await client.get(story.path, params={"min_id": later.group(1)})
    lines = re.findall(r'id="line-(\d+)"', second.text)
    assert lines == [str(story.ids[k]) for k in ("link", "q2", "ana2", "dan", "eve")]
    assert "From the start" in second.text


async def test_a_late_answer_written_from_the_transcript(
    client: httpx.AsyncClient, story: Story
) -> None:
    token = await log_in(client, "gus")
    page = await client.get(story.path)
    assert "Answer Q2 now" in page.text
    done = await client.post(
        "/posts",
        data={"csrf_token": token, "status": "the bath, mostly", "stay": "1",
              "in_reply_to_id": str(story.ids["q2"]), "next": story.path + "#q2"},
    )  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == story.path + "#q2"
    page = await client.get(story.path, params={"order": "time"})
    thread = page.text.split('id="q2"')[1].split("</article>")[0]
    assert "the bath, mostly" in thread and 'class="badge late"' in thread
    assert "2 answers (1 late)" in thread


async def test_bad_addresses_and_private_chats(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    bad = await client.get(story.path, params={"order": "loudest"})
    assert bad.status_code == 422 and "order is &#39;engaged&#39; or &#39;time&#39;" in bad.text
    assert (await client.get(story.path, params={"min_id": "x"})).status_code == 422
    assert (await client.get("/chats/HostChat/sessions/999999/transcript")).status_code == 404
    assert (await client.get("/chats/HostChat/sessions/abc/transcript")).status_code == 404
    elsewhere = f"/chats/OtherChat/sessions/{story.chat_session.id}/transcript"
    assert (await client.get(elsewhere)).status_code == 404
    async with db.write() as session:
        await session.execute(update(Chat).where(Chat.id == story.chat.id).values(review="pending"))
    hidden = await client.get(story.path)
    assert hidden.status_code == 404 and "<h1>Not found</h1>" in hidden.text
    api = await client.get(f"/api/v1/chats/sessions/{story.chat_session.id}/transcript")
    assert api.status_code == 404 and api.json() == {
        "error": "#HostChat is not listed", "field": "hashtag"}  # fmt: skip
    await log_in(client, "hostess")  # its hosts still see it, and no shared cache keeps it
    assert (await client.get(story.path)).status_code == 200
    theirs = await client.get(story.path + ".json")
    assert theirs.status_code == 200 and theirs.headers["cache-control"] == "private, no-store"


async def test_the_session_page_links_to_its_transcript(
    client: httpx.AsyncClient, story: Story
) -> None:
    page = await client.get(story.path.removesuffix("/transcript"))
    assert f'href="{story.path}"' in page.text


async def test_all_answers_to_one_question_a_page_at_a_time(
    client: httpx.AsyncClient, story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "ANSWERS_PAGE", 1)
    monkeypatch.setattr(service, "ONE_QUESTION_PAGE", 2)
    page = await client.get(story.path, params={"order": "time"})
    assert answers_of(page.text, 1) == [str(story.ids["ana"]), str(story.ids["cat"])]
    assert 'href="?order=time&amp;question=1#q1">All 4 answers to Q1</a>' in page.text
    ids = {k: str(v) for k, v in story.ids.items()}
    one = await client.get(story.path, params={"order": "time", "question": "1"})
    assert 'id="q2"' not in one.text and 'id="chat"' not in one.text
    assert answers_of(one.text, 1) == [ids["ana"], ids["cat"], ids["ben"]]
    assert "Answers 1–2 of 4" in one.text
    more = await client.get(story.path, params={"order": "time", "question": "1", "offset": "2"})
    assert answers_of(more.text, 1) == [ids["dan"], ids["eve"]] and "Earlier answers" in more.text
    never = await client.get(story.path, params={"question": "9"})
    assert never.status_code == 404 and "Q9 was not asked in this session" in never.text
    assert (await client.get(story.path, params={"question": "one"})).status_code == 422
