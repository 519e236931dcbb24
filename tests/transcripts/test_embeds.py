"""Embeds of a post or of a question with its answers, for other sites: frameable, "deleted"
in place of a deleted post, and described by oEmbed (a "rich" iframe)."""

from __future__ import annotations

import re

import httpx

from hashchat.hosting.models import Question
from hashchat.posts import service as posts
from hashchat.storage.engine import Database
from tests.transcripts.conftest import Story


async def question_id(db: Database, story: Story, number: int) -> int:
    async with db.read() as session:
        from sqlalchemy import select

        found = await session.scalar(
            select(Question.id).where(
                Question.session_id == story.chat_session.id, Question.number == number
            )
        )
    assert found is not None
    return found


async def test_a_post_embeds_and_a_deleted_one_says_so(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    embed = await client.get(f"/embed/statuses/{story.ids['dan']}")
    assert embed.status_code == 200
    assert embed.headers["content-security-policy"] == "frame-ancestors *"
    assert "late, but: comics" in embed.text and "late answer" in embed.text
    assert f"{story.path}#q1" in embed.text  # back to the transcript
    await posts.delete_post(db=db, actor=story.people["dan"], post_id=story.ids["dan"])
    gone = await client.get(f"/embed/statuses/{story.ids['dan']}")
    assert gone.status_code == 200 and "<strong>Deleted</strong>" in gone.text
    assert "comics" not in gone.text
    assert (await client.get("/embed/statuses/987654")).status_code == 404
    assert (await client.get("/embed/statuses/nope")).status_code == 404


async def test_a_question_embeds_with_its_most_engaged_answers(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    q1 = await question_id(db, story, 1)
    embed = await client.get(f"/embed/questions/{q1}")
    assert embed.status_code == 200
    assert embed.headers["content-security-policy"] == "frame-ancestors *"
    assert "Q1: What do you read &lt;b&gt;first&lt;/b&gt;? #HostChat" in embed.text
    order = [m for m in re.findall(r"(essays|novels|comics|letters)", embed.text)]
    assert order[:2] == ["essays", "novels"]  # Ben's is the most engaged
    assert (await client.get("/embed/questions/999999")).status_code == 404
    # The rest of the site is not frameable this way.
    # Only the embeds may be framed (web/headers.py).
    page = await client.get(story.path)
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"


async def test_oembed_answers_a_rich_iframe(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    post_url = f"http://testserver/@ben/{story.ids['ben']}"
    answer = await client.get("/api/oembed", params={"url": post_url, "format": "json"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["type"] == "rich" and data["version"] == "1.0"
    assert data["provider_name"] == "hashchat" and data["provider_url"] == "http://testserver/"
    assert (data["width"], data["height"]) == (550, 260)
    assert data["author_name"] == "@ben" and data["author_url"] == "http://testserver/@ben"
    iframe = re.fullmatch(r'<iframe src="([^"]+)" width="(\d+)" height="(\d+)" .*></iframe>',
                          data["html"])  # fmt: skip
    assert iframe is not None
    assert iframe.groups() == (f"http://testserver/embed/statuses/{story.ids['ben']}", "550", "260")

    q1 = await question_id(db, story, 1)
    asked = await client.get(
        "/api/oembed",
        params={"url": f"http://testserver/embed/questions/{q1}", "maxwidth": "400",
                "maxheight": "300"},
    )  # fmt: skip
    data = asked.json()
    assert data["type"] == "rich" and (data["width"], data["height"]) == (400, 300)
    assert data["title"] == "Q1: What do you read <b>first</b>? #HostChat"
    assert f'src="http://testserver/embed/questions/{q1}"' in data["html"]
    assert "<b>" not in data["html"]

    await posts.delete_post(db=db, actor=story.people["ben"], post_id=story.ids["ben"])
    deleted = (await client.get("/api/oembed", params={"url": post_url})).json()
    assert deleted["type"] == "rich" and deleted["title"] == "A deleted post"


async def test_oembed_errors(client: httpx.AsyncClient, story: Story) -> None:
    async def ask(**params: str) -> httpx.Response:
        return await client.get("/api/oembed", params=params)

    missing = await ask()
    assert missing.status_code == 422 and missing.json() == {
        "error": "url is required", "field": "url"}  # fmt: skip
    foreign = await ask(url=f"https://elsewhere.example/@ben/{story.ids['ben']}")
    assert foreign.status_code == 404 and foreign.json()["field"] == "url"
    assert (await ask(url="http://testserver/chats/HostChat")).status_code == 404
    gone = await ask(url="http://testserver/@ben/987654")
    assert gone.status_code == 404 and gone.json() == {
        "error": "there is no such post",
        "field": "id",
    }
    xml = await ask(url=f"http://testserver/@ben/{story.ids['ben']}", format="xml")
    assert xml.status_code == 501 and xml.json()["field"] == "format"
    wide = await ask(url=f"http://testserver/@ben/{story.ids['ben']}", maxwidth="wide")
    assert wide.status_code == 422 and wide.json()["field"] == "maxwidth"
