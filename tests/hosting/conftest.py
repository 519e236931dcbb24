"""Factories for the hosting tests: a listed chat with a host, and sessions of it made directly
(live now, or later), so each test starts where its story does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from hashchat.accounts.models import Account
from hashchat.directory import hosts, service
from hashchat.directory.models import Chat
from hashchat.hosting.classify import chat_keys
from hashchat.hosting.models import ChatRole, ChatSession
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount

MakeSession = Callable[..., Awaitable[ChatSession]]


@pytest.fixture
async def host(make_account: MakeAccount) -> Account:
    return await make_account("hostess")


@pytest.fixture
async def chat(db: Database, host: Account) -> Chat:
    listed = await service.create_chat(
        db=db,
        actor=host,
        data={
            "hashtag": "HostChat",
            "title": "A hosted chat",
            "starts_on": "2026-01-07",
            "start_time": "20:00",
            "time_zone": "Europe/London",
            "duration_minutes": 60,
            "repeat": "weekly",
            "weekday": "WE",
        },
    )
    async with db.write() as session:  # as an admin's approval would (directory/hosts.py)
        await session.execute(update(Chat).where(Chat.id == listed.id).values(vouched_at=utcnow()))
    listed.vouched_at = utcnow()
    chat_keys.forget()
    return listed


@pytest.fixture
def make_session(db: Database, chat: Chat) -> MakeSession:
    """A session of ``chat`` from ``start`` (minutes from now) lasting ``minutes``."""
    days = iter(range(1, 10_000))

    async def make(
        *, start: float = -5, minutes: int = 60, state: str | None = None, **fields: Any
    ) -> ChatSession:
        now = utcnow()
        starts_at = now + timedelta(minutes=start)
        ends_at = starts_at + timedelta(minutes=minutes)
        if state is None:
            state = "live" if starts_at <= now < ends_at else "scheduled"
            state = "ended" if ends_at <= now else state
        made = ChatSession(
            chat_id=chat.id,
            local_date=(now + timedelta(days=next(days) * 400)).date(),
            starts_at=starts_at,
            ends_at=ends_at,
            state=state,
            started_at=starts_at if state != "scheduled" else None,
            **fields,
        )
        async with db.write() as session:
            session.add(made)
        chat_keys.forget()
        return made

    return make


@pytest.fixture
async def live_session(make_session: MakeSession) -> ChatSession:
    return await make_session()


def at(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@dataclass
class Crew:
    """Everyone a room's moderation concerns: the chat's host and co-host, a moderator and a
    guest of the chat, a guest of one session, a plain member, and an admin."""

    host: Account
    cohost: Account
    moderator: Account
    guest: Account
    member: Account
    admin: Account

    def by_role(self, role: str) -> Account:
        person: Account = getattr(self, role)
        return person


@pytest.fixture
async def crew(db: Database, chat: Chat, host: Account, make_account: MakeAccount) -> Crew:
    people = Crew(
        host=host,
        cohost=await make_account("cohostess"),
        moderator=await make_account("modesty"),
        guest=await make_account("guesto"),
        member=await make_account("memberly"),
        admin=await make_account("adminna", role="admin"),
    )
    await service.update_chat(
        db=db, actor=host, tag=chat.hashtag, data={"hosts": [host.handle, people.cohost.handle]}
    )
    await hosts.answer(db=db, account=people.cohost, tag=chat.hashtag, accept=True)
    async with db.write() as session:
        session.add(ChatRole(chat_id=chat.id, account_id=people.moderator.id, role="moderator"))
        session.add(ChatRole(chat_id=chat.id, account_id=people.guest.id, role="guest"))
    return people
