"""Migrations: the models and the migrations agree, and a database goes down and up again."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from hashchat.storage.migrate import current, downgrade, upgrade
from hashchat.storage.models import include_name, metadata


async def test_models_match_the_migrations(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_name}),
                    metadata,
                )
            )
    finally:
        await engine.dispose()
    assert diff == [], f"models differ from the migrations; add a migration: {diff}"


async def test_down_and_up_again(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/updown.db"
    await asyncio.to_thread(upgrade, url)
    head = await asyncio.to_thread(current, url)
    assert head is not None
    await asyncio.to_thread(downgrade, url, "base")
    assert await asyncio.to_thread(current, url) is None
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(current, url) == head
