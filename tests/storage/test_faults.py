"""When the storage fails under a request, the answer says so as the API's JSON error (or the
error page), with the right status and Retry-After, and nothing half-written is left behind:
503 while the database cannot be reached, 507 when the disk is full; and it works again after."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.services import POSTGRES_URL


async def post(client: httpx.AsyncClient, token: str, words: str) -> httpx.Response:
    return await client.post("/api/v1/statuses", json={"status": words}, headers=auth(token))


async def count_posts(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(text("SELECT count(*) FROM posts")) or 0)


async def test_a_full_disk_is_a_507_and_writes_nothing(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's page limit stands for a full disk; PostgreSQL's is 53100, below")
    token = await token_for(await make_account("fuller"))
    assert (await post(client, token, "before #disk")).status_code == 200
    before = await count_posts(db)
    async with db.write_engine.connect() as conn:  # the one writer connection
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.execute("VACUUM")  # no free pages left: the next pages grow the file
        pages = (await (await raw.execute("PRAGMA page_count")).fetchone())[0]
        await raw.execute(f"PRAGMA max_page_count = {pages}")
    try:
        long = "x " * 130 + "#disk"
        answers = [await post(client, token, f"{i} {long}") for i in range(40)]
        full = [a for a in answers if a.status_code != 200]
        assert full, "the page limit was reached"
        assert {a.status_code for a in full} == {507}
        assert full[0].headers["content-type"].startswith("application/json")
        assert "disk is full" in full[0].json()["error"] and full[0].headers["Retry-After"]
        form = await client.get("/tags/disk")  # reading goes on
        assert form.status_code == 200
    finally:
        async with db.write_engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            await raw.execute("PRAGMA max_page_count = 4294967294")
    stored = await count_posts(db)
    assert stored == before + sum(a.status_code == 200 for a in answers), "none half-written"
    assert (await post(client, token, "after #disk")).status_code == 200


async def _admin(sql: str) -> None:
    engine = create_async_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def test_a_database_that_cannot_be_reached_is_a_503_in_json_and_pages(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("terminates PostgreSQL's connections")
    token = await token_for(await make_account("outage"))
    name = make_url(db.url).database
    await _admin(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0')
    await _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()"
    )
    try:
        written = await post(client, token, "during #outage")  # the framework-free path
        assert written.status_code == 503, written.text
        assert written.json()["error"] and int(written.headers["Retry-After"]) > 0
        read = await client.get("/api/v1/timelines/tag/outage")
        assert read.status_code == 503 and read.headers["content-type"] == "application/json"
        form = await client.post("/api/v1/statuses", data={"status": "form #outage"},
                                 headers=auth(token))  # fmt: skip
        assert form.status_code == 503 and "error" in form.json()
        page = await client.get("/tags/outage")
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    finally:
        await _admin(f'ALTER DATABASE "{name}" CONNECTION LIMIT -1')
    assert (await post(client, token, "after #outage")).status_code == 200
    assert await count_posts(db) == 1, "only the post made after the outage"
