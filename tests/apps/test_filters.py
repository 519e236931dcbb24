"""Filters v2: people in busy chats filter words. A filter with keywords marks the statuses its
owner reads (``filtered``, with the words that matched, whole words where asked), and nobody
else's; keywords are added, changed and removed; a filter that expired marks nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import time_machine

from hashchat.posts import service
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth


async def test_a_filter_marks_what_its_owner_reads(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    me = await make_account("me")
    other = await make_account("other")
    token, theirs = auth(await token_for(me)), auth(await token_for(other))
    made = await client.post(
        "/api/v2/filters",
        json={"title": "Spoilers", "context": ["home", "public"], "filter_action": "hide",
              "expires_in": 3600,
              "keywords_attributes": [{"keyword": "ending", "whole_word": True},
                                      {"keyword": "Dune", "whole_word": False}]},
        headers=token,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    spoilers = made.json()
    assert spoilers["context"] == ["home", "public"] and spoilers["filter_action"] == "hide"
    assert [k["keyword"] for k in spoilers["keywords"]] == ["ending", "Dune"]
    assert spoilers["expires_at"].endswith("Z")
    await service.create_post(db=db, author=other, text="The ENDING of Dunes #books")
    await service.create_post(db=db, author=other, text="no spoilers: endings vary #books")
    mine = (await client.get("/api/v1/timelines/tag/books", headers=token)).json()
    first, second = mine[1], mine[0]
    assert [r["keyword_matches"] for r in first["filtered"]] == [["ending", "Dune"]]
    assert first["filtered"][0]["filter"]["id"] == spoilers["id"]
    assert second["filtered"] == []  # "endings" is not the whole word "ending"
    assert all(s["filtered"] == [] for s in (await client.get(
        "/api/v1/timelines/tag/books", headers=theirs)).json())  # fmt: skip
    # Change a keyword, remove the other, add one by form.
    ids = [k["id"] for k in spoilers["keywords"]]
    changed = await client.put(
        f"/api/v2/filters/{spoilers['id']}",
        json={"title": "Book spoilers",
              "keywords_attributes": [{"id": ids[0], "whole_word": False},
                                      {"id": ids[1], "_destroy": True}]},
        headers=token,
    )  # fmt: skip
    assert changed.json()["title"] == "Book spoilers"
    assert [(k["keyword"], k["whole_word"]) for k in changed.json()["keywords"]] == [
        ("ending", False)
    ]
    added = await client.post(
        f"/api/v2/filters/{spoilers['id']}/keywords", data={"keyword": "twist"}, headers=token
    )
    assert added.json()["keyword"] == "twist" and added.json()["whole_word"] is True
    listed = (await client.get("/api/v2/filters", headers=token)).json()
    assert [len(f["keywords"]) for f in listed] == [2]
    assert (await client.get("/api/v2/filters", headers=theirs)).json() == []
    assert (
        await client.get(f"/api/v2/filters/{spoilers['id']}", headers=theirs)
    ).status_code == 404
    now_marked = (await client.get("/api/v1/timelines/tag/books", headers=token)).json()
    assert now_marked[0]["filtered"][0]["keyword_matches"] == ["ending"]  # "endings" now too
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        expired = (await client.get("/api/v1/timelines/tag/books", headers=token)).json()
        assert all(s["filtered"] == [] for s in expired)
    await client.delete(f"/api/v2/filters/keywords/{added.json()['id']}", headers=token)
    assert (await client.delete(f"/api/v2/filters/{spoilers['id']}", headers=token)).json() == {}
    assert (await client.get("/api/v2/filters", headers=token)).json() == []
    assert (await client.get("/api/v1/filters", headers=token)).json() == []


async def test_form_encoded_keywords_and_bad_filters(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = auth(await token_for(await make_account("me")))
    made = await client.post(
        "/api/v2/filters",
        content="title=Noise&context[]=home&keywords_attributes[][keyword]=a&"
        "keywords_attributes[][whole_word]=false&keywords_attributes[][keyword]=b",
        headers={**token, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert made.status_code == 200, made.text
    assert [(k["keyword"], k["whole_word"]) for k in made.json()["keywords"]] == [
        ("a", False), ("b", True)
    ]  # fmt: skip
    for body, field in [({"context": ["home"]}, "title"), ({"title": "x"}, "context"),
                        ({"title": "x", "context": ["everywhere"]}, "context"),
                        ({"title": "x", "context": ["home"], "filter_action": "zap"},
                         "filter_action"),
                        ({"title": "x", "context": ["home"], "expires_in": "soon"}, "expires_in"),
                        ({"title": "x", "context": ["home"],
                          "keywords_attributes": [{"keyword": " "}]},
                         "keywords_attributes[0][keyword]")]:  # fmt: skip
        bad = await client.post("/api/v2/filters", json=body, headers=token)
        assert bad.status_code == 422 and bad.json()["field"] == field, body
