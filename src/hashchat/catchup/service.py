"""What a person missed: the sessions of the chats they follow that ended since they last
looked (or in the last ``DEFAULT_DAYS`` days, before they first mark it read).

For each session: its questions with their best answers (most liked and reposted first), its
most reposted posts, the people who took part whom the reader does not follow yet (with whom
they talked, ranked below), and the links people shared. A fixed number of queries for the whole
page, whatever the number of sessions.

Suggestions are ranked by, in order: how many people the reader already follows they talked
with (a reply either way), how many people they talked with at all, how many posts they wrote,
how many likes those got, then handle. The reader, and people they follow, are never suggested.

Deleted posts, and posts the chat's moderators hid, count nowhere: not as answers, not as
links, not towards a suggestion.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from markupsafe import Markup
from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import urls
from hashchat.accounts.models import Account, Follow
from hashchat.catchup.models import CatchupMark
from hashchat.directory import links
from hashchat.directory.follows import account_for_secret
from hashchat.directory.models import Chat, ChatFollow
from hashchat.hosting.models import ChatSession, Question, SessionPost
from hashchat.hosting.visibility import shown_in
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


@dataclass
class _Tally:
    """What one pass over the sessions' live posts collects, per session."""

    # (session, question number) -> [(-(likes + reposts), post id)], one per answer
    answers: dict[tuple[int, int], list[tuple[int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # session -> [(-reposts, -likes, post id)], for posts reposted at least once
    reposted: dict[int, list[tuple[int, int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # session -> author -> [posts, likes]
    authors: dict[int, dict[int, list[int]]] = field(default_factory=lambda: defaultdict(dict))
    # session -> person -> the people they replied to or were replied to by
    talked: dict[int, dict[int, set[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    # session -> [(post id, text)] for posts that carry a link
    linked: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))


async def _tally(session: AsyncSession, ids: list[int]) -> _Tally:
    """One query and one pass over the sessions' live posts feeds every part of the digest:
    each post is read once, not once per part. Core execution, not the ORM's: plain tuples,
    without its per-row loading work."""
    connection = await session.connection()
    result = await connection.execute(
        select(
            SessionPost.session_id,
            SessionPost.kind,
            SessionPost.number,
            Post.id,
            Post.account_id,
            Post.in_reply_to_account_id,
            Post.favourites_count,
            Post.reblogs_count,
            case((Post.content_html.like('%class="url"%'), Post.text), else_=None),
        )
        .join(Post, Post.id == SessionPost.post_id)
        .join(ChatSession, ChatSession.id == SessionPost.session_id)
        .where(
            SessionPost.session_id.in_(ids),
            Post.deleted_at.is_(None),
            # What the chat's moderation hides stays out, as in the transcript.
            shown_in(ChatSession.chat_id),
        )
    )
    tally = _Tally()
    for sid, kind, number, post_id, who, to, likes, reposts, text in result:
        if kind == "answer" and number is not None:
            tally.answers[(sid, number)].append((-(likes + reposts), post_id))
        if reposts > 0:
            tally.reposted[sid].append((-reposts, -likes, post_id))
        counts = tally.authors[sid].get(who)
        if counts is None:
            tally.authors[sid][who] = [1, likes]
        else:
            counts[0] += 1
            counts[1] += likes
        if to is not None and to != who:
            tally.talked[sid][who].add(to)
            tally.talked[sid][to].add(who)
        if text is not None:
            tally.linked[sid].append((post_id, text))
    return tally


async def _fill(session: AsyncSession, reader: Account, digests: dict[int, SessionDigest]) -> None:
    ids = list(digests)
    tally = await _tally(session, ids)
    # Best answers: each question's answers, most liked and reposted first.
    best = {key: heapq.nsmallest(BEST_ANSWERS, group) for key, group in tally.answers.items()}
    most = {
        sid: [post_id for *_, post_id in heapq.nsmallest(MOST_REPOSTED, group)]
        for sid, group in tally.reposted.items()
    }
    asked = list(
        await session.execute(
            select(Question.session_id, Question.number, Question.text, Question.post_id)
            .where(Question.session_id.in_(ids), Question.state == "posted")
            .order_by(Question.session_id, Question.number)
        )
    )
    wanted = {post_id for group in best.values() for _, post_id in group}
    wanted |= {post_id for group in most.values() for post_id in group}
    wanted |= {q.post_id for q in asked if q.post_id is not None}
    briefs = await _briefs(session, wanted)

    for sid, number, text, post_id in asked:
        question_post = briefs.get(post_id) if post_id is not None else None
        digests[sid].questions.append(
            QuestionDigest(
                number=number,
                text=text,
                url=question_post.url if question_post else None,
                answers_count=len(tally.answers.get((sid, number), ())),
                best=[briefs[p] for _, p in best.get((sid, number), ()) if p in briefs],
            )
        )
    for sid, group in most.items():
        digests[sid].most_reposted = [briefs[p] for p in group if p in briefs]
    for sid, people in tally.authors.items():
        digests[sid].posts = sum(posts for posts, _ in people.values())
        digests[sid].participants = len(people)

    await _suggest(session, reader, digests, tally)
    _links(digests, tally)


async def _briefs(session: AsyncSession, ids: set[int]) -> dict[int, PostBrief]:
    if not ids:
        return {}
    rows = await session.execute(
        select(
            Post.id, Post.content_html, Post.favourites_count, Post.reblogs_count,
            Post.created_at, Account.handle, Account.display_name,
        )
        .join(Account, Account.id == Post.account_id)
        .where(Post.id.in_(ids), Post.deleted_at.is_(None))
    )  # fmt: skip
    return {
        post_id: PostBrief(
            id=post_id,
            url=urls.post(handle, post_id),
            handle=handle,
            name=display or handle,
            content=Markup(html),  # noqa: S704 -- rendered and escaped when written
            likes=likes,
            reposts=reposts,
            created_at=created_at,
        )
        for post_id, html, likes, reposts, created_at, handle, display in rows
    }


async def _suggest(
    session: AsyncSession, reader: Account, digests: dict[int, SessionDigest], tally: _Tally
) -> None:
    follows = set(
        await session.scalars(select(Follow.followee_id).where(Follow.follower_id == reader.id))
    )
    nobody: set[int] = set()
    # Rank on counts first. Handles only break ties, so they are read only for the people who
    # tie with or beat the last one shown: a handful, not every author of every session.
    ranked: dict[int, list[tuple[tuple[int, int, int, int], int, set[int]]]] = {}
    for sid, people in tally.authors.items():
        talked = tally.talked[sid]
        keyed = []
        for who, (posts, likes) in people.items():
            if who == reader.id or who in follows:
                continue
            partners = talked.get(who, nobody) - {reader.id}
            keyed.append(
                ((-len(partners & follows), -len(partners), -posts, -likes), who, partners)
            )
        keyed.sort(key=lambda k: k[0])
        if len(keyed) > SUGGESTIONS:
            last = keyed[SUGGESTIONS - 1][0]
            keyed = [k for k in keyed if k[0] <= last]
        ranked[sid] = keyed
    wanted = {who for keyed in ranked.values() for _, who, _ in keyed}
    wanted |= {p for keyed in ranked.values() for *_, partners in keyed for p in partners}
    names: dict[int, tuple[str, str]] = {}
    for chunk in range(0, len(wanted), 5_000):
        part = sorted(wanted)[chunk : chunk + 5_000]
        for account_id, handle, display in await session.execute(
            select(Account.id, Account.handle, Account.display_name).where(Account.id.in_(part))
        ):
            names[account_id] = (handle, display or handle)
    for sid, keyed in ranked.items():
        people = tally.authors[sid]
        picks = sorted(
            (k for k in keyed if k[1] in names), key=lambda k: (k[0], names[k[1]][0].lower())
        )[:SUGGESTIONS]
        for _, who, partners in picks:
            known = sorted((names[p][0] for p in partners if p in follows and p in names),
                           key=str.lower)  # fmt: skip
            others = sorted(
                (names[p][0] for p in partners if p not in follows and p in names),
                key=str.lower,
            )
            handle, name = names[who]
            digests[sid].suggestions.append(
                Suggestion(
                    account_id=who,
                    handle=handle,
                    name=name,
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


def _links(digests: dict[int, SessionDigest], tally: _Tally) -> None:
    """Links shared in the sessions' posts, most shared first (one count per post)."""
    for sid, posts in tally.linked.items():
        counts: Counter[str] = Counter()
        for _, text in sorted(posts):
            counts.update({href for u in extract_urls(text) if (href := url_href(u))})
        digests[sid].links = [SharedLink(u, n) for u, n in counts.most_common(LINKS)]


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
    """The owner of a catch-up feed token (see :func:`follows.account_for_secret`)."""
    return await account_for_secret(
        session, token, CatchupMark.account_id, CatchupMark.feed_token_hash,
        "there is no catch-up feed at this address: the link is mistyped or was replaced by a "
        "new one (get the current link on your catch-up page)",
        field="token",
    )  # fmt: skip
