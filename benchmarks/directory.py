"""The chat directory with 10,000 listed chats on SQLite: a filtered search and the week's
agenda in a viewer's time zone, each timed as a query and as the API's whole answer.

    python -m benchmarks.directory [--chats 10000] [--runs 50] [--database PATH]

The directory is made once per database file (a few minutes) and reused when it exists. Chats
are spread over 24 zones, start between 06:00 and 22:00 local, repeat weekly, fortnightly,
monthly or once, and carry one to three of 60 topics. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Sao_Paulo", "America/Mexico_City", "America/Toronto", "Europe/London",
    "Europe/Berlin", "Europe/Madrid", "Europe/Paris", "Europe/Warsaw", "Europe/Istanbul",
    "Africa/Lagos", "Africa/Johannesburg", "Africa/Nairobi", "Asia/Kolkata", "Asia/Singapore",
    "Asia/Tokyo", "Asia/Manila", "Asia/Jakarta", "Australia/Sydney", "Pacific/Auckland", "UTC",
]  # fmt: skip
TOPICS = [
    "writing",
    "books",
    "poetry",
    "fiction",
    "journalism",
    "blogging",
    "media",
    "education",
    "teaching",
    "science",
    "mathematics",
    "history",
    "languages",
    "python",
    "javascript",
    "rust",
    "programming",
    "data",
    "devops",
    "cloud",
    "security",
    "design",
    "ux",
    "accessibility",
    "photography",
    "art",
    "film",
    "music",
    "gardening",
    "plants",
    "nature",
    "birds",
    "astronomy",
    "climate",
    "health",
    "medicine",
    "wellbeing",
    "fitness",
    "running",
    "yoga",
    "food",
    "cooking",
    "travel",
    "careers",
    "jobs",
    "business",
    "marketing",
    "entrepreneurs",
    "podcasting",
    "games",
    "chess",
    "knitting",
    "crafts",
    "parenting",
    "pets",
    "law",
    "finance",
    "policy",
]
WORDS = [
    "weekly",
    "chat",
    "for",
    "people",
    "who",
    "love",
    "to",
    "talk",
    "about",
    "ideas",
    "tips",
    "questions",
    "answers",
    "community",
    "night",
    "morning",
    "club",
    "circle",
    "hour",
    "meetup",
    "corner",
    "lounge",
    "table",
    "session",
]
LANGUAGES = ["en"] * 14 + ["es", "de", "fr", "pt", "ja", "it"]


def _spreadsheet_row(rng: random.Random, n: int) -> dict[str, Any]:
    topics = rng.sample(TOPICS, rng.randint(1, 3))
    kind = rng.choices(["weekly", "fortnightly", "monthly", "once"], [60, 20, 15, 5])[0]
    weekday = rng.choice(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])
    start = date(2025, 9, 1) + timedelta(days=rng.randrange(0, 210))  # a few after "now"
    data: dict[str, Any] = {
        "hashtag": f"{topics[0]}chat{n}",
        "title": f"{topics[0].capitalize()} {rng.choice(WORDS)} {rng.choice(WORDS)}",
        "description": " ".join(rng.choice(WORDS + TOPICS) for _ in range(rng.randint(8, 40))),
        "topics": ", ".join(topics),
        "language": rng.choice(LANGUAGES),
        "time_zone": rng.choice(ZONES),
        "start_time": f"{rng.randint(6, 21):02d}:{rng.choice(['00', '30'])}",
        "duration_minutes": rng.choice([30, 45, 60, 60, 60, 90]),
        "starts_on": start.isoformat(),
        "repeat": kind,
        "weekday": weekday,
    }
    if kind == "monthly":
        data["nth"] = rng.choice([1, 2, 3, 4, -1])
    return data


async def build(url: str, chats: int, now: datetime) -> None:
    from hashchat.directory import service
    from hashchat.storage.engine import Database

    db = Database(url, sqlite_synchronous="OFF")
    rng = random.Random(7)
    try:
        batch = 250
        for first in range(0, chats, batch):
            async with db.write() as session:
                for n in range(first, min(first + batch, chats)):
                    fields = service.check_fields(_spreadsheet_row(rng, n))
                    await service.add_chat(session, actor=None, fields=fields, now=now)
            print(f"  {min(first + batch, chats)} chats", end="\r", flush=True)
        print()
    finally:
        await db.dispose()


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    for _ in range(3):  # warm up the caches and the statement cache
        await call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
    }


async def measure(url: str, runs: int, now: datetime) -> list[tuple[str, str, dict[str, float]]]:
    import httpx
    import time_machine

    from hashchat.app import create_app
    from hashchat.config import get_settings
    from hashchat.directory import listing, search
    from hashchat.storage.engine import Database

    os.environ.update(
        HASHCHAT_DATABASE_URL=url, HASHCHAT_JOBS="false", HASHCHAT_RATE_LIMITS="false"
    )
    get_settings.cache_clear()
    db = Database(url)
    results: list[tuple[str, str, dict[str, float]]] = []
    london = "Europe/London"
    searches = {
        "text + topic + day and time": {"q": "chat", "topic": "writing", "days": "tue,wed,thu", "time": "evening"},
        "text only (a common word)": {"q": "weekly"},
        "topic + language + day and time": {"topic": "python", "language": "en", "days": "sat,sun", "from": "09:00", "to": "13:00"},
        "day and time only": {"days": "wed", "time": "evening"},
        "starting within 3 hours": {"within_hours": "3"},
    }  # fmt: skip
    with time_machine.travel(now, tick=True):
        async with db.read() as session:
            for name, params in searches.items():
                filters = search.parse_filters(params, zone=london)

                async def run_search(filters: search.Filters = filters) -> Any:
                    found = await search.search_chats(session, filters, now=now)
                    await listing.render_chats(
                        session, found.chats, viewer=None, zone=london, now=now, live=found.live_ids
                    )
                    return found

                results.append(("search", name, await timed(runs, run_search)))
                total = (await search.search_chats(session, filters, now=now)).total
                results[-1][2]["found"] = float(total)
            a_year_on = (now + timedelta(days=365)).date()
            for name, params, limit, start in [
                ("the week ahead (first 200, as the page shows)", {}, 200, None),
                ("the week ahead, filtered by topic", {"topic": "gardening"}, 200, None),
                ("the week ahead, up to 1,000", {}, 1000, None),
                # past the stored occurrences: expanded from every chat's schedule
                ("a week a year ahead (first 200)", {}, 200, a_year_on),
                ("a week a year ahead, filtered by topic", {"topic": "gardening"}, 200, a_year_on),
            ]:
                filters = search.parse_filters(params, zone=london)

                async def run_agenda(
                    filters: search.Filters = filters, limit: int = limit, start: Any = start
                ) -> Any:
                    return await search.agenda(session, filters, start=start, now=now, limit=limit)

                results.append(("agenda", name, await timed(runs, run_agenda)))
                results[-1][2]["found"] = float((await run_agenda()).total)
        app = create_app()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for name, path in [
                    ("GET /api/v1/chats (text + topic + day and time)", "/api/v1/chats?q=chat&topic=writing&days=tue,wed,thu&time=evening&tz=Europe/London"),
                    ("GET /api/v1/chats/agenda (the week ahead)", "/api/v1/chats/agenda?tz=Europe/London"),
                    ("GET /chats (the directory page)", "/chats?tz=Europe/London"),
                    ("GET /chats/agenda (the week as a picture)", "/chats/agenda?tz=Europe/London"),
                ]:  # fmt: skip

                    async def run_http(path: str = path) -> Any:
                        response = await client.get(path)
                        assert response.status_code == 200, response.text[:300]
                        return response

                    results.append(("answer", name, await timed(runs, run_http)))
    await db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database", type=Path, default=None)
    args = parser.parse_args()
    from hashchat.storage.migrate import upgrade

    path = args.database or Path(tempfile.gettempdir()) / f"hashchat-directory-{args.chats}.db"
    url = f"sqlite+aiosqlite:///{path}"
    # The directory as of a Monday in March 2026, before Europe changes its clocks and after
    # America has: the agenda and the day/time filters cross both kinds of week.
    now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    if not path.exists():
        print(f"making {args.chats} chats in {path} ...")
        upgrade(url)
        started = time.perf_counter()
        asyncio.run(build(url, args.chats, now))
        print(f"  made in {time.perf_counter() - started:.0f} s")
    from benchmarks.harness import machine

    results = asyncio.run(measure(url, args.runs, now))
    print(f"\n{args.chats:,} chats, SQLite, {args.runs} runs each; {machine()}\n")
    print("| what | p50 | p95 | max | found |")
    print("| --- | --- | --- | --- | --- |")
    for kind, name, figures in results:
        found = f"{int(figures['found']):,}" if "found" in figures else ""
        print(
            f"| {kind}: {name} | {figures['p50']:.1f} ms | {figures['p95']:.1f} ms "
            f"| {figures['max']:.1f} ms | {found} |"
        )


if __name__ == "__main__":
    main()
