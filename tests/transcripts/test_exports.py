"""Each export read back with the parser its format is for: JSON with json, CSV with csv, the
Atom feed with feedparser, Markdown with markdown-it and the HTML file with html.parser, with
every piece of user text escaped for its format. Unknown formats and private chats are 404s."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import feedparser
import httpx
from markdown_it import MarkdownIt
from sqlalchemy import update

from hashchat.directory.models import Chat
from hashchat.hosting import polls
from hashchat.storage.engine import Database
from hashchat.transcripts.exports import md_escape
from tests.transcripts.conftest import Story

TRICKY = "<script>alert(1)</script> *not bold* [x](javascript:1) # 1. `code` =SUM(A1) & \\"


async def get(client: httpx.AsyncClient, story: Story, fmt: str) -> httpx.Response:
    answer = await client.get(f"{story.path}.{fmt}")
    assert answer.status_code == 200, answer.text
    return answer


async def test_json_export(client: httpx.AsyncClient, story: Story) -> None:
    answer = await get(client, story, "json")
    assert answer.headers["content-type"] == "application/json"
    assert 'attachment; filename="HostChat-' in answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "public, max-age=60"
    data = json.loads(answer.text)
    assert data["session"]["id"] == str(story.chat_session.id)
    assert data["posts_count"] == 11 and len(data["chat"]) == 11
    q1 = data["questions"][0]
    assert q1["number"] == 1 and q1["answers_count"] == 4 and q1["late_answers_count"] == 2
    assert [a["account"] for a in q1["answers"]] == ["ben", "ana", "dan", "eve"]
    assert [a["late"] for a in q1["answers"]] == [False, False, True, True]
    assert [r["account"] for r in q1["answers"][1]["replies"]] == ["cat"]
    assert data["links"][0]["url"] == "https://example.com/read?a=1&b=2"
    assert {p["account"] for p in data["participants"]} >= {"ana", "ben", "hostess"}
    timed = json.loads((await client.get(f"{story.path}.json?order=time")).text)
    assert [a["account"] for a in timed["questions"][0]["answers"]] == ["ana", "ben", "dan", "eve"]


async def test_csv_export_one_row_a_post(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    from hashchat.posts import service as posts

    await posts.create_post(db=db, author=story.people["gus"], text="=cmd|' /C calc'!A0",
                            in_reply_to_id=story.ids["q2"])  # fmt: skip
    answer = await get(client, story, "csv")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 12
    by_id = {r["id"]: r for r in rows}
    dan = by_id[str(story.ids["dan"])]
    assert (dan["account"], dan["kind"], dan["question"], dan["late"]) == (
        "dan",
        "answer",
        "1",
        "true",
    )
    assert by_id[str(story.ids["ana"])]["text"] == "A1: novels & *poems* #HostChat"
    assert by_id[str(story.ids["cat"])]["kind"] == "reply"
    # A cell a spreadsheet would run as a formula is kept as text.
    assert rows[-1]["text"] == "'=cmd|' /C calc'!A0"


async def test_markdown_export_reads_back_as_the_words_written(
    client: httpx.AsyncClient, story: Story
) -> None:
    text = (await get(client, story, "md")).text
    assert text.startswith("# A hosted chat\n")
    for heading in ("## Questions", "### Q1: ", "### Q2: ", "## The chat", "## People",
                    "## Links", "## Polls"):  # fmt: skip
        assert f"\n{heading}" in text
    rendered = MarkdownIt("commonmark").render(text)
    # The question's <b> and the answer's *poems* stay words: no markup comes from users.
    assert "<b>first</b>" not in rendered and "<em>poems</em>" not in rendered
    assert "Q1: What do you read &lt;b&gt;first&lt;/b&gt;? #HostChat</h3>" in rendered
    assert "A1: novels &amp; *poems* #HostChat" in rendered
    assert "(late)" in text and "4 answers, 2 late" in text


def test_markdown_escaping_round_trips() -> None:
    md = MarkdownIt("commonmark")
    for words in (TRICKY, "1. not a list", "- not a list", "> not a quote", "line one\n# two"):
        html = md.render(md_escape(words))
        assert "<script>" not in html and "<em>" not in html and "<a " not in html
        assert "<ol" not in html and "<ul" not in html and "<blockquote" not in html
        assert "<h1" not in html and "<code" not in html


class Outline(HTMLParser):
    """The headings, the scripts and the resources an HTML file loads."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.tags: list[str] = []
        self.loads: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("h1", "h2", "h3"):
            self._in = tag
            self.headings.append("")
        if tag in ("link", "img", "script", "iframe"):
            self.loads.extend(v or "" for k, v in attrs if k in ("href", "src"))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.headings[-1] += data


async def test_html_export_is_self_contained_and_escaped(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    from hashchat.posts import service as posts

    await posts.create_post(db=db, author=story.people["gus"], text=TRICKY + " #HostChat",
                            in_reply_to_id=story.ids["q1"])  # fmt: skip
    answer = await get(client, story, "html")
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    outline = Outline()
    outline.feed(answer.text)
    assert outline.headings[:3] == ["A hosted chat", "Questions",
                                    "Q1: What do you read <b>first</b>? #HostChat"]  # fmt: skip
    assert {"The chat", "People", "Links", "Polls"} <= set(outline.headings)
    assert "script" not in outline.tags and "b" not in outline.tags
    assert outline.loads == []  # nothing fetched from elsewhere: the style is inline
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    # Late: under Q1 (Dan, Eve, Gus), and in the chat (those three and Fay's A7).
    assert answer.text.count('class="late"') == 3 + 4


async def test_polls_are_exported_with_their_results(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    from hashchat.hosting.models import ChatSession

    async with db.write() as session:
        await session.execute(
            update(ChatSession).where(ChatSession.id == story.chat_session.id).values(state="live")
        )
    await polls.create_session_poll(db=db, actor=story.host, session_id=story.chat_session.id,
                                    question="Paper or screen?", options=["Paper", "Screen"],
                                    expires_in=300)  # fmt: skip
    data = json.loads((await get(client, story, "json")).text)
    assert [o["title"] for o in data["polls"][0]["options"]] == ["Paper", "Screen"]
    assert "Paper or screen?" in data["polls"][0]["question"]
    text = (await get(client, story, "md")).text
    assert "- Paper: 0" in text.split("## Polls")[1]


async def test_the_atom_feed_of_a_chats_transcripts(
    client: httpx.AsyncClient, story: Story, make_session: object
) -> None:
    answer = await client.get("/chats/HostChat/transcripts.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/atom+xml"
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "#HostChat transcripts"
    [entry] = feed.entries
    assert entry.link == f"http://testserver{story.path}"
    assert "11 posts" in entry.summary
    assert "Q1: What do you read <b>first</b>? #HostChat (4 answers)" in entry.summary
    # In the HTML content the question's markup is text, escaped once.
    assert "&lt;b&gt;first&lt;/b&gt;" in entry.content[0].value


async def test_unknown_formats_and_private_chats(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    pdf = await client.get(f"{story.path}.pdf")
    assert pdf.status_code == 404 and "no such format: pdf" in pdf.text
    assert "<h1>Not found</h1>" in pdf.text  # a page, for a browser
    missing = await client.get("/chats/HostChat/sessions/424242/transcript.json")
    assert missing.status_code == 404
    assert (await client.get("/chats/NoSuchChat/transcripts.atom")).status_code == 404
    async with db.write() as session:
        await session.execute(update(Chat).where(Chat.id == story.chat.id).values(review="pending"))
    for fmt in ("md", "html", "json", "csv"):
        assert (await client.get(f"{story.path}.{fmt}")).status_code == 404
    assert (await client.get("/chats/HostChat/transcripts.atom")).status_code == 404


async def test_exports_say_when_it_was_held_as_a_reader_writes_it(
    client: httpx.AsyncClient, story: Story
) -> None:
    """The Markdown and HTML headers give the times in the chat's zone without seconds, and
    every file is named after the day the session was held (not the day it was scheduled)."""
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    start = story.chat_session.starts_at.astimezone(london)
    end = story.chat_session.ends_at.astimezone(london)
    when = f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M} to "
    markdown = (await get(client, story, "md")).text
    header = markdown.splitlines()[2].replace("\\", "")  # unescaped, as Markdown shows it
    assert when in header and "(Europe/London)" in header
    assert f"{end:%H:%M}" in header
    assert story.chat_session.starts_at.isoformat()[:19] not in markdown  # no raw ISO
    html_file = (await get(client, story, "html")).text
    assert when in html_file and "(UTC)" not in html_file
    held = start.date().isoformat()
    assert story.chat_session.local_date.isoformat() != held  # the fixture's date is far off
    for fmt in ("md", "html", "json", "csv"):
        disposition = (await get(client, story, fmt)).headers["content-disposition"]
        assert f'filename="HostChat-{held}.{fmt}"' in disposition, fmt
