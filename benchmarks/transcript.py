"""The transcript of one session of 100,000 posts on SQLite: the data behind its page (both
orders, a later page of the chat), the page itself over HTTP, and the whole-session exports.

    python -m benchmarks.transcript [--posts 100000] [--runs 10] [--database PATH]

The data is written straight into the tables (a few seconds) and reused when the file exists:
2,000 people; 90 minutes with 12 questions; a third of the posts answers, a tenth replies under
them, one in fifty with a link, likes and reposts counted on the posts, and 500 late answers.
Prints a Markdown table: CPU time (this process and its SQLite thread) and wall time.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks import timing
from benchmarks.timing import Results, timed

PEOPLE = 2_000
QUESTIONS = 12
LATE = 500
START = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)


async def build(url: str, posts: int) -> None:
    from sqlalchemy import insert, text

    from hashchat.accounts.models import Account
    from hashchat.directory import service
    from hashchat.hosting.models import ChatSession, Question, SessionPost
    from hashchat.posts.models import Post
    from hashchat.storage.engine import Database

    db = Database(url, sqlite_synchronous="OFF")
    rng = random.Random(7)
    try:
        async with db.write() as session:
            await session.execute(
                insert(Account),
                [{"id": i, "handle": f"p{i}", "handle_key": f"p{i}", "password_hash": "x",
                  "display_name": f"Person {i}", "created_at": START} for i in range(1, PEOPLE + 1)],
            )  # fmt: skip
            fields = service.check_fields({
                "hashtag": "BenchChat", "title": "Bench chat", "time_zone": "UTC",
                "start_time": "20:00", "duration_minutes": 90, "repeat": "weekly",
                "weekday": "MO", "starts_on": "2026-01-05",
            })  # fmt: skip
            chat = await service.add_chat(session, actor=None, fields=fields, now=START)
            end = START + timedelta(minutes=90)
            chat_session = ChatSession(
                chat_id=chat.id, local_date=START.date(), starts_at=START, ends_at=end,
                state="ended", started_at=START, ended_at=end, topic="Benchmarks",
            )  # fmt: skip
            session.add(chat_session)
            await session.flush()
            sid = chat_session.id
            rows: list[dict[str, Any]] = []
            placed: list[dict[str, Any]] = []
            questions: list[dict[str, Any]] = []
            answers: dict[int, list[int]] = {}  # by question: answers and replies so far
            for i in range(posts):
                pid = i + 1
                late = i >= posts - LATE
                at = START + timedelta(seconds=90 * 60 * i / posts)
                if late:
                    at = end + timedelta(hours=1, seconds=i)
                who = rng.randint(2, PEOPLE)
                number = len(questions)  # the question asked last
                reply = None
                if not late and i % (posts // QUESTIONS) == 0 and len(questions) < QUESTIONS:
                    n = len(questions) + 1
                    kind, number, body, who = "question", n, f"Q{n}: what and why? #BenchChat", 1
                    questions.append({"session_id": sid, "number": n, "text": "what and why?",
                                      "state": "posted", "source": "script", "author_id": 1,
                                      "post_id": pid, "posted_at": at, "created_at": at})  # fmt: skip
                    answers[n] = []
                elif late:
                    number = rng.randint(1, QUESTIONS)
                    kind, body, reply = (
                        "answer",
                        "late, but: this",
                        questions[number - 1]["post_id"],
                    )
                elif i % 3 == 0 or (i % 10 == 1 and not answers.get(number)):
                    kind, body = "answer", f"A{number}: because of this and that #BenchChat"
                elif i % 10 == 1:
                    kind, body, reply = "reply", "indeed, and more", rng.choice(answers[number])
                else:
                    kind, number, body = "chat", None, "talking about it #BenchChat"
                html = f"<p>{body}</p>"
                if i % 50 == 7:
                    body += f" https://example.org/{i % 97}"
                    html = (f'<p>{body}<a href="https://example.org/{i % 97}" class="url" '
                            f'rel="nofollow ugc noopener">example.org/{i % 97}</a></p>')  # fmt: skip
                if kind in ("answer", "reply") and number is not None and not late:
                    answers[number].append(pid)
                rows.append({"id": pid, "account_id": who, "text": body, "content_html": html,
                             "conversation_id": reply or pid, "in_reply_to_id": reply,
                             "created_at": at, "favourites_count": rng.choice((0, 0, 0, 1, 2, 5)),
                             "reblogs_count": rng.choice((0, 0, 0, 0, 1)),
                             "replies_count": 0})  # fmt: skip
                placed.append({"post_id": pid, "session_id": sid, "kind": kind,
                               "number": number, "late": late})  # fmt: skip
            replies: dict[int, int] = {}
            for row in rows:
                if row["in_reply_to_id"]:
                    replies[row["in_reply_to_id"]] = replies.get(row["in_reply_to_id"], 0) + 1
            for row in rows:
                row["replies_count"] = replies.get(row["id"], 0)
            for chunk in range(0, len(rows), 5_000):
                await session.execute(insert(Post), rows[chunk : chunk + 5_000])
                await session.execute(insert(SessionPost), placed[chunk : chunk + 5_000])
            await session.execute(insert(Question), questions)
            await session.execute(text("UPDATE counters SET value = :v"), {"v": posts + 1})
    finally:
        await db.dispose()


async def measure(url: str, runs: int) -> Results:
    import httpx
    from sqlalchemy import func, select

    from hashchat.app import create_app
    from hashchat.config import get_settings
    from hashchat.hosting.models import SessionPost
    from hashchat.hosting.sessions import get_session
    from hashchat.storage.engine import Database
    from hashchat.transcripts import exports, service

    os.environ.update(
        HASHCHAT_DATABASE_URL=url, HASHCHAT_JOBS="false", HASHCHAT_RATE_LIMITS="false"
    )
    get_settings.cache_clear()
    db = Database(url)
    results: Results = []
    async with db.read() as session:
        sid, size = (
            await session.execute(
                select(SessionPost.session_id, func.count()).group_by(SessionPost.session_id)
            )
        ).one()
        chat_session, chat = await get_session(session, sid)
        middle = size // 2

        for name, kwargs in [
            (f"transcript data, most engaged first ({size:,} posts)", {"order": "engaged"}),
            ("transcript data, time order", {"order": "time"}),
            ("transcript data, a page from the middle of the chat",
             {"order": "engaged", "min_id": middle}),
        ]:  # fmt: skip

            async def build_it(kwargs: dict[str, Any] = kwargs) -> Any:
                return await service.build_transcript(session, chat_session, chat, **kwargs)

            shown = await build_it()
            assert len(shown.threads) == QUESTIONS and len(shown.lines) == service.CHAT_PAGE
            results.append((name, await timed(runs, build_it)))

        async def whole() -> Any:
            every = service.ALL
            found = await service.build_transcript(
                session, chat_session, chat, chat_limit=every, answers_limit=every,
                replies_limit=every, people_limit=every,
            )  # fmt: skip
            return exports.to_json(found)

        results.append(("the whole session as JSON (the export)", await timed(1, whole)))
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            path = f"/chats/{chat.hashtag}/sessions/{sid}/transcript"

            async def page() -> Any:
                response = await client.get(path)
                assert response.status_code == 200, response.text[:300]
                return response

            results.append(("GET the transcript page (12 questions with 20 answers each, "
                            "200 chat posts)", await timed(runs, page)))  # fmt: skip
    await db.dispose()
    return results


def main() -> None:
    timing.run("transcript", __doc__, runs=10, build=build, measure=measure,
               columns=[("CPU p50", "cpu"), ("wall p50", "p50"), ("wall max", "max")])  # fmt: skip


if __name__ == "__main__":
    main()
