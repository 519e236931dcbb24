"""Search as Mastodon apps do it: people by handle or name (toot's follow and whois look people
up this way), hashtags by name and chats by what they are about, posts by their words; type,
following, offset, max_id and limit; bad parameters get a clear 422."""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashchat.accounts import service as accounts
from hashchat.directory import service as directory
from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.directory.conftest import MONDAY


async def _search(
    client: httpx.AsyncClient, query: str, token: dict[str, str] | None = None
) -> Any:
    response = await client.get(f"/api/v2/search?{query}", headers=token or {})
    assert response.status_code == 200, response.text
    return response.json()


async def test_people_by_handle_and_name_exact_first_and_following(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya", display_name="Maya Writes")
    mayank = await make_account("mayank")
    fan = await make_account("fan", display_name="A fan of maya")
    extra = await make_account("extra")
    for follower in (fan, extra):
        await accounts.follow(db=db, follower_id=follower.id, followee_id=mayank.id)
    token = auth(await token_for(fan))
    found = await _search(client, "q=maya&type=accounts", token)
    names = [a["username"] for a in found["accounts"]]
    assert names[0] == "maya" and set(names) == {"maya", "mayank", "fan"}
    assert found["statuses"] == [] and found["hashtags"] == []
    assert [
        a["username"] for a in (await _search(client, "q=@maya@testserver", token))["accounts"]
    ] == ["maya"]
    assert (await _search(client, "q=@maya@elsewhere.example", token))["accounts"] == []
    mine = await _search(client, "q=may&type=accounts&following=true", token)
    assert [a["username"] for a in mine["accounts"]] == ["mayank"]
    # No exact handle "may": the most followed first, page by page.
    first = await _search(client, "q=may&type=accounts&limit=1", token)
    assert [a["id"] for a in first["accounts"]] == [str(mayank.id)]
    second = await _search(client, "q=may&type=accounts&limit=1&offset=1", token)
    assert [a["id"] for a in second["accounts"]] == [str(maya.id)]
    v1 = await client.get("/api/v1/accounts/search?q=Writes", headers=token)
    assert [a["id"] for a in v1.json()] == [str(maya.id)]
    by_url = await _search(client, "q=http://testserver/@maya", token)
    assert [a["username"] for a in by_url["accounts"]] == ["maya"]


async def test_hashtags_by_name_and_chats_by_what_they_are_about(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    host = await make_account("host")
    await directory.create_chat(
        db=db, actor=host, now=MONDAY,
        data={"hashtag": "WriteChat", "title": "Writers helping writers",
              "description": "Weekly talk about the craft of writing.", "starts_on": "2026-02-23",
              "start_time": "20:00", "time_zone": "America/New_York", "duration_minutes": 60,
              "repeat": "weekly", "weekday": "WE"},
    )  # fmt: skip
    await service.create_post(db=db, author=host, text="#writing is hard #WritingTips")
    found = await _search(client, "q=writing&type=hashtags")
    names = [t["name"] for t in found["hashtags"]]
    assert names[0] == "writing"  # the exact hashtag first
    assert set(names) == {"writing", "WriteChat", "WritingTips"}
    chat = next(t for t in found["hashtags"] if t["name"] == "WriteChat")
    assert chat["chat"]["title"] == "Writers helping writers"
    assert chat["url"] == "http://testserver/tags/WriteChat"
    assert "following" not in chat  # nobody asked
    by_tag = await _search(client, "q=%23writechat&type=hashtags")
    assert [t["name"] for t in by_tag["hashtags"]] == ["WriteChat"]


async def test_posts_by_words_for_people_signed_in_paged_by_id(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    maya = await make_account("maya")
    other = await make_account("other")
    posts = [
        await service.create_post(db=db, author=maya, text=f"Coffee number {i} #brew")
        for i in range(3)
    ]
    await service.create_post(db=db, author=other, text="tea, not COFFEE")
    gone = await service.create_post(db=db, author=maya, text="coffee gone")
    await service.delete_post(db=db, actor=maya, post_id=gone.id)
    token = auth(await token_for(other))
    assert (await _search(client, "q=coffee"))["statuses"] == []  # anonymous: no posts
    found = await _search(client, "q=coffee&type=statuses&limit=2", token)
    assert [s["text"] for s in found["statuses"]] == ["tea, not COFFEE", "Coffee number 2 #brew"]
    older = await _search(client, f"q=coffee&type=statuses&max_id={posts[2].id}", token)
    assert [s["id"] for s in older["statuses"]] == [str(posts[1].id), str(posts[0].id)]
    theirs = await _search(client, f"q=coffee&type=statuses&account_id={other.id}", token)
    assert len(theirs["statuses"]) == 1
    tagged = await _search(client, "q=%23BREW&type=statuses", token)
    assert len(tagged["statuses"]) == 3
    by_url = await _search(client, f"q=http://testserver/@maya/{posts[0].id}", token)
    assert [s["id"] for s in by_url["statuses"]] == [str(posts[0].id)]
    two_words = await _search(client, "q=number+2&type=statuses", token)
    assert [s["id"] for s in two_words["statuses"]] == [str(posts[2].id)]


async def test_bad_searches_get_a_clear_error(client: httpx.AsyncClient) -> None:
    for query, field in [("", "q"), ("q=x&type=people", "type"), ("q=x&limit=none", "limit"),
                         ("q=x&offset=-1", "offset")]:  # fmt: skip
        response = await client.get(f"/api/v2/search?{query}")
        assert response.status_code == 422 and response.json()["field"] == field
    assert (await client.get("/api/v1/accounts/search?q=x")).status_code == 401


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(min_size=1, max_size=30))
async def test_any_words_are_searched_without_an_error(
    client: httpx.AsyncClient, make_account: MakeAccount, q: str
) -> None:
    """Whatever is typed (LIKE wildcards, quotes, full-text operators, emoji) is words;
    control characters are dropped (NUL, which PostgreSQL refuses in text, is a 400)."""
    response = await client.get("/api/v2/search", params={"q": q})
    if "\x00" in q:  # refused before any route (web/early.py)
        assert response.status_code == 400
    elif "".join(c for c in q if c.isspace() or unicodedata.category(c) != "Cc").split():
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 422
