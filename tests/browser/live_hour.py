"""A live hour to look at: the demo's people and chats, with #writechat's next session started
now, Q1 asked and answered, two questions on the Q&A board and a poll open. Used by the
accessibility sweep (test_accessibility.py) and scripts/room_screens.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import new_database
from tests.liveserver import LiveServer


async def live_hour(database_url: str) -> None:
    from sqlalchemy import select

    from hashchat.accounts import service as accounts
    from hashchat.directory.models import Chat
    from hashchat.features import install
    from hashchat.hosting import board, polls, questions, sessions
    from hashchat.posts import service as posts
    from hashchat.storage.base import utcnow
    from hashchat.storage.engine import Database

    install()
    db = Database(database_url)
    try:
        async with db.read() as session:
            people = {h: await accounts.get_by_handle(session, h) for h in
                      ("maya", "lena", "tomas", "kai", "priya", "demo", "joel")}  # fmt: skip
            chat = await session.scalar(select(Chat).where(Chat.tag_key == "writechat"))
            assert chat is not None
            upcoming = await sessions.current_or_next(session, chat, utcnow())
            assert upcoming is not None
        maya = people["maya"]
        assert maya is not None
        await sessions.start_now(db=db, actor=maya, session_id=upcoming.id)
        await questions.ask_now(
            db=db, actor=maya, session_id=upcoming.id,
            text="What is the hardest part of your draft right now?",
        )  # fmt: skip
        for handle, text in [
            ("lena", "A1: The middle. Everything sags between the hook and the ending."),
            ("tomas", "A1 dialogue that sounds like people and not like me explaining things"),
            ("kai", "A1: Knowing what to cut. I love every darling."),
            ("priya", "A1 - the first page. I have rewritten it eleven times."),
        ]:
            author = people[handle]
            assert author is not None
            await posts.create_post(db=db, author=author, text=f"{text} #writechat")
        for handle, text in [
            ("lena", "How do you keep a long project from going stale?"),
            ("joel", "Any tips for writing dialogue for teenagers?"),
        ]:
            author = people[handle]
            assert author is not None
            await board.submit(db=db, author=author, session_id=upcoming.id, text=text)
        await polls.create_session_poll(
            db=db, actor=maya, session_id=upcoming.id, question="Where do you write?",
            options=["Desk", "Café", "Bed", "Anywhere"], expires_in=900,
        )  # fmt: skip
    finally:
        await db.dispose()


def start_live_hour(directory: Path) -> LiveServer:
    """A server with the demo seeded and #writechat's session live (see the module's doc)."""
    url = new_database("sqlite", directory)
    server = LiveServer(directory, url, extra_env={"HASHCHAT_JOBS_INTERVAL": "0.5"}).start()
    try:
        seeded = server.run_cli("demo")
        assert seeded.returncode == 0, seeded.stderr
        # Its own thread: Playwright's sync API may already run an event loop in this one.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, live_hour(url)).result()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module")
def live_hour_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_live_hour(tmp_path_factory.mktemp("live-hour"))
    yield server
    server.stop()
