"""The live room without JavaScript: recent posts, the resume point, posting with the tag
added, and the mixer."""

from __future__ import annotations

import json
import re

import httpx

from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, csrf_from
from tests.posts.test_pages import sign_in


def room_config(html: str) -> dict[str, object]:
    match = re.search(
        r'<script type="application/json" id="room-config">(.*?)</script>', html, re.S
    )
    assert match
    config: dict[str, object] = json.loads(match.group(1))
    return config


async def test_room_lists_recent_posts_and_where_the_stream_resumes(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    host = await make_account("host")
    older = await service.create_post(db=db, author=host, text="Q1 #roomtest")
    await service.reblog(db=db, account=await make_account("fan"), post_id=older.id)
    newest = await service.create_post(db=db, author=host, text="elsewhere #other")
    page = await client.get("/live/RoomTest?hosts=host")
    assert page.status_code == 200
    assert 'aria-label="Posts in the chat"' in page.text and 'role="status"' in page.text
    assert page.text.count('class="post') == 2, "the post and its repost"
    assert "is-reblog" in page.text and "is-host" in page.text
    config = room_config(page.text)
    assert config["tags"] == ["roomtest"]
    assert config["since"] == str(newest.id), "the newest id when the page was read"
    assert config["hosts"] == {str(host.id): "host"}


async def test_posting_without_javascript_adds_the_tag(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("poster")
    await sign_in(client, "poster")
    page = await client.get("/live/nojs")
    response = await client.post("/live/post", data={
        "csrf_token": csrf_from(page.text), "tags": "nojs", "status": "plain text",
        "next": "/live/nojs"})  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/live/nojs"
    timeline = (await client.get("/api/v1/timelines/tag/nojs")).json()
    assert [s["text"] for s in timeline] == ["plain text #nojs"]
    empty = await client.post(
        "/live/post", data={"csrf_token": csrf_from(page.text), "tags": "nojs", "status": "  "}
    )
    assert empty.status_code == 422 and "a post needs some text" in empty.text
    too_long = await client.post(
        "/live/post", data={"csrf_token": csrf_from(page.text), "tags": "nojs", "status": "x" * 280}
    )
    assert too_long.status_code == 422 and "over the limit" in too_long.text
    assert ("x" * 280) in too_long.text, "the draft is kept"


async def test_the_mixer_posts_to_the_chosen_chat(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("mixer")
    await sign_in(client, "mixer")
    page = await client.get("/live", params={"tags": "mixone,mixtwo"})
    assert page.status_code == 200 and "Mixer:" in page.text
    await client.post("/live/post", data={"csrf_token": csrf_from(page.text), "tags": "mixone,mixtwo",
                                          "chat": "mixtwo", "status": "hi"})  # fmt: skip
    assert [s["text"] for s in (await client.get("/api/v1/timelines/tag/mixtwo")).json()] == [
        "hi #mixtwo"
    ]
    assert (await client.get("/live", params={"tags": "bad tag"})).status_code == 422
    assert (await client.get("/live")).status_code == 200, "without tags: a form to pick them"


async def test_nobody_is_offered_to_mute_themselves(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    me, other = await make_account("me"), await make_account("other")
    mine = await service.create_post(db=db, author=me, text="mine #roomtest")
    theirs = await service.create_post(db=db, author=other, text="theirs #roomtest")
    await sign_in(client, "me")
    page = (await client.get("/live/roomtest")).text

    def actions(post_id: int) -> str:
        return page.split(f'id="post-{post_id}"')[1].split("</article>")[0]

    assert 'data-act="mute"' not in actions(mine.id)
    assert 'data-act="mute"' in actions(theirs.id)
