"""The analytics pages and downloads: figures on the page, every CSV parsed back, real SVG and
PNG, the hosts' dashboard, the API, and clear errors for what does not exist."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET  # our own server's SVG, not untrusted input

import httpx
from PIL import Image

from hashchat.accounts.models import Account
from tests.analytics.conftest import EXPECTED, PER_MINUTE, Story
from tests.conftest import MakeAccount, auth
from tests.hosting.test_pages import log_in

SVG = "{http://www.w3.org/2000/svg}"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_page_shows_every_figure_and_its_charts(
    client: httpx.AsyncClient, story: Story
) -> None:
    page = await client.get(story.path)
    assert page.status_code == 200
    for name, value in EXPECTED.items():
        assert f'data-figure="{name}">{value:,}<' in page.text
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert "Q1: What do you read? #HostChat" in page.text
    assert f"{story.path}/minutes.png" in page.text
    session_page = await client.get(f"/chats/HostChat/sessions/{story.chat_session.id}")
    assert f"{story.path}" in session_page.text  # the session page links here


async def test_every_table_downloads_as_csv(client: httpx.AsyncClient, story: Story) -> None:
    summary = await client.get(f"{story.path}/summary.csv")
    assert summary.status_code == 200
    assert summary.headers["content-type"].startswith("text/csv")
    assert "attachment" in summary.headers["content-disposition"]
    assert {r["figure"]: int(r["value"]) for r in rows(summary.text)} == EXPECTED

    minutes = rows((await client.get(f"{story.path}/minutes.csv")).text)
    assert len(minutes) == 75
    assert {int(r["minute"]): int(r["posts"]) for r in minutes if r["posts"] != "0"} == PER_MINUTE
    assert minutes[0]["time_utc"] == f"{story.t0:%H:%M}"

    people = rows((await client.get(f"{story.path}/contributors.csv")).text)
    assert [(r["handle"], r["posts"], r["likes_received"], r["returning"]) for r in people] == [
        ("ann", "2", "3", "yes"), ("hostess", "2", "0", "no"), ("bob", "2", "0", "no"),
        ("cat", "2", "0", "no"),
    ]  # fmt: skip

    questions = rows((await client.get(f"{story.path}/questions.csv")).text)
    assert [(r["question"], r["answers"]) for r in questions] == [("Q1", "3"), ("Q2", "1")]


async def test_charts_are_real_svg_and_png(client: httpx.AsyncClient, story: Story) -> None:
    for name in ("minutes", "questions", "contributors"):
        drawn = await client.get(f"{story.path}/{name}.svg")
        assert drawn.status_code == 200
        assert drawn.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(drawn.content)  # noqa: S314
        assert root.tag == f"{SVG}svg"
        assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
        assert len(root.findall(f"{SVG}text")) >= 3

        picture = await client.get(f"{story.path}/{name}.png")
        assert picture.status_code == 200
        assert picture.headers["content-type"] == "image/png"
        assert picture.content[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(picture.content)) as image:
            image.verify()
        with Image.open(io.BytesIO(picture.content)) as image:
            assert image.format == "PNG" and image.size == (1440, 600)
            colours = image.getcolors(maxcolors=100_000)
            assert colours is not None and len(colours) > 2  # bars and text, not blank
    minutes = ET.fromstring((await client.get(f"{story.path}/minutes.svg")).content)  # noqa: S314
    tips = [t.text for t in minutes.iter(f"{SVG}title")][1:]
    assert sorted(int((tip or "").split(": ")[1].split()[0]) for tip in tips) == [1, 1, 1, 2, 2]


async def test_user_text_in_charts_is_escaped(
    client: httpx.AsyncClient, story: Story, make_account: MakeAccount
) -> None:
    from hashchat.analytics.charts import Chart, svg

    drawn = svg(Chart("<script>&", ["</text>"], [("a<b", [3])], "x & y", '"y"'))
    root = ET.fromstring(drawn)  # noqa: S314 -- parses: everything was escaped
    assert root.find(f"{SVG}title") is not None
    assert "<script>" not in drawn


async def test_errors_are_clear(client: httpx.AsyncClient, story: Story) -> None:
    gif = await client.get(f"{story.path}/minutes.gif")
    assert gif.status_code == 404 and "unknown format" in gif.text and ".png" in gif.text
    no_dot = await client.get(f"{story.path}/minutes")
    assert no_dot.status_code == 404 and "add a format" in no_dot.text
    unknown = await client.get(f"{story.path}/nonsense.csv")
    assert unknown.status_code == 404 and "no table called" in unknown.text
    chart = await client.get(f"{story.path}/summary.png")
    assert chart.status_code == 404 and "no chart called" in chart.text
    for path in (
        "/chats/HostChat/sessions/987654/analytics",
        "/chats/HostChat/sessions/not-a-number/analytics",
        "/chats/NoSuchChat/sessions/1/analytics",
    ):
        missing = await client.get(path)
        assert missing.status_code == 404, path
    api = await client.get("/api/v1/chats/sessions/987654/analytics")
    assert api.status_code == 404
    assert api.json() == {"error": "no such session", "field": "session_id"}


async def test_the_api(client: httpx.AsyncClient, story: Story) -> None:
    answer = await client.get(f"/api/v1/chats/sessions/{story.chat_session.id}/analytics")
    assert answer.status_code == 200
    body = answer.json()
    assert {k: body[k] for k in EXPECTED} == EXPECTED
    assert body["per_minute"]["posts"][:3] == [2, 2, 1]
    assert body["questions_answered"][0] == {
        "number": 1, "text": "What do you read? #HostChat", "answers": 3
    }  # fmt: skip


async def test_the_dashboard_is_for_hosts(
    client: httpx.AsyncClient,
    story: Story,
    token_for: object,
) -> None:
    anonymous = await client.get("/chats/HostChat/analytics")
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    api_anonymous = await client.get("/api/v1/chats/HostChat/analytics")
    assert api_anonymous.status_code == 401
    await log_in(client, "ann")
    refused = await client.get("/chats/HostChat/analytics")
    assert refused.status_code == 403 and "only the chat" in refused.text
    assert (await client.get("/chats/HostChat/analytics/sessions.csv")).status_code == 403

    client.cookies.clear()
    await log_in(client, "hostess")
    page = await client.get("/chats/HostChat/analytics")
    assert page.status_code == 200
    assert 'data-figure="participants_ever">4<' in page.text
    table = rows((await client.get("/chats/HostChat/analytics/sessions.csv")).text)
    assert [(r["posts"], r["participants"], r["first_time"], r["returning"]) for r in table] == [
        ("1", "1", "1", "0"), ("8", "4", "3", "1"),
    ]  # fmt: skip
    picture = await client.get("/chats/HostChat/analytics/participants.png")
    assert picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    ET.fromstring((await client.get("/chats/HostChat/analytics/posts.svg")).content)  # noqa: S314
    host: Account = story.people["hostess"]
    issue = token_for  # a bearer token for the API
    token = await issue(host)  # type: ignore[operator]
    api = await client.get("/api/v1/chats/HostChat/analytics", headers=auth(token))
    assert api.status_code == 200
    assert [s["posts"] for s in api.json()["sessions"]] == [1, 8]


async def test_the_minute_chart_is_in_the_viewers_zone_and_files_named_by_the_day_held(
    client: httpx.AsyncClient, story: Story
) -> None:
    from zoneinfo import ZoneInfo

    zone = "Asia/Kolkata"  # UTC+05:30: no minute label is the same as in UTC
    first = story.t0.astimezone(ZoneInfo(zone))
    page = await client.get(f"{story.path}?tz={zone}")
    assert f"time ({zone})" in page.text and "minute (UTC)" not in page.text
    assert f">{first:%H:%M}<" in page.text
    assert f"your time ({zone})" in page.text
    svg = await client.get(f"{story.path}/minutes.svg?tz={zone}")
    assert f">{first:%H:%M}<" in svg.text
    # The fixture's sessions are scheduled for a date 400 days away; this one was held today.
    held = story.chat_session.starts_at.astimezone(ZoneInfo("Europe/London")).date()
    assert story.chat_session.local_date != held
    png = await client.get(f"{story.path}/minutes.png")
    assert (
        f'filename="HostChat-{held.isoformat()}-minutes.png"' in png.headers["content-disposition"]
    )
