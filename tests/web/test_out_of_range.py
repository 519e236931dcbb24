"""Ids and dates out of range, and text PostgreSQL cannot store, are a 404 or a 422 on both
databases (one parser for ids and dates: parsing.py), never a 500; and SQLite stores no NUL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from hashchat import parsing
from hashchat.posts.models import Post, Tag
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth

HUGE = ["99999999999999999999", "9223372036854775808", "-1", "1e3", "²", "0x10", " "]

PATH_IDS = [
    ("GET", "/api/v1/statuses/{}"),
    ("GET", "/api/v1/statuses/{}/context"),
    ("POST", "/api/v1/statuses/{}/favourite"),
    ("POST", "/api/v1/statuses/{}/reblog"),
    ("DELETE", "/api/v1/statuses/{}"),
    ("GET", "/api/v1/statuses/{}/favourited_by"),
    ("GET", "/api/v1/accounts/{}"),
    ("GET", "/api/v1/accounts/{}/statuses"),
    ("POST", "/api/v1/accounts/{}/follow"),
    ("GET", "/api/v1/notifications/{}"),
    ("POST", "/api/v1/notifications/{}/dismiss"),
    ("GET", "/api/v1/chats/sessions/{}"),
    ("POST", "/api/v1/chats/sessions/{}/start"),
    ("GET", "/api/v1/chats/sessions/{}/questions"),
    ("GET", "/api/v1/chats/sessions/{}/board"),
    ("POST", "/api/v1/chats/sessions/{}/board/1/upvote"),
    ("POST", "/api/v1/chats/sessions/1/board/{}/upvote"),
    ("POST", "/api/v1/chats/sessions/{}/questions/1/ask"),
    ("GET", "/api/v1/chats/sessions/{}/transcript"),
    ("GET", "/api/v1/chats/sessions/{}/analytics"),
    ("GET", "/api/v1/polls/{}"),
    ("POST", "/api/v1/polls/{}/votes"),
    ("POST", "/api/v1/chats/writechat/moderation/statuses/{}/hide"),
    ("POST", "/api/v1/chats/writechat/moderation/accounts/{}/mute"),
    ("GET", "/embed/statuses/{}"),
    ("GET", "/embed/questions/{}"),
    ("GET", "/@maya/{}"),
]

QUERY_IDS = [
    "/api/v1/timelines/public",
    "/api/v1/timelines/home",
    "/api/v1/timelines/tag/writechat",
    "/api/v1/accounts/{me}/statuses",
    "/api/v1/notifications",
]


@pytest.fixture
async def maya(make_account: MakeAccount, token_for: Any) -> dict[str, str]:
    return auth(await token_for(await make_account("maya")))


async def test_ids_out_of_range_in_a_path_are_not_found(
    client: httpx.AsyncClient, maya: dict[str, str]
) -> None:
    for method, template in PATH_IDS:
        for value in HUGE[:2]:
            answer = await client.request(method, template.format(value), headers=maya)
            assert answer.status_code in (404, 422), (method, template, value, answer.text)


@pytest.mark.parametrize("name", ["max_id", "since_id", "min_id"])
async def test_pagination_ids_out_of_range_are_refused(
    client: httpx.AsyncClient, maya: dict[str, str], name: str
) -> None:
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=maya)).json()["id"]
    for path in QUERY_IDS:
        for value in HUGE:
            answer = await client.get(path.format(me=me), params={name: value}, headers=maya)
            assert answer.status_code == 422, (path, name, value, answer.text)
            assert answer.json()["field"] == name
    log = await client.get("/api/v1/chats/writechat/moderation/log", params={"max_id": HUGE[0]})
    assert log.status_code in (401, 403, 404, 422)


async def test_other_ids_in_parameters_and_bodies(
    client: httpx.AsyncClient, maya: dict[str, str]
) -> None:
    for value in HUGE[:2]:
        reply = await client.post(
            "/api/v1/statuses", json={"status": "hi", "in_reply_to_id": value}, headers=maya
        )
        assert reply.status_code == 422 and reply.json()["field"] == "in_reply_to_id", reply.text
        form = await client.post(
            "/api/v1/statuses", data={"status": "hi", "in_reply_to_id": value}, headers=maya
        )
        assert form.status_code == 422, form.text
        marker = await client.post(
            "/api/v1/markers", json={"home": {"last_read_id": value}}, headers=maya
        )
        assert marker.status_code == 422, marker.text
        relationships = await client.get(
            "/api/v1/accounts/relationships", params={"id[]": value}, headers=maya
        )
        assert relationships.status_code == 422, relationships.text
        transcript = await client.get(
            "/api/v1/chats/sessions/1/transcript", params={"min_id": value}
        )
        assert transcript.status_code in (404, 422), transcript.text


async def test_dates_out_of_range(client: httpx.AsyncClient, maya: dict[str, str]) -> None:
    listed = await client.post(
        "/api/v1/chats",
        json={"hashtag": "#WriteChat", "title": "Writers", "starts_on": "2030-01-07",
              "start_time": "20:00", "time_zone": "Europe/London", "duration_minutes": 60,
              "repeat": "weekly", "weekday": "MO"},
        headers=maya,
    )  # fmt: skip
    assert listed.status_code == 201, listed.text
    for start in ("9999-12-31", "0001-01-01"):
        agenda = await client.get("/api/v1/chats/agenda", params={"start": start})
        assert agenda.status_code == 422 and agenda.json()["field"] == "start", agenda.text
        page = await client.get("/chats/agenda", params={"start": start})
        assert page.status_code == 422 and "out of range" in page.text
    for name, value in (("from", "9999-12-30"), ("to", "9999-12-31"), ("from", "0001-01-01")):
        occurrences = await client.get("/api/v1/chats/writechat/occurrences", params={name: value})
        assert occurrences.status_code == 422 and occurrences.json()["field"] == name
    for day in ("9999-12-31", "0001-01-01"):
        skip = await client.post(f"/api/v1/chats/writechat/occurrences/{day}/skip", headers=maya)
        assert skip.status_code in (404, 422), skip.text
        move = await client.post(
            "/api/v1/chats/writechat/occurrences/2030-01-07/move",
            json={"to": f"{day}T20:00"},
            headers=maya,
        )
        assert move.status_code == 422, move.text
    far = await client.post(
        "/api/v1/chats",
        json={"hashtag": "#FarChat", "title": "Far", "starts_on": "9999-12-31",
              "start_time": "20:00", "time_zone": "Europe/London", "duration_minutes": 60,
              "repeat": "weekly", "weekday": "FR"},
        headers=maya,
    )  # fmt: skip
    assert far.status_code == 422 and far.json()["field"] == "starts_on", far.text


@given(st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans()))
def test_parse_id_accepts_exactly_the_ids_a_database_holds(value: object) -> None:
    number = parsing.parse_id(value)
    if number is not None:
        assert 0 <= number <= parsing.MAX_ID
        assert str(value).strip() in (str(number), str(value).strip())
        assert not isinstance(value, bool)


async def test_a_hashtag_too_long_for_the_tags_table(
    client: httpx.AsyncClient, maya: dict[str, str], db: Database
) -> None:
    long_tag = "#" + "a" * 278
    post = await client.post("/api/v1/statuses", json={"status": long_tag}, headers=maya)
    assert post.status_code == 422 and post.json()["field"] == "status", post.text
    assert "at most 139 characters" in post.json()["error"]
    form = await client.post("/api/v1/statuses", data={"status": long_tag}, headers=maya)
    assert form.status_code == 422, form.text
    expands = "#" + "\ufdfa" * 20  # 20 characters, 360 once NFKC-casefolded
    assert (
        await client.post("/api/v1/statuses", json={"status": expands}, headers=maya)
    ).status_code == 422
    follow = await client.post(f"/api/v1/tags/{'a' * 10_000}/follow", headers=maya)
    assert follow.status_code == 422 and follow.json()["field"] == "name", follow.text
    assert (await client.get(f"/api/v1/tags/{'a' * 10_000}")).status_code == 404
    assert (await client.get(f"/api/v1/timelines/tag/{'a' * 10_000}")).status_code == 200
    ok = await client.post("/api/v1/statuses", json={"status": "#" + "a" * 139}, headers=maya)
    assert ok.status_code == 200, ok.text
    async with db.read() as session:
        assert await session.scalar(select(func.max(func.length(Tag.name)))) == 139


async def test_nul_is_refused_in_text_paths_and_parameters(
    client: httpx.AsyncClient, maya: dict[str, str], db: Database
) -> None:
    for body in ({"status": "a\x00b"}, {"status": "hi", "language": "e\x00n"}):
        answer = await client.post("/api/v1/statuses", json=body, headers=maya)
        assert answer.status_code == 422, answer.text
    form = await client.post("/api/v1/statuses", data={"status": "a\x00b"}, headers=maya)
    assert form.status_code == 422, form.text
    profile = await client.patch(
        "/api/v1/accounts/update_credentials", json={"website": "https://x.org/\x00"}, headers=maya
    )
    assert profile.status_code == 422 and profile.json()["field"] == "website"
    app = await client.post(
        "/api/v1/apps", json={"client_name": "a\x00", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )
    assert app.status_code == 422
    for path in ("/api/v1/tags/a%00b", "/tags/a%00b", "/chats/a%00b", "/api/v1/timelines/tag/a%00"):
        answer = await client.get(path, headers=maya)
        assert answer.status_code == 404, (path, answer.text)
    for path in ("/api/v1/accounts/lookup?acct=a%00b", "/api/v1/chats?q=a%00b", "/chats?q=%00"):
        answer = await client.get(path, headers=maya)
        assert answer.status_code == 400, (path, answer.text)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Post)) == 0
