"""The statuses and timelines API, in Mastodon's shape, with its errors."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import MakeAccount, auth, path_of


async def post(client: httpx.AsyncClient, token: str, text: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/statuses", json={"status": text, **extra}, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_read_and_delete_a_status(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("maya"))
    status = await post(
        client, token, "Q1: What do you revise first? #WriteChat https://example.org"
    )
    assert status["account"]["username"] == "maya"
    assert status["tags"] == [{"name": "WriteChat", "url": "http://testserver/tags/WriteChat"}]
    assert status["visibility"] == "public"
    assert status["favourited"] is False
    assert '<a href="https://example.org"' in status["content"]
    fetched = await client.get(f"/api/v1/statuses/{status['id']}")
    assert fetched.json()["content"] == status["content"]
    assert "favourited" not in fetched.json(), "no viewer, no viewer state"
    deleted = await client.delete(f"/api/v1/statuses/{status['id']}", headers=auth(token))
    assert deleted.status_code == 200
    assert deleted.json()["text"].startswith("Q1: What"), "delete answers the text for redraft"
    assert (await client.get(f"/api/v1/statuses/{status['id']}")).status_code == 404


async def test_form_encoded_posts_work_too(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("former"))
    response = await client.post(
        "/api/v1/statuses", data={"status": "from a form #edchat"}, headers=auth(token)
    )
    assert response.status_code == 200
    assert response.json()["tags"][0]["name"] == "edchat"


async def test_bad_statuses_get_clear_errors(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("sloppy"))
    cases = [
        ({"status": "x" * 281}, 422, "status", "over the limit of 280"),
        ({"status": "   "}, 422, "status", "a post needs some text"),
        ({}, 422, "status", "status is required"),
        ({"status": ["not", "text"]}, 422, "status", ""),
        ({"status": "hi", "in_reply_to_id": "123456789"}, 422, "in_reply_to_id", "does not exist"),
        ({"status": "hi", "visibility": "direct"}, 422, "visibility", ""),
        ({"status": "hi", "media_ids": ["1"]}, 422, "media_ids", ""),
    ]
    for body, status, field, words in cases:
        response = await client.post("/api/v1/statuses", json=body, headers=auth(token))
        assert response.status_code == status, (body, response.text)
        assert response.json()["field"] == field, body
        assert words in response.json()["error"], body
    malformed = await client.post(
        "/api/v1/statuses",
        content=b'{"status": ',
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    not_object = await client.post("/api/v1/statuses", json=["a"], headers=auth(token))
    assert not_object.status_code == 400
    timeline = await client.get("/api/v1/timelines/public")
    assert timeline.json() == [], "nothing was written by any of the bad requests"


async def test_tag_timeline_with_any_all_none_and_pagination(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("tagger"))
    a = await post(client, token, "one #EdChat")
    b = await post(client, token, "two #edchat #scichat")
    c = await post(client, token, "three #scichat")
    d = await post(client, token, "four #EDCHAT #mathchat")

    async def ids(url: str, **params: Any) -> list[str]:
        response = await client.get(url, params=params)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()]

    assert await ids("/api/v1/timelines/tag/edchat") == [d["id"], b["id"], a["id"]]
    assert await ids("/api/v1/timelines/tag/edchat", **{"any[]": ["scichat"]}) == [
        d["id"],
        c["id"],
        b["id"],
        a["id"],
    ]
    assert await ids("/api/v1/timelines/tag/edchat", **{"all[]": ["scichat"]}) == [b["id"]]
    assert await ids("/api/v1/timelines/tag/edchat", **{"none[]": ["mathchat"]}) == [
        b["id"],
        a["id"],
    ]
    assert await ids("/api/v1/timelines/tag/nobodyuses") == []

    first = await client.get("/api/v1/timelines/tag/edchat", params={"limit": 2})
    assert [s["id"] for s in first.json()] == [d["id"], b["id"]]
    links = {
        rel.split('rel="')[1].rstrip('"'): url.strip("<> ")
        for url, rel in (part.split(";") for part in first.headers["link"].split(","))
    }
    older = await client.get(path_of(links["next"]))
    assert [s["id"] for s in older.json()] == [a["id"]]
    assert await ids("/api/v1/timelines/tag/edchat", since_id=a["id"]) == [d["id"], b["id"]]
    assert await ids("/api/v1/timelines/tag/edchat", min_id=a["id"], limit=1) == [b["id"]]
    bad = await client.get("/api/v1/timelines/tag/edchat", params={"max_id": "abc"})
    assert bad.status_code == 422 and bad.json()["field"] == "max_id"
    assert (
        await client.get("/api/v1/timelines/tag/edchat", params={"limit": "0"})
    ).status_code == 422


async def test_home_timeline_has_followed_people_and_tags(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    me, friend, stranger = (
        await make_account("me"),
        await make_account("friend"),
        await make_account("stranger"),
    )
    mine, friends, strangers = (
        await token_for(me),
        await token_for(friend),
        await token_for(stranger),
    )
    await client.post(f"/api/v1/accounts/{friend.id}/follow", headers=auth(mine))
    await client.post("/api/v1/tags/gardenchat/follow", headers=auth(mine))
    own = await post(client, mine, "my own")
    from_friend = await post(client, friends, "from a friend")
    in_tag = await post(client, strangers, "about #GardenChat")
    await post(client, strangers, "unrelated")
    home = await client.get("/api/v1/timelines/home", headers=auth(mine))
    assert [s["id"] for s in home.json()] == [in_tag["id"], from_friend["id"], own["id"]]
    assert (await client.get("/api/v1/timelines/home")).status_code == 401


async def test_threads_reposts_and_likes(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    host, guest = await make_account("host"), await make_account("guest")
    ht, gt = await token_for(host), await token_for(guest)
    q1 = await post(client, ht, "Q1: favourite tool? #edchat")
    a1 = await post(client, gt, "A1: whiteboards #edchat", in_reply_to_id=q1["id"])
    assert a1["in_reply_to_id"] == q1["id"]
    assert a1["in_reply_to_account_id"] == str(host.id)
    context = (await client.get(f"/api/v1/statuses/{a1['id']}/context")).json()
    assert [s["id"] for s in context["ancestors"]] == [q1["id"]]
    liked = await client.post(f"/api/v1/statuses/{q1['id']}/favourite", headers=auth(gt))
    assert liked.json()["favourited"] is True and liked.json()["favourites_count"] == 1
    reblogged = await client.post(f"/api/v1/statuses/{q1['id']}/reblog", headers=auth(gt))
    assert reblogged.json()["reblog"]["id"] == q1["id"]
    assert reblogged.json()["reblog"]["reblogs_count"] == 1
    assert reblogged.json()["reblog"]["reblogged"] is True
    by = await client.get(f"/api/v1/statuses/{q1['id']}/reblogged_by")
    assert [a["username"] for a in by.json()] == ["guest"]
    fav_by = await client.get(f"/api/v1/statuses/{q1['id']}/favourited_by")
    assert [a["username"] for a in fav_by.json()] == ["guest"]
    undone = await client.post(f"/api/v1/statuses/{q1['id']}/unreblog", headers=auth(gt))
    assert undone.json()["reblogged"] is False and undone.json()["reblogs_count"] == 0
    statuses = await client.get(
        f"/api/v1/accounts/{guest.id}/statuses", params={"exclude_replies": "true"}
    )
    assert statuses.json() == []
    forbidden = await client.delete(f"/api/v1/statuses/{q1['id']}", headers=auth(gt))
    assert forbidden.status_code == 403
    missing = await client.post("/api/v1/statuses/424242/favourite", headers=auth(gt))
    assert missing.status_code == 404


async def test_text_count_agrees_with_the_post_limit(client: httpx.AsyncClient) -> None:
    ok = (await client.post("/api/v1/text/count", json={"text": "😀" * 140})).json()
    assert ok["weighted_length"] == 280 and ok["valid"] is True
    over = (await client.post("/api/v1/text/count", json={"text": "😀" * 141})).json()
    assert over["weighted_length"] == 282 and over["valid"] is False
    url = (
        await client.post(
            "/api/v1/text/count",
            json={"text": "see https://example.org/a/very/long/path/indeed #tag"},
        )
    ).json()
    assert url["weighted_length"] == 4 + 23 + 5 and url["hashtags"] == ["tag"]


async def test_the_fast_path_and_the_framework_route_answer_alike(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    """JSON with a bearer token takes posts/fastpath.py; a form takes the FastAPI route."""
    token = await token_for(await make_account("twin"))
    fast = await client.post(
        "/api/v1/statuses", json={"status": "same #twins"}, headers=auth(token)
    )
    slow = await client.post(
        "/api/v1/statuses", data={"status": "same #twins"}, headers=auth(token)
    )
    assert fast.status_code == slow.status_code == 200
    a, b = fast.json(), slow.json()
    for key in ("id", "uri", "url", "created_at", "account"):
        a.pop(key), b.pop(key)
    assert a == b
    for headers, body, form, status in [
        ({"Authorization": "Bearer nope"}, {"status": "x"}, {"status": "x"}, 401),
        (auth(token), {"status": "x" * 281}, {"status": "x" * 281}, 422),
        (
            auth(token),
            {"status": "x", "media_ids": ["1"]},
            {"status": "x", "media_ids[]": ["1"]},
            422,
        ),
    ]:
        one = await client.post("/api/v1/statuses", json=body, headers=headers)
        two = await client.post("/api/v1/statuses", data=form, headers=headers)
        assert one.status_code == two.status_code == status
        assert one.json() == two.json()
