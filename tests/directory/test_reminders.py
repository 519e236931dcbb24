"""Reminders: rows the reconciler moves from due to sent exactly once (also across a restart,
a crash in the middle of a pass and two passes at once), an in-app notification on the
person's stream, and an email through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import orjson
import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from hashchat.app import create_app
from hashchat.config import Settings
from hashchat.directory import follows, service
from hashchat.directory.models import Reminder
from hashchat.jobs.reconciler import Reconciler
from hashchat.jobs.steps import default_steps
from hashchat.notifications.models import Notification, OutgoingEmail
from hashchat.realtime.models import EventRow, EventStream
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount
from tests.directory.conftest import MONDAY, MakeChat
from tests.services import free_port

# The chat: Wednesdays 20:00 in New York; the first is 25 February 2026, 01:00 UTC the 26th.
FIRST = datetime(2026, 2, 26, 1, 0, tzinfo=UTC)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def reconciler(db: Database, settings: Settings, smtp_port: int | None = None) -> Reconciler:
    if smtp_port is not None:
        settings = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp_port}"})
    return Reconciler(db, settings, default_steps())


async def count(db: Database, model: type, *where: Any) -> int:
    async with db.read() as session:
        query = select(func.count()).select_from(model)
        return int(await session.scalar(query.where(*where) if where else query) or 0)


async def test_a_reminder_arrives_on_time_once_in_the_app_and_by_email(
    db: Database,
    settings: Settings,
    make_account: MakeAccount,
    make_chat: MakeChat,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    host = await make_account("maya", display_name="Maya")
    fan = await make_account("fan", email="fan@example.org", time_zone="Europe/London")
    await make_chat(host, hashtag="WriteChat", title="Writers' chat")
    await follows.follow_chat(db=db, account=fan, tag="writechat", remind_minutes=15, now=MONDAY)
    jobs = reconciler(db, settings, port)
    # A minute early: nothing.
    await jobs.run_once(FIRST - timedelta(minutes=16), strict=True)
    assert await count(db, Notification) == 0 and inbox.messages == []
    # On time (the clock frozen at the due minute).
    with time_machine.travel(FIRST - timedelta(minutes=15), tick=False):
        await jobs.run_once(strict=True)
    async with db.read() as session:
        notification = await session.scalar(select(Notification))
        event = await session.get(EventRow, notification.id if notification else 0)
        streams = list(
            await session.scalars(
                select(EventStream.stream).where(EventStream.event_id == (event.id if event else 0))
            )
        )
    assert notification is not None and notification.type == "chat.reminder"
    assert (
        notification.text == "#WriteChat starts in 15 minutes (01:00 Europe/London): Writers' chat"
    )
    assert notification.account_id == fan.id and notification.from_account_id == host.id
    assert event is not None and event.kind == "chat.notification"
    assert streams == [f"user:{fan.id}"]
    payload = orjson.loads(event.payload)
    assert payload["type"] == "chat.reminder" and payload["chat"]["hashtag"] == "WriteChat"
    assert (
        payload["account"]["username"] == "maya"
        and payload["starts_at"] == "2026-02-26T01:00:00.000Z"
    )
    assert len(inbox.messages) == 1
    sender, recipients, content = inbox.messages[0]
    email = message_from_bytes(content)
    assert recipients == ["fan@example.org"] and sender == "hashchat@testserver"
    assert email["Subject"] == "#WriteChat starts in 15 minutes: Writers' chat"
    assert email["Message-ID"].endswith("@testserver>")
    assert "http://testserver/chats/WriteChat" in email.get_payload()
    # Again, and again a minute later: nothing more.
    await jobs.run_once(FIRST - timedelta(minutes=15), strict=True)
    await jobs.run_once(FIRST - timedelta(minutes=14), strict=True)
    assert await count(db, Notification) == 1 and len(inbox.messages) == 1


async def test_exactly_once_across_a_restart_and_a_crash_in_the_middle_of_a_pass(
    db: Database,
    settings: Settings,
    make_account: MakeAccount,
    make_chat: MakeChat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = await make_account("maya")
    fan = await make_account("fan", email="fan@example.org")
    await make_chat(host)
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=10, now=MONDAY)
    due = FIRST - timedelta(minutes=10)
    smtp_settings = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:9"})
    from hashchat.directory import reminders

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the process died here")

    # A pass that dies after writing the notification, before its transaction commits ...
    monkeypatch.setattr(reminders, "queue_email", crash)
    with time_machine.travel(due, tick=False), pytest.raises(RuntimeError):
        await Reconciler(db, smtp_settings, default_steps()).run_once(strict=True)
    assert await count(db, Notification) == 0
    assert await count(db, Reminder, Reminder.sent_at.is_(None)) == 1  # still due
    monkeypatch.undo()
    # ... then a new process (a new runtime on the same database) starts, later.
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        assert runtime.reconciler is None  # HASHCHAT_JOBS=false: passes run by hand here
        with time_machine.travel(due + timedelta(minutes=3), tick=False):
            await runtime.make_reconciler().run_once(strict=True)
            await runtime.make_reconciler().run_once(strict=True)
    assert await count(db, Notification) == 1
    async with db.read() as session:
        text = await session.scalar(select(Notification.text))
    assert text is not None and text.startswith("#chat1 starts in 7 minutes")
    # and yet another process finds nothing left to do
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        with time_machine.travel(due + timedelta(minutes=5), tick=False):
            await app.state.runtime.make_reconciler().run_once(strict=True)
    assert await count(db, Notification) == 1


async def test_two_passes_at_once_send_one_reminder(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    fans = [await make_account(f"fan{i}") for i in range(5)]
    await make_chat(host)
    for fan in fans:
        await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=5, now=MONDAY)
    passes = [reconciler(db, settings).run_once(FIRST, strict=True) for _ in range(3)]
    await asyncio.gather(*passes)
    assert await count(db, Notification) == 5
    async with db.read() as session:
        owners = sorted(await session.scalars(select(Notification.account_id)))
    assert owners == sorted(f.id for f in fans)


async def test_the_next_occurrence_gets_its_reminder_and_a_late_one_is_not_sent(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    fan = await make_account("fan")
    await make_chat(host)
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=60, now=MONDAY)
    jobs = reconciler(db, settings)
    await jobs.run_once(FIRST - timedelta(minutes=59), strict=True)
    assert await count(db, Notification) == 1
    # After the occurrence, the chat moves on to 4 March and a reminder is planned for it.
    await jobs.run_once(FIRST + timedelta(hours=2), strict=True)
    async with db.read() as session:
        pending = list(await session.scalars(select(Reminder).where(Reminder.sent_at.is_(None))))
    assert [r.starts_at for r in pending] == [FIRST + timedelta(days=7)]
    assert pending[0].due_at == FIRST + timedelta(days=7, hours=-1)
    # The server was down that whole evening: the reminder is marked missed, not sent late.
    await jobs.run_once(FIRST + timedelta(days=7, hours=2), strict=True)
    async with db.read() as session:
        outcomes = list(
            await session.scalars(select(Reminder.outcome).order_by(Reminder.starts_at))
        )
    assert outcomes[:2] == ["sent", "missed"] and await count(db, Notification) == 1


async def test_changing_or_dropping_a_reminder_and_changing_the_schedule(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    fan = await make_account("fan")
    await make_chat(host)

    async def due_times() -> list[datetime]:
        async with db.read() as session:
            rows = await session.scalars(
                select(Reminder.due_at).where(Reminder.sent_at.is_(None)).order_by(Reminder.due_at)
            )
            return list(rows)

    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=15, now=MONDAY)
    assert await due_times() == [FIRST - timedelta(minutes=15)]
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=1440, now=MONDAY)
    assert await due_times() == [FIRST - timedelta(days=1)]
    await service.skip_occurrence(db=db, actor=host, tag="chat1", day="2026-02-25", now=MONDAY)
    assert await due_times() == [FIRST + timedelta(days=6)]
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=None, now=MONDAY)
    assert await due_times() == []
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=5, now=MONDAY)
    await service.set_status(db=db, actor=host, tag="chat1", status="paused", now=MONDAY)
    assert await due_times() == []
    await service.set_status(db=db, actor=host, tag="chat1", status="active", now=MONDAY)
    assert len(await due_times()) == 1
    await follows.unfollow_chat(db=db, account=fan, tag="chat1")
    assert await due_times() == []
    await reconciler(db, settings).run_once(FIRST, strict=True)
    assert await count(db, Notification) == 0


async def test_email_failures_are_retried_and_then_delivered(
    db: Database,
    settings: Settings,
    make_account: MakeAccount,
    make_chat: MakeChat,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    host = await make_account("maya")
    fan = await make_account("fan", email="fan@example.org")
    quiet = await make_account("quiet", email="quiet@example.org")
    await make_chat(host)
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=30, now=MONDAY)
    await follows.follow_chat(
        db=db, account=quiet, tag="chat1", remind_minutes=30, remind_by_email=False, now=MONDAY
    )
    due = FIRST - timedelta(minutes=30)
    dead = free_port()  # nothing listens there
    await reconciler(db, settings, dead).run_once(due, strict=True)
    async with db.read() as session:
        email = await session.scalar(select(OutgoingEmail))
    assert email is not None and email.attempts == 1 and email.sent_at is None
    assert email.last_error and email.next_attempt_at == due + timedelta(minutes=1)
    assert await count(db, Notification) == 2  # in the app, both; by email, only one
    # Not yet time to retry.
    await reconciler(db, settings, port).run_once(due + timedelta(seconds=30), strict=True)
    assert inbox.messages == []
    await reconciler(db, settings, port).run_once(due + timedelta(minutes=1), strict=True)
    assert [m[1] for m in inbox.messages] == [["fan@example.org"]]
    async with db.read() as session:
        sent = await session.scalar(select(OutgoingEmail))
    assert sent is not None and sent.sent_at is not None and sent.attempts == 2


async def test_without_an_smtp_server_nothing_waits_to_be_emailed(
    db: Database, settings: Settings, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("maya")
    fan = await make_account("fan", email="fan@example.org")
    await make_chat(host)
    await follows.follow_chat(db=db, account=fan, tag="chat1", remind_minutes=30, now=MONDAY)
    assert settings.smtp_url == ""
    await reconciler(db, settings).run_once(FIRST, strict=True)
    assert await count(db, Notification) == 1 and await count(db, OutgoingEmail) == 0
