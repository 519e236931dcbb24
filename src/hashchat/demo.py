"""Demo content: people, follows and realistic hashtag-chat posts. Idempotent: each piece is
added only if it is not there yet, so ``hashchat demo`` can run at every start."""

from __future__ import annotations

from sqlalchemy import func, select

from hashchat.accounts import service as accounts
from hashchat.accounts.models import Account
from hashchat.config import Settings
from hashchat.posts import service as posts
from hashchat.posts.batch import NewPost
from hashchat.posts.models import Post
from hashchat.storage.engine import Database

DEMO_PASSWORD = "demo-password"  # noqa: S105 - published in the README on purpose

PEOPLE = [
    # handle, display name, time zone, bio
    ("demo", "Demo Person", "Europe/London", "Trying hashchat. Log in with demo / demo-password."),
    ("maya", "Maya Okafor", "America/New_York", "Hosts #writechat every Wednesday. Editor."),
    ("tomas", "Tomás Ruiz", "Europe/Madrid", "Teacher. Regular at #edchat."),
    ("aiko", "Aiko Tanaka", "Asia/Tokyo", "Gardener on a balcony. #gardenchat co-host."),
    ("sam", "Sam Patel", "Europe/London", "Python developer; #pythonchat Thursdays."),
    ("lena", "Lena Fischer", "Europe/Berlin", "Writes short stories, reads long ones."),
    ("joel", "Joel Ndlovu", "Africa/Johannesburg", "Science teacher and tinkerer."),
    ("priya", "Priya Raman", "Asia/Kolkata", "Data engineer. Asks too many questions."),
    ("kai", "Kai Nakamura", "America/Los_Angeles", "Community manager. Ask me about chats."),
    ("olivia", "Olivia Brown", "Australia/Sydney", "Grows tomatoes and opinions."),
]

# (author, text, reply-to index or None); indices refer to earlier entries of the same list.
THREADS: list[list[tuple[str, str, int | None]]] = [
    [
        (
            "maya",
            "Welcome to #writechat! Tonight: revision. Say hi and tell us what you're working on.",
            None,
        ),
        ("lena", "Hi all! Third draft of a short story about a lighthouse keeper. #writechat", 0),
        ("demo", "Hello from London, first time here #writechat", 0),
        ("maya", "Q1: What is the first thing you look at when you revise? #writechat", None),
        ("lena", "A1: The ending. If it doesn't land, nothing before it matters. #writechat", 3),
        ("tomas", "A1 I read it aloud first. My ear finds what my eye skips. #writechat", 3),
        ("demo", "A1: structure: does each scene earn its place? #writechat", 3),
        ("maya", "Q2: How do you know a draft is finished? #writechat", None),
        ("lena", "A2: When I start changing commas back and forth 😅 #writechat", 7),
        ("kai", "A2: A deadline. Honestly. #writechat", 7),
    ],
    [
        ("tomas", "Q1: How do you start a lesson so students lean in? #edchat", None),
        ("joel", "A1: A question they can't answer yet, but want to. #edchat", 0),
        ("priya", "A1 - a tiny puzzle on the board as they walk in #edchat", 0),
        ("tomas", "Q2: What's one tool that changed your classroom this year? #edchat", None),
        ("joel", "A2: Mini whiteboards. Every kid answers, every time. #edchat #scichat", 3),
    ],
    [
        ("aiko", "#gardenchat Q1: What are you growing on a balcony this month?", None),
        ("olivia", "A1: Cherry tomatoes, basil and far too much mint #gardenchat", 0),
        ("demo", "A1 chillies! The first ones just turned red 🌶️ #gardenchat", 0),
        ("aiko", "Q2: Best trick against aphids without chemicals? #gardenchat", None),
        (
            "olivia",
            "A2: Soapy water spray and patience. Ladybirds if you can find them. #gardenchat",
            3,
        ),
    ],
    [
        ("sam", "Q1: Which Python feature do you wish you'd learned earlier? #pythonchat", None),
        ("priya", "A1: dataclasses + typing. My code got so much easier to read. #pythonchat", 0),
        ("kai", "A1: pathlib. No more os.path.join soup. #pythonchat", 0),
        (
            "sam",
            "Q2: Favourite way to test async code? #pythonchat https://docs.python.org/3/library/asyncio.html",
            None,
        ),
        ("priya", "A2: pytest with anyio, and a real database in a temp dir #pythonchat", 3),
    ],
]

FOLLOWS = [
    ("demo", "maya"),
    ("demo", "aiko"),
    ("lena", "maya"),
    ("tomas", "joel"),
    ("priya", "sam"),
    ("kai", "maya"),
    ("olivia", "aiko"),
    ("maya", "lena"),
]
TAG_FOLLOWS = [("demo", "writechat"), ("demo", "gardenchat")]


async def seed(settings: Settings) -> str:
    from hashchat.features import install

    install()
    db = Database(settings.resolved_database_url, sqlite_synchronous="NORMAL")
    try:
        return await _seed(db, settings)
    finally:
        await db.dispose()


async def _seed(db: Database, settings: Settings | None = None) -> str:
    people: dict[str, Account] = {}
    created_people = 0
    for handle, name, zone, bio in PEOPLE:
        async with db.read() as session:
            account = await accounts.get_by_handle(session, handle)
        if account is None:
            account = await accounts.create_account(
                db=db,
                handle=handle,
                password=DEMO_PASSWORD,
                display_name=name,
                time_zone=zone,
                role="admin" if handle == "demo" else "member",
            )
            await accounts.update_profile(db=db, account_id=account.id, bio=bio)
            created_people += 1
        people[handle] = account
    for follower, followee in FOLLOWS:
        await accounts.follow(
            db=db, follower_id=people[follower].id, followee_id=people[followee].id
        )
    for handle, tag in TAG_FOLLOWS:
        await accounts.follow_tag(db=db, account_id=people[handle].id, name=tag)

    async with db.read() as session:
        existing = await session.scalar(select(func.count()).select_from(Post))
    created_posts = 0
    if not existing:
        for thread in THREADS:
            made: list[NewPost] = []
            for author, text, reply_to in thread:
                async with db.read() as session:
                    fresh = await session.get(Account, people[author].id)
                assert fresh is not None
                post = await posts.create_post(
                    db=db,
                    author=fresh,
                    text=text,
                    in_reply_to_id=made[reply_to].id if reply_to is not None else None,
                )
                made.append(post)
                created_posts += 1
            await posts.favourite(db=db, account=people["demo"], post_id=made[0].id)
            await posts.reblog(db=db, account=people["kai"], post_id=made[0].id)
    from hashchat.config import get_settings
    from hashchat.directory.demo import seed_directory

    chats = await seed_directory(db, people, settings=settings or get_settings())
    from hashchat.hosting.demo import seed_hosting
    from hashchat.storage.base import utcnow

    hosted = await seed_hosting(db, people, now=utcnow())
    from hashchat.catchup.demo import seed_catchup

    await seed_catchup(db, people)
    return (
        f"demo: {created_people} people and {created_posts} posts added, {chats} chats listed, "
        f"{hosted} hosted sessions filled in "
        f"(log in as demo / {DEMO_PASSWORD})"
    )
