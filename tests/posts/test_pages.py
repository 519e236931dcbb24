"""The hashtag page, posting from a form, permalinks with threads, and safe rendering."""

from __future__ import annotations

from typing import Any

import httpx

from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, csrf_from


async def sign_in(
    client: httpx.AsyncClient, handle: str, password: str = "correct horse battery"
) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"login": handle, "password": password, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303


async def test_post_from_the_hashtag_page_and_find_it_there(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("lena")
    await sign_in(client, "lena")
    page = await client.get("/tags/WriteChat")
    assert page.status_code == 200
    assert "#WriteChat " in page.text, "the compose box starts with the hashtag"
    response = await client.post(
        "/posts",
        data={
            "status": "Third draft done! #WriteChat",
            "next": "/tags/WriteChat",
            "stay": "1",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/tags/WriteChat"
    again = await client.get("/tags/writechat")
    assert "Third draft done!" in again.text
    assert 'rel="nofollow ugc noopener"' in again.text


async def test_a_too_long_post_keeps_the_draft_and_says_why(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("wordy")
    await sign_in(client, "wordy")
    page = await client.get("/tags/edchat")
    draft = "long " * 60
    response = await client.post(
        "/posts", data={"status": draft, "next": "/tags/edchat", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 422
    assert "over the limit of 280" in response.text
    assert draft.strip() in response.text


async def test_guests_see_posts_but_are_asked_to_log_in(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("host")
    await service.create_post(db=db, author=author, text="Q1 tonight! #gardenchat")
    page = await client.get("/tags/gardenchat")
    assert "Q1 tonight!" in page.text
    assert 'action="/posts"' not in page.text
    assert "Log in" in page.text
    home = await client.get("/home")
    assert "Q1 tonight!" in home.text and "#gardenchat" in home.text
    forged = await client.post("/posts", data={"status": "sneaky"})
    assert forged.status_code == 403


async def test_user_text_is_escaped_and_links_are_safe(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("mallory")
    await service.create_post(
        db=db,
        author=author,
        text='<script>alert(1)</script> "quoted" & javascript:alert(1) #safe',
    )
    page = await client.get("/tags/safe")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'href="javascript:' not in page.text


async def test_permalink_shows_the_thread_and_reply_box(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    host, guest = await make_account("host"), await make_account("guest")
    q1 = await service.create_post(db=db, author=host, text="Q1: tools? #edchat")
    a1 = await service.create_post(
        db=db, author=guest, text="A1: chalk #edchat", in_reply_to_id=q1.id
    )
    await sign_in(client, "guest")
    page = await client.get(f"/@host/{q1.id}")
    assert page.status_code == 200
    assert "A1: chalk" in page.text
    assert f'name="in_reply_to_id" value="{q1.id}"' in page.text
    assert "@host #edchat " in page.text, "a reply starts with the author and keeps the hashtag"
    reply = await client.post(
        "/posts",
        data={
            "status": "@host and markers #edchat",
            "in_reply_to_id": str(a1.id),
            "next": f"/@host/{q1.id}",
            "stay": "1",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert reply.status_code == 303
    assert "and markers" in (await client.get(f"/@host/{q1.id}")).text
    assert (await client.get(f"/@guest/{q1.id}")).status_code == 404, "wrong author in the URL"


async def test_like_repost_and_delete_buttons_work_without_javascript(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("author")
    target = await service.create_post(db=db, author=author, text="press the buttons #ui")
    await make_account("fan")
    await sign_in(client, "fan")
    page = await client.get("/tags/ui")
    token = csrf_from(page.text)
    for action in ("favourite", "reblog"):
        response = await client.post(
            f"/posts/{target.id}/{action}", data={"csrf_token": token, "next": "/tags/ui"}
        )
        assert response.status_code == 303
    after = await client.get(f"/api/v1/statuses/{target.id}")
    body: dict[str, Any] = after.json()
    assert (body["favourites_count"], body["reblogs_count"]) == (1, 1)
    denied = await client.post(f"/posts/{target.id}/delete", data={"csrf_token": token})
    assert denied.status_code == 403


async def test_a_repost_in_your_timeline_is_undone_not_deleted(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    author = await make_account("author")
    fan = await make_account("fan")
    target = await service.create_post(db=db, author=author, text="worth sharing #ui")
    repost = await service.reblog(db=db, account=fan, post_id=target.id)
    mine = await service.create_post(db=db, author=fan, text="my own words")
    await sign_in(client, "fan")
    page = (await client.get("/home")).text
    shared = page.split(f'id="post-{repost.id}"')[1].split("</article>")[0]
    assert "Undo repost" in shared and "Delete" not in shared
    assert f'action="/posts/{target.id}/unreblog"' in shared
    own = page.split(f'id="post-{mine.id}"')[1].split("</article>")[0]
    assert "Delete" in own and "Undo repost" not in own
    token = csrf_from(page)
    undone = await client.post(f"/posts/{target.id}/unreblog", data={"csrf_token": token,
                                                                      "next": "/"})  # fmt: skip
    assert undone.status_code == 303
    assert f'id="post-{repost.id}"' not in (await client.get("/home")).text
