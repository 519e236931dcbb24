"""Demo hosting: #writechat's last three sessions as they happened (a script of questions asked
by the host, answers threaded under them, a poll, a Q&A board), and its next session with a
script waiting and its question box open. Idempotent: it adds nothing a second time.

Past sessions cannot be lived through again, so their posts are written now and dated back into
the session, and their rows (questions, answers, poll, board) are written as the services would
have left them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatOccurrence
from hashchat.hosting.models import (
    BoardItem,
    BoardVote,
    ChatSession,
    Poll,
    PollOption,
    PollVote,
    Question,
    SessionPost,
)
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.engine import Database

CHAT = "writechat"
SESSIONS = [
    (
        "Revision",
        [
            "What is the first thing you look at when you revise?",
            "How do you know a draft is finished?",
            "Who reads your drafts before anyone else?",
        ],
        ("Which do you revise first?", ["Plot", "Characters", "Sentences"]),
    ),
    (
        "Writing routines",
        [
            "When in the day do you write best?",
            "What do you do when the words will not come?",
            "Share one habit that helps you finish.",
        ],
        ("How long is your usual writing session?", ["Under 30 min", "About an hour", "Longer"]),
    ),
    (
        "Openings",
        [
            "What makes you keep reading after the first line?",
            "Share the first line of your current project.",
            "Prologues: yes or no?",
        ],
        ("Prologues?", ["Love them", "Skip them", "Depends on the book"]),
    ),
]
ANSWERS = [
    "A{n}: {word}, always {word}.",
    "A{n} honestly? I start with {word} and hope for the best",
    "A{n}: a friend who is kinder than I am, and {word}",
    "A{n} - {word}. Then coffee.",
    "A{n}: reading it aloud. My ear catches what my eye skips.",
]
WORDS = ["the ending", "the voice", "the first page", "structure", "dialogue", "the middle"]
BOARD = [
    ("lena", "How do you handle feedback you disagree with?", "approved", 7, False),
    ("joel", "Any tips for writing while working full time?", "approved", 5, True),
    ("priya", "Is it ok to write the ending first?", "approved", 3, False),
    ("kai", "How do you handle feedback you disagree with??", "merged", 0, False),
    ("olivia", "Buy my course at spam.example", "rejected", 0, False),
    ("demo", "What is your favourite craft book?", "pending", 0, False),
]
NEXT_SCRIPT = [
    ("Welcome! What are you working on this week?", 2),
    ("What is the hardest part of your draft right now?", 15),
    ("What will you do in the next seven days for your writing?", 40),
]


async def seed_hosting(db: Database, people: dict[str, Account], *, now: datetime) -> int:
    """Add the demo's hosted sessions; returns how many sessions it filled in."""
    async with db.read() as session:
        chat = await session.scalar(select(Chat).where(Chat.tag_key == CHAT))
        if chat is None:
            return 0
        done = await session.scalar(
            select(Question.id)
            .join(ChatSession, ChatSession.id == Question.session_id)
            .where(ChatSession.chat_id == chat.id)
            .limit(1)
        )
        if done is not None:
            return 0
        past = list(
            await session.scalars(
                select(ChatOccurrence)
                .where(ChatOccurrence.chat_id == chat.id, ChatOccurrence.ends_at < now)
                .order_by(ChatOccurrence.starts_at.desc())
                .limit(len(SESSIONS))
            )
        )
    rng = random.Random(CHAT)
    filled = 0
    for occurrence, (topic, asked, poll) in zip(reversed(past), SESSIONS, strict=False):
        await _past_session(db, people, chat, occurrence, topic, asked, poll, rng)
        filled += 1
    filled += await _next_session(db, people, chat, now=now)
    return filled


async def _dated(db: Database, author: Account, text: str, at: datetime, reply: int | None) -> int:
    post = await posts.create_post(db=db, author=author, text=text, in_reply_to_id=reply)
    async with db.write() as session:
        await session.execute(update(Post).where(Post.id == post.id).values(created_at=at))
    return post.id


async def _past_session(
    db: Database,
    people: dict[str, Account],
    chat: Chat,
    occurrence: ChatOccurrence,
    topic: str,
    asked: list[str],
    poll: tuple[str, list[str]],
    rng: random.Random,
) -> None:
    host = people["maya"]
    start = occurrence.starts_at
    async with db.write() as session:
        chat_session = await session.scalar(
            select(ChatSession).where(
                ChatSession.chat_id == chat.id, ChatSession.local_date == occurrence.local_date
            )
        )
        if chat_session is None:
            chat_session = ChatSession(chat_id=chat.id, local_date=occurrence.local_date)
            session.add(chat_session)
        chat_session.starts_at, chat_session.ends_at = start, occurrence.ends_at
        chat_session.state, chat_session.started_at = "ended", start
        chat_session.ended_at, chat_session.topic = occurrence.ends_at, topic
        await session.flush()
        session_id = chat_session.id
    rows: list[SessionPost] = []
    questions: list[Question] = []
    hello = await _dated(db, host, f"Welcome to #{CHAT}! Tonight: {topic.lower()}.", start, None)
    rows.append(SessionPost(post_id=hello, session_id=session_id, kind="chat"))
    others = [p for h, p in people.items() if h not in ("maya",)]
    for n, text in enumerate(asked, start=1):
        offset = 5 + (n - 1) * 17
        at = start + timedelta(minutes=offset)
        q_post = await _dated(db, host, f"Q{n}: {text} #{CHAT}", at, None)
        questions.append(
            Question(session_id=session_id, number=n, text=text, offset_minutes=offset,
                     due_at=at, state="posted", source="script", author_id=host.id,
                     post_id=q_post, posted_at=at)
        )  # fmt: skip
        rows.append(SessionPost(post_id=q_post, session_id=session_id, kind="question", number=n))
        for person in rng.sample(others, 4):
            line = rng.choice(ANSWERS).format(n=n, word=rng.choice(WORDS))
            reply = q_post if rng.random() < 0.5 else None
            answer = await _dated(
                db, person, f"{line} #{CHAT}", at + timedelta(minutes=rng.randrange(1, 12)), reply
            )
            rows.append(SessionPost(post_id=answer, session_id=session_id, kind="answer", number=n))
            if rng.random() < 0.5:
                await posts.favourite(db=db, account=host, post_id=answer)
    question, options = poll
    poll_at = start + timedelta(minutes=50)
    poll_post = await _dated(db, host, f"Poll: {question} #{CHAT}", poll_at, None)
    rows.append(SessionPost(post_id=poll_post, session_id=session_id, kind="chat"))
    tallies = [rng.randrange(1, 6) for _ in options]
    async with db.write() as session:
        session.add_all(rows)
        session.add_all(questions)
        closes = poll_at + timedelta(minutes=10)
        made = Poll(post_id=poll_post, session_id=session_id, expires_at=closes, multiple=False,
                    votes_count=0, voters_count=0, created_at=poll_at)  # fmt: skip
        session.add(made)
        await session.flush()
        voters = iter(others)
        for position, (title, wanted) in enumerate(zip(options, tallies, strict=True)):
            chosen = [v for _, v in zip(range(wanted), voters, strict=False)]
            session.add(
                PollOption(poll_id=made.id, position=position, title=title, votes_count=len(chosen))
            )
            session.add_all(
                PollVote(poll_id=made.id, account_id=v.id, position=position) for v in chosen
            )
            made.votes_count += len(chosen)
            made.voters_count += len(chosen)


async def _next_session(
    db: Database, people: dict[str, Account], chat: Chat, *, now: datetime
) -> int:
    """The next session: a script waiting, and its question box open with a few questions."""
    host = people["maya"]
    async with db.write() as session:
        upcoming = await session.scalar(
            select(ChatSession)
            .where(
                ChatSession.chat_id == chat.id,
                ChatSession.state == "scheduled",
                ChatSession.starts_at > now,
            )
            .order_by(ChatSession.starts_at)
            .limit(1)
        )
        if upcoming is None:
            return 0
        upcoming.topic = "Finishing what you start"
        upcoming.box_opens_at = now - timedelta(days=2)
        upcoming.box_closes_at = upcoming.starts_at
        for n, (text, offset) in enumerate(NEXT_SCRIPT, start=1):
            session.add(
                Question(session_id=upcoming.id, number=n, text=text, offset_minutes=offset,
                         due_at=upcoming.starts_at + timedelta(minutes=offset), state="scheduled",
                         source="script", author_id=host.id)
            )  # fmt: skip
        items: dict[str, BoardItem] = {}
        for i, (handle, text, state, votes, anonymous) in enumerate(BOARD):
            item = BoardItem(
                session_id=upcoming.id, account_id=people[handle].id, text=text,
                anonymous=anonymous, state=state, votes_count=0,
                created_at=now - timedelta(hours=40 - i * 5),
                decided_at=now - timedelta(hours=20) if state != "pending" else None,
                decided_by_id=host.id if state != "pending" else None,
            )  # fmt: skip
            session.add(item)
            await session.flush()
            items[text] = item
            voters = [p for h, p in people.items() if h != handle][:votes]
            for voter in voters:
                session.add(BoardVote(item_id=item.id, account_id=voter.id))
            item.votes_count = len(voters)
        merged = items["How do you handle feedback you disagree with??"]
        merged.merged_into_id = items["How do you handle feedback you disagree with?"].id
    return 1
