"""What a person missed: the sessions of the chats they follow that ended since they last
looked (or in the last ``DEFAULT_DAYS`` days, before they first mark it read).

For each session: its questions with their best answers (most liked and reposted first), its
most reposted posts, the people who took part whom the reader does not follow yet (with whom
they talked, ranked below), and the links people shared. A fixed number of queries for the whole
page, whatever the number of sessions.

Suggestions are ranked by, in order: how many people the reader already follows they talked
with (a reply either way), how many people they talked with at all, how many posts they wrote,
how many likes those got, then handle. The reader, and people they follow, are never suggested.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from markupsafe import Markup
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from hashchat import urls
from hashchat.accounts.models import Account, Follow
from hashchat.catchup.models import CatchupMark
from hashchat.directory import links
from hashchat.directory.follows import TOKEN_RE
from hashchat.directory.models import Chat, ChatFollow
from hashchat.errors import NotFound
from hashchat.hosting.models import ChatSession, Question, SessionPost
from hashchat.posts.models import Post
from hashchat.security import digest, new_token
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.text import extract_urls, url_href

DEFAULT_DAYS = 30
MAX_SESSIONS = 20
BEST_ANSWERS = 3
MOST_REPOSTED = 3
SUGGESTIONS = 5
LINKS = 10


@dataclass
class PostBrief:
    id: int
    url: str
    handle: str
    name: str
    content: Markup
    likes: int
    reposts: int
    created_at: datetime


@dataclass
class QuestionDigest:
    number: int
    text: str
    url: str | None
    answers_count: int
    best: list[PostBrief] = field(default_factory=list)


@dataclass
class Suggestion:
    account_id: int
    handle: str
    name: str
    posts: int
    likes: int
    talked_with: list[str]  # handles, people the reader follows first
    followed_talked_with: list[str]  # of those, the ones the reader follows

    @property
    def url(self) -> str:
        return urls.profile(self.handle)


@dataclass
class SharedLink:
    url: str
    posts: int  # how many posts shared it


@dataclass
class SessionDigest:
    session_id: int
    hashtag: str
    title: str
    topic: str
    local_date: str
    starts_at: datetime
    ends_at: datetime
    posts: int = 0
    participants: int = 0
    questions: list[QuestionDigest] = field(default_factory=list)
    most_reposted: list[PostBrief] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    links: list[SharedLink] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{links.chat_path(self.hashtag)}/sessions/{self.session_id}"


@dataclass
class Catchup:
    since: datetime
    marked: bool  # False: never marked read, ``since`` is the default window
    chats: int  # how many chats the person follows
    sessions: list[SessionDigest]


async def last_seen(session: AsyncSession, account_id: int) -> datetime | None:
    mark = await session.get(CatchupMark, account_id)
    return mark.seen_at if mark else None


async def catch_up(
    session: AsyncSession, account: Account, *, now: datetime | None = None,
    since: datetime | None = None,
) -> Catchup:  # fmt: skip
    """What ``account`` missed since ``since`` (default: since they last marked it read, or
    the last ``DEFAULT_DAYS`` days), newest session first, at most ``MAX_SESSIONS``."""
    now = now or utcnow()
    seen = await last_seen(session, account.id)
    start = since or seen or now - timedelta(days=DEFAULT_DAYS)
    chat_ids = list(
        await session.scalars(
            select(ChatFollow.chat_id)
            .join(Chat, Chat.id == ChatFollow.chat_id)
            .where(ChatFollow.account_id == account.id, Chat.review == "approved")
        )
    )
    rows = await session.execute(
        select(ChatSession, Chat)
        .join(Chat, Chat.id == ChatSession.chat_id)
        .where(
            ChatSession.chat_id.in_(chat_ids),
            ChatSession.state == "ended",
            ChatSession.ends_at > start,
            ChatSession.ends_at <= now,
        )
        .order_by(ChatSession.ends_at.desc())
        .limit(MAX_SESSIONS)
    )
    digests = {
        s.id: SessionDigest(
            session_id=s.id,
            hashtag=c.hashtag,
            title=c.title,
            topic=s.topic,
            local_date=s.local_date.isoformat(),
            starts_at=s.starts_at,
            ends_at=s.ends_at,
        )
        for s, c in rows
    }
    result = Catchup(start, seen is not None, len(chat_ids), list(digests.values()))
    if digests:
        await _fill(session, account, digests)
    return result


async def _fill(session: AsyncSession, reader: Account, digests: dict[int, SessionDigest]) -> None:
    ids = list(digests)
    live = and_(SessionPost.session_id.in_(ids), Post.deleted_at.is_(None))
    # Best answers: a window over each question's answers, most liked and reposted first.
    score = Post.favourites_count + Post.reblogs_count
    ranked = (
        select(
            SessionPost.session_id,
            SessionPost.number,
            Post.id.label("post_id"),
            func.row_number()
            .over(
                partition_by=(SessionPost.session_id, SessionPost.number),
                order_by=(score.desc(), Post.id),
            )
            .label("rank"),
            func.count()
            .over(partition_by=(SessionPost.session_id, SessionPost.number))
            .label("answers"),
        )
        .join(Post, Post.id == SessionPost.post_id)
        .where(live, SessionPost.kind == "answer")
        .subquery()
    )
    best = list(
        await session.execute(
            select(ranked.c.session_id, ranked.c.number, ranked.c.post_id, ranked.c.answers)
            .where(ranked.c.rank <= BEST_ANSWERS)
            .order_by(ranked.c.session_id, ranked.c.number, ranked.c.rank)
        )
    )
    reposted_rank = (
        select(
            SessionPost.session_id,
            Post.id.label("post_id"),
            func.row_number()
            .over(
                partition_by=SessionPost.session_id,
                order_by=(Post.reblogs_count.desc(), Post.favourites_count.desc(), Post.id),
            )
            .label("rank"),
        )
        .join(Post, Post.id == SessionPost.post_id)
        .where(live, Post.reblogs_count > 0)
        .subquery()
    )
    reposted = list(
        await session.execute(
            select(reposted_rank.c.session_id, reposted_rank.c.post_id)
            .where(reposted_rank.c.rank <= MOST_REPOSTED)
            .order_by(reposted_rank.c.session_id, reposted_rank.c.rank)
        )
    )
    asked = list(
        await session.scalars(
            select(Question)
            .where(Question.session_id.in_(ids), Question.state == "posted")
            .order_by(Question.session_id, Question.number)
        )
    )
    wanted = {r.post_id for r in best} | {r.post_id for r in reposted}
    wanted |= {q.post_id for q in asked if q.post_id is not None}
    briefs = await _briefs(session, wanted)

    answers_count: dict[tuple[int, int], int] = {}
    best_of: dict[tuple[int, int], list[PostBrief]] = defaultdict(list)
    for session_id, number, post_id, count in best:
        answers_count[(session_id, number)] = count
        if post_id in briefs:
            best_of[(session_id, number)].append(briefs[post_id])
    for q in asked:
        question_post = briefs.get(q.post_id) if q.post_id is not None else None
        digests[q.session_id].questions.append(
            QuestionDigest(
                number=q.number,
                text=q.text,
                url=question_post.url if question_post else None,
                answers_count=answers_count.get((q.session_id, q.number), 0),
                best=best_of[(q.session_id, q.number)],
            )
        )
    for session_id, post_id in reposted:
        if post_id in briefs:
            digests[session_id].most_reposted.append(briefs[post_id])

    await _suggest(session, reader, digests, live)
    await _links(session, digests, live)


async def _briefs(session: AsyncSession, ids: set[int]) -> dict[int, PostBrief]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Post, Account.handle, Account.display_name)
        .join(Account, Account.id == Post.account_id)
        .where(Post.id.in_(ids), Post.deleted_at.is_(None))
    )
    return {
        post.id: PostBrief(
            id=post.id,
            url=urls.post(handle, post.id),
            handle=handle,
            name=display or handle,
            content=Markup(post.content_html),  # noqa: S704 -- rendered and escaped when written
            likes=post.favourites_count,
            reposts=post.reblogs_count,
            created_at=post.created_at,
        )
        for post, handle, display in rows
    }


async def _suggest(
    session: AsyncSession,
    reader: Account,
    digests: dict[int, SessionDigest],
    live: ColumnElement[bool],
) -> None:
    follows = set(
        await session.scalars(select(Follow.followee_id).where(Follow.follower_id == reader.id))
    )
    authors: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)  # session -> who -> n
    for session_id, account_id, posts, likes in await session.execute(
        select(
            SessionPost.session_id,
            Post.account_id,
            func.count(),
            func.coalesce(func.sum(Post.favourites_count), 0),
        )
        .join(Post, Post.id == SessionPost.post_id)
        .where(live)
        .group_by(SessionPost.session_id, Post.account_id)
    ):
        authors[session_id][account_id] = (posts, int(likes))
        digests[session_id].posts += posts
        digests[session_id].participants += 1
    talked: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for session_id, a, b in await session.execute(
        select(SessionPost.session_id, Post.account_id, Post.in_reply_to_account_id)
        .join(Post, Post.id == SessionPost.post_id)
        .where(
            live,
            Post.in_reply_to_account_id.is_not(None),
            Post.in_reply_to_account_id != Post.account_id,
        )
        .distinct()
    ):
        if b is None:
            continue
        talked[session_id][a].add(b)
        talked[session_id][b].add(a)
    # Rank on ids and counts first; build the few suggestions shown, with names, after.
    handles: dict[int, str] = {}
    everyone = sorted({who for people in authors.values() for who in people})
    for chunk in range(0, len(everyone), 5_000):
        part = everyone[chunk : chunk + 5_000]
        for account_id, handle in await session.execute(
            select(Account.id, Account.handle).where(Account.id.in_(part))
        ):
            handles[account_id] = handle
    chosen: dict[int, list[tuple[int, set[int]]]] = {}
    for session_id, people in authors.items():
        keyed = []
        for who, (posts, likes) in people.items():
            if who == reader.id or who in follows or who not in handles:
                continue
            partners = talked[session_id].get(who, set()) - {reader.id}
            known_count = len(partners & follows)
            key = (-known_count, -len(partners), -posts, -likes, handles[who].lower())
            keyed.append((key, who, partners))
        keyed.sort(key=lambda k: k[0])
        chosen[session_id] = [(who, partners) for _, who, partners in keyed[:SUGGESTIONS]]
    wanted = {who for picks in chosen.values() for who, partners in picks} | {
        p for picks in chosen.values() for _, partners in picks for p in partners
    }
    names = {
        a.id: a for a in await session.scalars(select(Account).where(Account.id.in_(wanted)))
    } if wanted else {}  # fmt: skip
    for session_id, picks in chosen.items():
        people = authors[session_id]
        for who, partners in picks:
            known = sorted((names[p].handle for p in partners if p in follows and p in names),
                           key=str.lower)  # fmt: skip
            others = sorted(
                (names[p].handle for p in partners if p not in follows and p in names),
                key=str.lower,
            )
            account = names[who]
            digests[session_id].suggestions.append(
                Suggestion(
                    account_id=who,
                    handle=account.handle,
                    name=account.name,
                    posts=people[who][0],
                    likes=people[who][1],
                    talked_with=known + others,
                    followed_talked_with=known,
                )
            )


def suggestion_rank(s: Suggestion) -> tuple[int, int, int, int, str]:
    """Sort key: first whoever talked with most people the reader follows (see the module)."""
    return (-len(s.followed_talked_with), -len(s.talked_with), -s.posts, -s.likes,
            s.handle.lower())  # fmt: skip


async def _links(
    session: AsyncSession, digests: dict[int, SessionDigest], live: ColumnElement[bool]
) -> None:
    """Links shared in the sessions' posts, most shared first (one count per post)."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for session_id, text in await session.execute(
        select(SessionPost.session_id, Post.text)
        .join(Post, Post.id == SessionPost.post_id)
        .where(live, Post.content_html.like('%class="url"%'))
        .order_by(Post.id)
    ):
        found = {href for u in extract_urls(text) if (href := url_href(u))}
        counts[session_id].update(found)
    for session_id, counter in counts.items():
        digests[session_id].links = [SharedLink(u, n) for u, n in counter.most_common(LINKS)]


# -- marking read, and the feed's secret ---------------------------------------------------------


async def mark_seen(*, db: Database, account_id: int, now: datetime | None = None) -> datetime:
    """Everything up to now is read: the next catch-up starts here."""
    now = now or utcnow()
    async with db.write() as session:
        mark = await session.get(CatchupMark, account_id)
        if mark is None:
            session.add(CatchupMark(account_id=account_id, seen_at=now))
        else:
            mark.seen_at = now
    return now


async def new_feed_token(*, db: Database, account_id: int) -> str:
    """A new secret for the person's catch-up feed URL (the old one stops working). Only its
    SHA-256 is kept, so the URL is shown once, when it is made."""
    token = new_token(24)
    async with db.write() as session:
        mark = await session.get(CatchupMark, account_id)
        if mark is None:
            mark = CatchupMark(account_id=account_id)
            session.add(mark)
        mark.feed_token_hash, mark.feed_made_at = digest(token), utcnow()
    return token


async def feed_made(session: AsyncSession, account_id: int) -> datetime | None:
    mark = await session.get(CatchupMark, account_id)
    return mark.feed_made_at if mark else None


async def account_for_feed(session: AsyncSession, token: str) -> Account:
    """The owner of a feed token; NotFound (one message for malformed and unknown tokens
    alike, saying what to do) otherwise."""
    message = (
        "there is no catch-up feed at this address: the link is mistyped or was replaced by a "
        "new one (get the current link on your catch-up page)"
    )
    if not TOKEN_RE.match(token):
        raise NotFound(message, field="token")
    account_id = await session.scalar(
        select(CatchupMark.account_id).where(CatchupMark.feed_token_hash == digest(token))
    )
    account = await session.get(Account, account_id) if account_id else None
    if account is None:
        raise NotFound(message, field="token")
    return account
