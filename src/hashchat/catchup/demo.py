"""Demo catch-up: the demo's past #writechat sessions get what a catch-up shows beyond answers
and likes: reposts of the best answers, replies between people, and a shared link. The demo
account follows #writechat and has never marked its catch-up read, so it has these to catch
up on. Idempotent: a session whose posts were reposted already is left alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat
from hashchat.hosting.models import ChatSession, SessionPost
from hashchat.posts import service as posts
from hashchat.posts.models import Post
from hashchat.storage.engine import Database

CHAT = "writechat"
LINKS = [
    "https://example.org/revision-checklist",
    "https://example.org/writing-routines",
    "https://example.org/first-lines",
]


async def seed_catchup(db: Database, people: dict[str, Account]) -> int:
    """Add reposts, replies and a link to each past session of the demo chat; returns how many
    sessions it added to."""
    async with db.read() as session:
        chat = await session.scalar(select(Chat).where(Chat.tag_key == CHAT))
        if chat is None:
            return 0
        past = list(
            await session.scalars(
                select(ChatSession)
                .where(ChatSession.chat_id == chat.id, ChatSession.state == "ended")
                .order_by(ChatSession.starts_at)
            )
        )
    by_id = {a.id: a for a in people.values()}
    added = 0
    for n, chat_session in enumerate(past):
        async with db.read() as session:
            answers = list(
                await session.execute(
                    select(Post.id, Post.account_id, Post.created_at)
                    .join(SessionPost, SessionPost.post_id == Post.id)
                    .where(
                        SessionPost.session_id == chat_session.id,
                        SessionPost.kind == "answer",
                        Post.deleted_at.is_(None),
                    )
                    .order_by(Post.id)
                )
            )
            reposted = await session.scalar(
                select(Post.id)
                .join(SessionPost, SessionPost.post_id == Post.reblog_of_id)
                .where(SessionPost.session_id == chat_session.id)
                .limit(1)
            )
        if reposted is not None or len(answers) < 3:
            continue
        helpers = [p for h, p in people.items() if h not in ("demo", "maya")]
        for i, (post_id, author_id, _at) in enumerate(answers[:2]):
            fans = [p for p in helpers if p.id != author_id][: 3 - i]
            for fan in fans:
                await posts.reblog(db=db, account=fan, post_id=post_id)
        first_id, first_author, first_at = answers[0]
        second_id, second_author, second_at = answers[1]
        talker = next(p for p in helpers if p.id not in (first_author, second_author))
        replies = [
            (talker, first_id, f"So true. This helped me too: {LINKS[n % len(LINKS)]} #{CHAT}",
             first_at),
            (by_id[first_author], second_id, f"Same here! #{CHAT}", second_at),
        ]  # fmt: skip
        for author, parent, text, parent_at in replies:
            reply = await posts.create_post(db=db, author=author, text=text, in_reply_to_id=parent)
            # Written now, dated into the session (a minute after the post it answers).
            async with db.write() as session:
                await session.execute(
                    update(Post)
                    .where(Post.id == reply.id)
                    .values(created_at=parent_at + timedelta(minutes=1))
                )
                await session.execute(
                    update(SessionPost).where(SessionPost.post_id == reply.id).values(late=False)
                )
        added += 1
    return added
