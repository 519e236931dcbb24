"""Analytics and catch-up on SQLite: one session of 100,000 posts (its figures, and its page),
and a person's catch-up across ten followed chats (the service, and the page).

    python -m benchmarks.analytics [--posts 100000] [--runs 20] [--database PATH]

The data is written straight into the tables (a few seconds) and reused when the file exists:
4,000 people; the big session lasts 90 minutes with 12 questions, a third of its posts answers,
a tenth replies, 10,000 reposts by 3,000 people and 40,000 follows. Each of the ten chats the
reader follows has one ended session of 1,000 posts with answers, replies, reposts and links.
Prints a Markdown table.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from benchmarks import timing
from benchmarks.timing import Results, timed

PEOPLE = 4_000
SMALL = 1_000  # posts in each of the catch-up's sessions
CHATS = 10
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


async def build(url: str, posts: int) -> None:
    from sqlalchemy import insert, text

    from hashchat.accounts.models import Account, Follow
    from hashchat.directory import service
    from hashchat.directory.models import ChatFollow
    from hashchat.hosting.models import ChatSession, Question, SessionPost
    from hashchat.posts.models import Post
    from hashchat.storage.engine import Database

    db = Database(url, sqlite_synchronous="OFF")
    rng = random.Random(11)
    try:
        async with db.write() as session:
            await session.execute(
                insert(Account),
                [{"id": i, "handle": f"p{i}", "handle_key": f"p{i}", "password_hash": "x",
                  "created_at": NOW} for i in range(1, PEOPLE + 1)],
            )  # fmt: skip
            chats = []
            for n in range(CHATS + 1):
                fields = service.check_fields({
                    "hashtag": f"BenchChat{n}", "title": f"Bench chat {n}", "time_zone": "UTC",
                    "start_time": "20:00", "duration_minutes": 90, "repeat": "weekly",
                    "weekday": "MO", "starts_on": "2026-01-05",
                })  # fmt: skip
                chats.append(await service.add_chat(session, actor=None, fields=fields, now=NOW))
        next_id = 1
        follows: set[tuple[int, int]] = set()
        while len(follows) < 40_000:
            a, b = rng.randint(1, PEOPLE), rng.randint(1, PEOPLE)
            if a != b:
                follows.add((a, b))
        reader = 1
        for b in range(2, 52):
            follows.add((reader, b))
        async with db.write() as session:
            await session.execute(
                insert(Follow),
                [{"follower_id": a, "followee_id": b, "created_at": NOW} for a, b in follows],
            )
            await session.execute(
                text(
                    "UPDATE accounts SET followers_count = "
                    "(SELECT count(*) FROM follows WHERE followee_id = accounts.id)"
                )
            )
            await session.execute(
                insert(ChatFollow),
                [{"account_id": reader, "chat_id": c.id, "remind_minutes": None,
                  "remind_by_email": False, "created_at": NOW} for c in chats[1:]],
            )  # fmt: skip

        async def fill(chat_id: int, day: date, count: int, start: datetime, minutes: int) -> None:
            nonlocal next_id
            async with db.write() as session:
                chat_session = ChatSession(
                    chat_id=chat_id, local_date=day, starts_at=start,
                    ends_at=start + timedelta(minutes=minutes), state="ended", started_at=start,
                    ended_at=start + timedelta(minutes=minutes), topic="Benchmarks",
                )  # fmt: skip
                session.add(chat_session)
                await session.flush()
                sid = chat_session.id
                questions = 12
                rows, links, qs = [], [], []
                authors = rng.sample(range(2, PEOPLE + 1), min(2_000, count // 5 + 10))
                first = next_id
                for i in range(count):
                    pid = next_id
                    next_id += 1
                    at = start + timedelta(seconds=rng.uniform(0, minutes * 60))
                    who = rng.choice(authors)
                    q = 1 + i * questions // count
                    if i % (count // questions) == 0 and len(qs) < questions:
                        kind, number, body = "question", len(qs) + 1, f"Q{len(qs) + 1}: why? #b"
                        qs.append({"session_id": sid, "number": len(qs) + 1, "text": "why?",
                                   "state": "posted", "source": "script", "author_id": 2,
                                   "post_id": pid, "posted_at": at, "created_at": at})  # fmt: skip
                    elif i % 3 == 0:
                        kind, number, body = "answer", q, f"A{q}: because #b"
                    elif i % 10 == 1:
                        kind, number, body = "reply", q, "indeed"
                    else:
                        kind, number, body = "chat", None, "talk #b"
                    html = f"<p>{body}</p>"
                    if i % 50 == 7:
                        body += f" https://example.org/{i % 7}"
                        html += '<a class="url" href="#">x</a>'
                    reply = first + rng.randrange(0, i) if kind == "reply" and i else None
                    rows.append({"id": pid, "account_id": who, "text": body, "content_html": html,
                                 "conversation_id": reply or pid, "in_reply_to_id": reply,
                                 "in_reply_to_account_id": rng.choice(authors) if reply else None,
                                 "created_at": at, "favourites_count": rng.choice((0, 0, 1, 3)),
                                 "reblogs_count": 0, "replies_count": 0})  # fmt: skip
                    links.append({"post_id": pid, "session_id": sid, "kind": kind,
                                  "number": number, "late": False})  # fmt: skip
                reposts = []
                pairs: set[tuple[int, int]] = set()
                while len(pairs) < count // 10:
                    pairs.add((rng.choice(rows)["id"], rng.randint(2, 3_000)))
                counts: dict[int, int] = {}
                for original, who in pairs:
                    pid = next_id
                    next_id += 1
                    counts[original] = counts.get(original, 0) + 1
                    reposts.append({"id": pid, "account_id": who, "reblog_of_id": original,
                                    "conversation_id": pid, "created_at": NOW, "text": "",
                                    "content_html": "", "favourites_count": 0,
                                    "reblogs_count": 0, "replies_count": 0})  # fmt: skip
                for row in rows:
                    row["reblogs_count"] = counts.get(row["id"], 0)
                for chunk in range(0, len(rows), 5_000):
                    await session.execute(insert(Post), rows[chunk : chunk + 5_000])
                    await session.execute(insert(SessionPost), links[chunk : chunk + 5_000])
                for chunk in range(0, len(reposts), 5_000):
                    await session.execute(insert(Post), reposts[chunk : chunk + 5_000])
                await session.execute(insert(Question), qs)

        # Earlier sessions of the big chat, so first-time and returning have history to read.
        for week in range(1, 4):
            start = NOW - timedelta(days=7 * week + 1)
            await fill(chats[0].id, start.date(), 2_000, start, 90)
        await fill(
            chats[0].id, (NOW - timedelta(days=1)).date(), posts, NOW - timedelta(days=1), 90
        )
        for n, chat in enumerate(chats[1:]):
            start = NOW - timedelta(days=2, hours=n)
            await fill(chat.id, start.date(), SMALL, start, 60)
        async with db.write() as session:
            await session.execute(text("UPDATE counters SET value = :v"), {"v": next_id})
    finally:
        await db.dispose()


async def measure(url: str, runs: int) -> Results:
    import httpx
    import time_machine
    from sqlalchemy import func, select

    from hashchat.accounts import service as accounts
    from hashchat.accounts.models import Account
    from hashchat.analytics import service as analytics
    from hashchat.app import create_app
    from hashchat.catchup import service as catchup
    from hashchat.config import get_settings
    from hashchat.hosting.models import ChatSession, SessionPost
    from hashchat.hosting.sessions import get_session
    from hashchat.storage.engine import Database

    os.environ.update(
        HASHCHAT_DATABASE_URL=url, HASHCHAT_JOBS="false", HASHCHAT_RATE_LIMITS="false"
    )
    get_settings.cache_clear()
    db = Database(url)
    results: Results = []
    with time_machine.travel(NOW, tick=True):
        async with db.read() as session:
            big_id, size = (
                await session.execute(
                    select(SessionPost.session_id, func.count())
                    .group_by(SessionPost.session_id)
                    .order_by(func.count().desc())
                    .limit(1)
                )
            ).one()
            chat_session, chat = await get_session(session, big_id)
            reader = await session.get(Account, 1)
            assert reader is not None

            async def figures() -> Any:
                return await analytics.session_figures(session, chat_session, chat)

            f = await figures()
            results.append((f"session figures, {size:,} posts ({f.participants:,} participants, "
                            f"{f.reposts:,} reposts, reach {f.reach:,})", await timed(runs, figures, warmups=2)))  # fmt: skip

            async def over_time() -> Any:
                return await analytics.chat_figures(session, chat)

            results.append(("the chat's dashboard figures (4 sessions, 106,000 posts)",
                             await timed(runs, over_time, warmups=2)))  # fmt: skip

            async def catching_up() -> Any:
                return await catchup.catch_up(session, reader)

            missed = await catching_up()
            assert len(missed.sessions) == CHATS, len(missed.sessions)
            results.append((f"catch-up across {CHATS} followed chats ({CHATS} sessions of "
                            f"{SMALL:,} posts)", await timed(runs, catching_up, warmups=2)))  # fmt: skip
            ended = await session.scalar(select(func.count()).select_from(ChatSession))
            assert ended
        cookie = await accounts.start_web_session(db=db, account_id=1)
        app = create_app()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", cookies={"hc_session": cookie}
            ) as client:
                for name, path in [
                    ("GET the session's analytics page (3 SVG charts)",
                     f"/chats/{chat.hashtag}/sessions/{big_id}/analytics"),
                    ("GET the session's posts-per-minute PNG",
                     f"/chats/{chat.hashtag}/sessions/{big_id}/analytics/minutes.png"),
                    ("GET /catchup (the page, ten chats)", "/catchup"),
                ]:  # fmt: skip

                    async def run_http(path: str = path) -> Any:
                        response = await client.get(path)
                        assert response.status_code == 200, response.text[:300]
                        return response

                    results.append((name, await timed(runs, run_http, warmups=2)))
    await db.dispose()
    return results


def main() -> None:
    timing.run("analytics", __doc__, runs=20, build=build, measure=measure,
               columns=[("p50", "p50"), ("p95", "p95"), ("max", "max"), ("CPU p50", "cpu")])  # fmt: skip


if __name__ == "__main__":
    main()
