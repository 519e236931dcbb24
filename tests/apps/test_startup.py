"""What apps call when they start: lists (and their timeline), trends (chats live now, then
the busiest tags, each with a week of history; the posts most shared), suggestions, preferences,
and Mastodon's empty answers where hashchat has nothing: never a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hashchat.accounts import service as accounts
from hashchat.directory import service as directory
from hashchat.posts import service
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth


async def test_a_list_and_its_timeline_with_its_replies_policy(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    me = await make_account("me")
    maya = await make_account("maya")
    kai = await make_account("kai")
    stranger = await make_account("stranger")
    token = auth(await token_for(me))
    made = await client.post("/api/v1/lists", json={"title": "Hosts"}, headers=token)
    assert made.json()["replies_policy"] == "list"
    list_id = made.json()["id"]
    added = await client.post(f"/api/v1/lists/{list_id}/accounts",
                              json={"account_ids": [str(maya.id), str(kai.id)]}, headers=token)  # fmt: skip
    assert added.status_code == 200, added.text
    first = await service.create_post(db=db, author=maya, text="maya's post")
    await service.create_post(db=db, author=kai, text="kai to maya", in_reply_to_id=first.id)
    elsewhere = await service.create_post(db=db, author=stranger, text="stranger's")
    await service.create_post(db=db, author=kai, text="kai to a stranger",
                              in_reply_to_id=elsewhere.id)  # fmt: skip
    await service.create_post(db=db, author=stranger, text="not in the list")
    timeline = f"/api/v1/timelines/list/{list_id}"
    texts = [s["text"] for s in (await client.get(timeline, headers=token)).json()]
    assert texts == ["kai to maya", "maya's post"]
    await client.put(f"/api/v1/lists/{list_id}", json={"replies_policy": "none"}, headers=token)
    assert [s["text"] for s in (await client.get(timeline, headers=token)).json()] == [
        "maya's post"
    ]
    members = (await client.get(f"/api/v1/lists/{list_id}/accounts", headers=token)).json()
    assert [a["username"] for a in members] == ["kai", "maya"]
    holding = (await client.get(f"/api/v1/accounts/{kai.id}/lists", headers=token)).json()
    assert [lst["title"] for lst in holding] == ["Hosts"]
    removed = await client.request("DELETE", f"/api/v1/lists/{list_id}/accounts",
                                   json={"account_ids": [str(kai.id)]}, headers=token)  # fmt: skip
    assert removed.status_code == 200
    members = (await client.get(f"/api/v1/lists/{list_id}/accounts", headers=token)).json()
    assert [a["username"] for a in members] == ["maya"]
    other = auth(await token_for(kai))
    assert (await client.get(timeline, headers=other)).status_code == 404
    bad = await client.post("/api/v1/lists", json={"title": ""}, headers=token)
    assert bad.status_code == 422 and bad.json()["field"] == "title"
    assert (await client.delete(f"/api/v1/lists/{list_id}", headers=token)).json() == {}
    assert (await client.get("/api/v1/lists", headers=token)).json() == []


async def test_trends_live_chats_first_then_the_busiest_tags(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    host = await make_account("host")
    now = utcnow()
    start = now - timedelta(minutes=10)
    await directory.create_chat(
        db=db, actor=host, now=now - timedelta(days=1),
        data={"hashtag": "LiveChat", "title": "On right now", "starts_on": start.date().isoformat(),
              "start_time": start.strftime("%H:%M"), "time_zone": "UTC", "duration_minutes": 60,
              "repeat": "once"},
    )  # fmt: skip
    for i in range(3):
        await service.create_post(db=db, author=host, text=f"busy {i} #Busy")
    await service.create_post(db=db, author=host, text="quiet #quiet")
    popular = await service.create_post(db=db, author=host, text="share me")
    await service.create_post(db=db, author=host, text="nobody cares")
    fan = await make_account("fan")
    await service.favourite(db=db, account=fan, post_id=popular.id)
    tags = (await client.get("/api/v1/trends/tags")).json()
    assert [t["name"] for t in tags][:3] == ["LiveChat", "Busy", "quiet"]
    assert tags[0]["live_chat"] == "On right now" and tags[1]["live_chat"] is None
    today = tags[1]["history"][0]
    assert len(tags[1]["history"]) == 7 and today["uses"] == "3" and today["accounts"] == "1"
    assert [t["name"] for t in (await client.get("/api/v1/trends?limit=1&offset=1")).json()] == [
        "Busy"
    ]
    statuses = (await client.get("/api/v1/trends/statuses")).json()
    assert [s["text"] for s in statuses] == ["share me"]
    assert (await client.get("/api/v1/trends/links")).json() == []


async def test_suggestions_hosts_first_never_followed_or_self(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any
) -> None:
    me = await make_account("me")
    host = await make_account("host")
    popular = await make_account("popular")
    followed = await make_account("followed")
    await directory.create_chat(
        db=db, actor=host,
        data={"hashtag": "HostedChat", "title": "Hosted", "starts_on": "2026-01-07",
              "start_time": "20:00", "time_zone": "UTC", "duration_minutes": 60,
              "repeat": "weekly", "weekday": "WE"},
    )  # fmt: skip
    await accounts.follow(db=db, follower_id=followed.id, followee_id=popular.id)
    await accounts.follow(db=db, follower_id=me.id, followee_id=followed.id)
    token = auth(await token_for(me))
    v2 = (await client.get("/api/v2/suggestions", headers=token)).json()
    assert [(s["account"]["username"], s["sources"]) for s in v2] == [
        ("host", ["featured"]), ("popular", ["most_followed"])
    ]  # fmt: skip
    v1 = (await client.get("/api/v1/suggestions?limit=1", headers=token)).json()
    assert [a["username"] for a in v1] == ["host"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/custom_emojis", "/api/v1/announcements", "/api/v1/follow_requests",
     "/api/v1/conversations", "/api/v1/featured_tags", "/api/v1/endorsements",
     "/api/v1/domain_blocks", "/api/v1/scheduled_statuses", "/api/v1/instance/peers",
     "/api/v1/accounts/1/featured_tags", "/api/v1/accounts/familiar_followers",
     "/api/v1/notifications/requests"],
)  # fmt: skip
async def test_what_hashchat_has_not_is_an_empty_list(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200 and response.json() == []


async def test_preferences_and_the_notification_policy(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = auth(await token_for(await make_account("me")))
    prefs = (await client.get("/api/v1/preferences", headers=token)).json()
    assert prefs["posting:default:visibility"] == "public"
    policy = (await client.get("/api/v2/notifications/policy", headers=token)).json()
    assert policy["summary"]["pending_requests_count"] == 0
    assert (await client.get("/api/v1/preferences")).status_code == 401
