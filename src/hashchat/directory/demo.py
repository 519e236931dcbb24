"""A realistic directory for ``hashchat demo``: three dozen chats on varied topics, hosted from
several time zones, weekly, fortnightly, monthly and one-off; some with a few weeks of history
(posts in their past occurrences, so their activity shows), a few gone quiet (so the "may be
inactive" badge shows), one paused, one retired and one waiting for approval. Idempotent: a
chat whose hashtag is listed already is left alone.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.config import Settings
from hashchat.directory import follows, service
from hashchat.directory.models import Chat
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

# hashtag|topics|language|hosts|zone|weekday, time, repeat (and week)|minutes; then ABOUT
TABLE = """
writechat|writing, fiction, revision|en|maya lena|America/New_York|WE 20:00 weekly|60
edchat|education, teaching|en|tomas joel|America/New_York|TU 19:00 weekly|60
ukedchat|education, teaching, uk|en|tomas|Europe/London|TH 20:00 weekly|60
gardenchat|gardening, plants, nature|en|aiko olivia|Asia/Tokyo|SA 09:00 weekly|60
pythonchat|python, programming|en|sam priya|Europe/London|TH 19:00 fortnightly|60
scichat|science, teaching, education|en|joel|Africa/Johannesburg|MO 18:00 weekly|45
datachat|data, analytics, programming|en|priya|Asia/Kolkata|SA 18:30 fortnightly|60
buchchat|books, reading|de|lena|Europe/Berlin|SU 19:00 monthly 1|90
journchat|journalism, media, writing|en|maya|America/New_York|MO 20:00 weekly|60
blogchat|blogging, writing, media|en|kai|America/Los_Angeles|SU 18:00 weekly|60
hcsm|health, medicine, media|en|olivia|America/Chicago|SU 20:00 weekly|60
mhchat|mental health, wellbeing|en|kai|Europe/London|WE 12:00 weekly|60
astrochat|astronomy, science, nature|en|olivia joel|Australia/Sydney|FR 20:30 monthly 2|60
photochat|photography, art|en|aiko|Asia/Tokyo|SU 21:00 fortnightly|60
corredores|running, fitness, sport|es|tomas|Europe/Madrid|SU 08:00 weekly|45
cookchat|food, cooking|en|olivia|Australia/Sydney|TU 19:00 weekly|60
historychat|history|en|lena|Europe/Berlin|TH 18:00 monthly -1|60
poetrychat|poetry, writing|en|maya|America/New_York|FR 21:00 monthly 3|60
careerchat|careers, jobs|en|kai|America/Los_Angeles|WE 09:00 weekly|45
smallbizchat|small business, entrepreneurs|en|sam|Europe/London|TU 12:30 weekly|45
devopschat|devops, cloud, programming|en|priya|Asia/Kolkata|WE 17:00 fortnightly|60
rustchat|rust, programming|en|sam priya|Europe/London|MO 18:00 monthly 1|60
jschat|javascript, web, programming|en|kai|America/Los_Angeles|TH 10:00 weekly|60
a11ychat|accessibility, web, design|en|lena kai|Europe/Berlin|TU 17:00 fortnightly|60
designchat|design, ux|en|aiko|Asia/Tokyo|WE 20:00 weekly|60
mathchat|mathematics, teaching, education|en|joel|Africa/Johannesburg|TH 19:00 fortnightly|60
langchat|languages, learning|en|tomas|Europe/Madrid|MO 19:30 weekly|60
birdchat|birds, nature|en|olivia|Australia/Sydney|SA 07:00 monthly 2|60
climatechat|climate, science|en|joel|Africa/Johannesburg|FR 13:00 weekly|60
musicchat|music|en|lena|Europe/Berlin|FR 20:00 weekly|60
yogachat|yoga, wellbeing, fitness|en|priya|Asia/Kolkata|SU 07:00 weekly|30
travelchat|travel|en|kai|America/Los_Angeles|TU 17:00 weekly|60
"""
# hashtag: (title, description in Markdown)
ABOUT = {
    "writechat": (
        "Writers' chat: craft, revision and the writing life",
        (
            "Every Wednesday writers of all kinds meet to talk craft. **Q1 at 20:00 sharp**; "
            "answer with A1, A2 …\n\n- Bring a line you are proud of\n- Be kind, be specific"
        ),
    ),
    "edchat": (
        "Education chat",
        (
            "Teachers, school leaders and students on what works in classrooms. Topics are voted "
            "on the week before."
        ),
    ),
    "ukedchat": (
        "UK education chat",
        "Thursday evenings for educators in the UK and anyone curious about its schools.",
    ),
    "gardenchat": (
        "Balcony and small-space gardening",
        (
            "Growing food and flowers where there is hardly room: balconies, windowsills, shared "
            "yards."
        ),
    ),
    "pythonchat": (
        "Python chat",
        (
            "Every other Thursday: a Python topic, a few questions, and links worth reading. "
            "Beginners very welcome."
        ),
    ),
    "scichat": (
        "Science teachers' chat",
        "Practical science lessons that work with little equipment.",
    ),
    "datachat": (
        "Data engineering chat",
        "Pipelines, warehouses, quality checks, and the people who keep them running.",
    ),
    "buchchat": (
        "Lesekreis am Sonntag",
        (
            "Jeden ersten Sonntag im Monat sprechen wir über ein Buch. Die Auswahl steht eine "
            "Woche vorher fest."
        ),
    ),
    "journchat": (
        "Journalists, PR people and bloggers",
        "The long-running Monday chat between journalists and the people who pitch them.",
    ),
    "blogchat": (
        "Blogging chat",
        "Sunday evenings on writing for the web, finding readers and keeping at it.",
    ),
    "hcsm": (
        "Healthcare and social media",
        "Clinicians, patients and communicators on health conversations online.",
    ),
    "mhchat": (
        "Mental health chat",
        (
            "A lunchtime check-in. Not a substitute for professional help; links to support in "
            "every chat."
        ),
    ),
    "astrochat": (
        "Amateur astronomy",
        "The second Friday of the month, what is up in the sky and how to see it from a city.",
    ),
    "photochat": (
        "Photography chat",
        "Share one photo, talk about light and composition.",
    ),
    "corredores": (
        "Charla de corredores",
        "Antes o después de la tirada larga del domingo: entrenamientos, lesiones y carreras.",
    ),
    "cookchat": (
        "Home cooking",
        "Weeknight dinners, batch cooking and what to do with the last of the herbs.",
    ),
    "historychat": (
        "History chat",
        "The last Thursday of the month, one period, one guest historian.",
    ),
    "poetrychat": (
        "Poetry chat",
        "Third Fridays: a prompt, short poems, generous readers.",
    ),
    "careerchat": (
        "Career chat",
        "CVs, interviews, changing fields, and negotiating pay.",
    ),
    "smallbizchat": (
        "Small business chat",
        "Owners of small businesses swap what worked this week.",
    ),
    "devopschat": (
        "DevOps chat",
        "Deployments, incidents and on-call, without the vendor pitches.",
    ),
    "rustchat": (
        "Rust chat",
        "The first Monday of the month, for people learning and using Rust.",
    ),
    "jschat": (
        "JavaScript chat",
        "The web platform, frameworks and the tools around them.",
    ),
    "a11ychat": (
        "Accessibility chat",
        "Making the web work for everyone: one pattern, one tool, one question each time.",
    ),
    "designchat": (
        "Design chat",
        "Product and interface design, critique and process.",
    ),
    "mathchat": (
        "Maths teachers' chat",
        "Problems that make pupils curious, and how to teach them.",
    ),
    "langchat": (
        "Language learners' chat",
        "Learners of any language practise in the open and help each other.",
    ),
    "birdchat": (
        "Birdwatching chat",
        "Second Saturday dawn chat: what you saw, what you heard, how to tell them apart.",
    ),
    "climatechat": (
        "Climate chat",
        "Climate science and local action, with a guest most weeks.",
    ),
    "musicchat": (
        "Music chat",
        "What you are listening to and why; a theme each week.",
    ),
    "yogachat": (
        "Yoga chat",
        "A short Sunday morning chat about practice, not perfection.",
    ),
    "travelchat": (
        "Travel chat",
        "Trips planned and taken, slow travel and travelling light.",
    ),
}


def _chats() -> list[dict[str, object]]:
    """The table as the fields a listing takes."""
    chats: list[dict[str, object]] = []
    for line in TABLE.strip().splitlines():
        hashtag, topics, language, hosts, zone, when, minutes = line.split("|")
        weekday, at, repeat, *nth = when.split()
        title, about = ABOUT[hashtag]
        chats.append(
            {
                "hashtag": hashtag,
                "title": title,
                "topics": topics,
                "language": language,
                "hosts": hosts,
                "time_zone": zone,
                "weekday": weekday,
                "start_time": at,
                "repeat": repeat,
                "nth": nth[0] if nth else None,
                "duration_minutes": int(minutes),
                "description": about,
            }
        )
    return chats


# Chats with a few weeks of history in which people posted: (hashtag, posts per occurrence).
BUSY = {
    "writechat": [14, 11, 16, 9, 13, 18, 12],
    "edchat": [8, 12, 7, 10, 9, 6, 11],
    "gardenchat": [6, 9, 4, 7, 8, 5, 10],
    "pythonchat": [12, 7, 15, 10],
    "scichat": [3, 5, 4, 6, 8, 5, 7],
}
# Chats that went quiet: a few weeks of occurrences and no posts.
QUIET = [
    (
        "knitchat",
        "Knitting chat",
        "knitting, crafts",
        "olivia",
        "Australia/Sydney",
        "WE",
        "19:00",
        "weekly",
    ),
    (
        "podchat",
        "Podcasters' chat",
        "podcasting, media",
        "kai",
        "America/Los_Angeles",
        "MO",
        "18:00",
        "weekly",
    ),
    ("chesschat", "Chess chat", "chess, games", "tomas", "Europe/Madrid", "SU", "17:00", "weekly"),
    ("filmchat", "Film club", "film, art", "lena", "Europe/Berlin", "SA", "21:00", "fortnightly"),
]
HISTORY = timedelta(weeks=8)
LINES = [
    "A{n}: {word} is what keeps me coming back",
    "A{n} honestly? {word}. Every time.",
    "Hello from the other side of the world! First time here",
    "Q{n}: what does {word} look like for you this week?",
    "A{n}: I keep a notebook just for {word}",
    "Love this answer. Stealing it for my {word} list",
    "A{n} - small steps, mostly. And {word}.",
    "Great chat tonight, thank you all. See you next time",
]
WORDS = ["patience", "curiosity", "practice", "a deadline", "coffee", "feedback", "routine", "play"]


def _data(hashtag: str, title: str, topics: str, language: str, hosts: str, zone: str,
          weekday: str, at: str, repeat: str, nth: int | None, minutes: int, about: str,
          starts_on: datetime) -> dict[str, object]:  # fmt: skip
    data: dict[str, object] = {
        "hashtag": hashtag,
        "title": title,
        "topics": topics,
        "language": language,
        "hosts": hosts,
        "time_zone": zone,
        "weekday": weekday,
        "start_time": at,
        "repeat": repeat,
        "duration_minutes": minutes,
        "description": about,
        "starts_on": starts_on.date().isoformat(),
    }
    if nth is not None:
        data["nth"] = nth
    return data


async def seed_directory(
    db: Database, people: dict[str, Account], *, settings: Settings, now: datetime | None = None
) -> int:
    """Add the demo directory; returns how many chats it added."""
    now = now or utcnow()
    since = now - HISTORY
    async with db.read() as session:
        listed = set(await session.scalars(select(Chat.tag_key)))
    admin = people["demo"]
    added = 0
    for data in _chats():
        hashtag = str(data["hashtag"])
        if hashtag in listed:
            continue
        history = hashtag in BUSY
        made_at = since if history else now
        data["starts_on"] = made_at.date().isoformat()
        if data["nth"] is None:
            data.pop("nth")
        await service.create_chat(db=db, actor=admin, data=data, now=made_at)
        added += 1
        if history:
            hosts = str(data["hosts"]).split()
            await _posts(db, people, hashtag, BUSY[hashtag], hosts, now=now)
    for hashtag, title, topics, host, zone, weekday, at, repeat in QUIET:
        if hashtag in listed:
            continue
        data = _data(hashtag, title, topics, "en", host, zone, weekday, at, repeat, None, 60,
                     f"{title}: come and say hello.", starts_on=since)  # fmt: skip
        await service.create_chat(db=db, actor=admin, data=data, now=since)
        added += 1
    sqlite = _data("sqlitechat", "Ask the SQLite developers (one-off)", "databases, programming",
                   "en", "sam", "Europe/London", "", "17:00", "once", None, 90,
                   "A one-off Q&A: bring your questions about WAL, FTS5 and query plans.",
                   starts_on=now + timedelta(days=9))  # fmt: skip
    sqlite.pop("weekday")
    paused = _data("nanowrimochat", "NaNoWriMo sprints", "writing, fiction", "en", "maya",
                   "America/New_York", "SA", "10:00", "weekly", None, 60,
                   "Writing sprints for National Novel Writing Month. Back in November.",
                   starts_on=since)  # fmt: skip
    retired = _data("oldtwitterchat", "The old Twitter chat", "social media", "en", "kai",
                    "America/Los_Angeles", "TH", "18:00", "weekly", None, 60,
                    "Where we used to meet. We moved to #blogchat.", starts_on=since)  # fmt: skip
    for data, status in ((sqlite, None), (paused, "paused"), (retired, "retired")):
        if data["hashtag"] in listed:
            continue
        chat = await service.create_chat(db=db, actor=admin, data=data, now=since)
        if status:
            await service.set_status(db=db, actor=admin, tag=chat.hashtag, status=status, now=now)
        added += 1
    if "boardgamechat" not in listed:
        data = _data("boardgamechat", "Board games night", "games, board games", "en", "kai",
                     "America/Los_Angeles", "FR", "19:00", "weekly", None, 90,
                     "Weekly chat about the games on our tables.", starts_on=now)  # fmt: skip
        # Submitted by a member while listings wait for approval: it shows on /admin/chats.
        await service.create_chat(db=db, actor=people["kai"], data=data, approval_default=True)
        added += 1
    if added:
        await _follow(db, people)
        from hashchat.jobs.reconciler import Reconciler
        from hashchat.jobs.steps import default_steps

        reconciler = Reconciler(db, settings, default_steps())
        while (await reconciler.run_once(now)).moved:  # expand, count posts, flag quiet chats
            pass
    return added


async def _posts(
    db: Database, people: dict[str, Account], hashtag: str, counts: list[int], hosts: list[str],
    *, now: datetime,
) -> None:  # fmt: skip
    """Posts in the chat's past occurrences (written now, then dated back into them)."""
    from hashchat.directory.occurrences import load_schedule

    async with db.read() as session:
        chat = await service.get_chat(session, hashtag)
        schedule = await load_schedule(session, chat)
    past = schedule.occurrences(now - HISTORY, now - timedelta(hours=2))[-len(counts) :]
    rng = random.Random(hashtag)
    handles = list(people)
    for occurrence, count in zip(past, counts, strict=False):
        for i in range(count):
            author = people[hosts[0]] if i % 5 == 0 else people[rng.choice(handles)]
            text = rng.choice(LINES).format(n=1 + i // 4, word=rng.choice(WORDS))
            post = await posts.create_post(db=db, author=author, text=f"{text} #{hashtag}")
            at = occurrence.starts_at + timedelta(minutes=rng.randrange(-5, 55))
            async with db.write() as session:
                await session.execute(update(Post).where(Post.id == post.id).values(created_at=at))


async def _follow(db: Database, people: dict[str, Account]) -> None:
    plan = [
        ("demo", "writechat", 15),
        ("demo", "gardenchat", 60),
        ("demo", "pythonchat", 30),
        ("demo", "astrochat", None),
        ("lena", "writechat", 10),
        ("priya", "pythonchat", 15),
        ("olivia", "gardenchat", 30),
    ]
    for handle, hashtag, minutes in plan:
        await follows.follow_chat(
            db=db, account=people[handle], tag=hashtag, remind_minutes=minutes
        )
