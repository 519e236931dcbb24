"""Every figure of a hand-worked session (tests/analytics/conftest.py), and the chat over time."""

from __future__ import annotations

from datetime import timedelta

from hashchat.analytics import exports, service
from hashchat.hosting.sessions import get_session
from hashchat.storage.engine import Database
from tests.analytics.conftest import EXPECTED, PER_MINUTE, Story


async def test_every_figure_of_the_session(db: Database, story: Story) -> None:
    async with db.read() as session:
        chat_session, chat = await get_session(session, story.chat_session.id)
        f = await service.session_figures(session, chat_session, chat)
    assert {name: value for name, value, _ in exports.summary_rows(f)} == EXPECTED
    assert len(f.per_minute) == 75
    assert {i: n for i, n in enumerate(f.per_minute) if n} == PER_MINUTE
    assert f.outside_window == 1
    assert f.peak_minute == (0, 2)
    # The label of the session's second minute (an hour later when it starts at :59).
    assert f.minute_label(1) == (story.t0 + timedelta(minutes=1)).strftime("%H:%M")
    assert [(q.number, q.text, q.answers) for q in f.per_question] == [
        (1, "What do you read? #HostChat", 3),
        (2, "Where do you read? #HostChat", 1),
    ]
    assert [(c.handle, c.posts, c.answers, c.likes, c.reposts, c.returning)
            for c in f.contributors] == [
        ("ann", 2, 2, 3, 2, True),
        ("hostess", 2, 0, 0, 1, False),
        ("bob", 2, 1, 0, 0, False),
        ("cat", 2, 1, 0, 0, False),
    ]  # fmt: skip


async def test_the_earlier_session_and_the_chat_over_time(db: Database, story: Story) -> None:
    async with db.read() as session:
        earlier, chat = await get_session(session, story.earlier.id)
        first = await service.session_figures(session, earlier, chat)
        over_time = await service.chat_figures(session, chat)
    assert (first.posts, first.participants, first.first_time, first.returning) == (1, 1, 1, 0)
    assert first.reach == 3  # ann's followers: fay, gus, bob
    assert [(s.session_id, s.posts, s.participants, s.first_time, s.returning, s.reposts,
             s.likes) for s in over_time.sessions] == [
        (story.earlier.id, 1, 1, 1, 0, 0, 0),
        (story.chat_session.id, 8, 4, 3, 1, 3, 3),
    ]  # fmt: skip
    assert (over_time.participants_ever, over_time.posts) == (4, 9)


async def test_a_session_nobody_posted_in(db: Database, story: Story, make_session: object) -> None:
    from tests.hosting.conftest import MakeSession

    assert callable(make_session)
    later: MakeSession = make_session  # type: ignore[assignment]
    empty = await later(start=60, minutes=45)
    async with db.read() as session:
        chat_session, chat = await get_session(session, empty.id)
        f = await service.session_figures(session, chat_session, chat)
    assert (f.posts, f.participants, f.reach, f.peak_minute) == (0, 0, 0, None)
    assert len(f.per_minute) in (60, 61) and sum(f.per_minute) == 0
