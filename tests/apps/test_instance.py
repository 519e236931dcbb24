"""What native apps (Ice Cubes, Ivory, Tusky) need before they draw anything: the instance's
counts and thumbnail, and accounts whose avatar and header are PNG pictures at real URLs."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from hashchat.apps import instance
from hashchat.posts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth, path_of


async def test_the_instance_counts_people_posts_and_domains(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    maya = await make_account("maya")
    await make_account("lena")
    first = await service.create_post(db=db, author=maya, text="one #statchat")
    await service.create_post(db=db, author=maya, text="two")
    gone = await service.create_post(db=db, author=maya, text="three")
    await service.delete_post(db=db, actor=maya, post_id=gone.id)
    await service.reblog(db=db, account=maya, post_id=first.id)  # a repost is no new status
    instance.forget()
    v1 = (await client.get("/api/v1/instance")).json()
    assert v1["stats"] == {"user_count": 2, "status_count": 2, "domain_count": 0}
    v2 = (await client.get("/api/v2/instance")).json()
    assert v2["usage"]["users"]["active_month"] == 2
    picture = await client.get(path_of(v2["thumbnail"]["url"]))
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(picture.content)).size == (1200, 630)
    assert v1["thumbnail"] == v2["thumbnail"]["url"]


async def test_avatars_and_headers_are_pngs_native_apps_can_draw(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    person = await make_account("pictured", display_name="Zoë")
    me = (
        await client.get(
            "/api/v1/accounts/verify_credentials", headers=auth(await token_for(person))
        )
    ).json()
    for field, size in [("avatar", (192, 192)), ("avatar_static", (192, 192)),
                        ("header", (1500, 500)), ("header_static", (1500, 500))]:  # fmt: skip
        url = me[field]
        assert url.startswith("http://testserver/") and url.endswith(".png"), field
        got = await client.get(path_of(url))
        assert got.status_code == 200 and got.headers["content-type"] == "image/png", field
        image = Image.open(io.BytesIO(got.content))
        assert image.format == "PNG" and image.size == size
    # Two people get different colours often enough; one person always the same picture.
    again = await client.get(path_of(me["avatar"]))
    assert again.content == (await client.get(path_of(me["avatar"]))).content
    missing = await client.get("/avatars/999999.png")
    assert missing.status_code == 404
