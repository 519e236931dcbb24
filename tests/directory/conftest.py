"""Factories for the directory's tests: chats listed through the service, and a clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hashchat.accounts.models import Account
from hashchat.directory import service
from hashchat.directory.models import Chat
from hashchat.storage.engine import Database

MakeChat = Callable[..., Awaitable[Chat]]

# A Monday well before both 2026 clock changes (US: 8 March, EU: 29 March).
MONDAY = datetime(2026, 2, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def make_chat(db: Database) -> MakeChat:
    counter = iter(range(1, 10_000))

    async def make(
        host: Account | None = None,
        *,
        now: datetime = MONDAY,
        **fields: Any,
    ) -> Chat:
        n = next(counter)
        data: dict[str, Any] = {
            "hashtag": f"chat{n}",
            "title": f"Chat number {n}",
            "starts_on": "2026-02-23",
            "start_time": "20:00",
            "time_zone": "America/New_York",
            "duration_minutes": 60,
            "repeat": "weekly",
            "weekday": "WE",
        }
        data.update(fields)
        return await service.create_chat(db=db, actor=host, data=data, now=now)

    return make
