"""A session's figures, computed in SQL from what classify.py recorded as the posts were written.

What counts, so that every number is honest:

- **posts**: the session's own posts (``session_posts``), not reposts, deleted ones left out;
  **replies** are those of them that reply to another post.
- **participants**: distinct people who wrote at least one of those posts. People who only
  reposted are counted apart (**repost-only**), never added to the participants.
- **reposts** and **likes**: of the session's posts (the posts' own counters).
- **first-time / returning**: a participant is returning when they wrote a post in an earlier
  session of the same chat (one that started before this one).
- **reach**: the distinct accounts that follow at least one participant or reposter, each
  counted once however many of them it follows (``reach_sum`` is what adding up the
  followers' counts would claim, shown beside it to make the difference plain).
- **posts per minute**: by wall-clock minute from the session's start (its first minute
  truncated) to the end of its window (end + grace); posts outside it are counted as outside.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, distinct, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account, Follow
from hashchat.directory.models import Chat
from hashchat.directory.service import get_chat, visible_chat
from hashchat.errors import Forbidden, NotFound, Unauthorized
from hashchat.hosting import roles
from hashchat.hosting.models import ChatSession, Question, SessionPost
from hashchat.hosting.sessions import get_session, window_end
from hashchat.hosting.visibility import shown_in
from hashchat.posts.models import Post

TOP_CONTRIBUTORS = 10
DASHBOARD_SESSIONS = 52


@dataclass
class Contributor:
    account_id: int
    handle: str
    name: str
    posts: int
    answers: int
    likes: int  # received on their posts in the session
    reposts: int  # received
    returning: bool = False


@dataclass
class QuestionFigures:
    number: int
    text: str
    answers: int


@dataclass
class NetworkFigures:
    """A session's people, posts and answers from one network ("hashchat": made here)."""

    people: int = 0
    posts: int = 0
    answers: int = 0


@dataclass
class SessionFigures:
    session_id: int
    hashtag: str
    title: str
    topic: str
    local_date: str
    state: str
    starts_at: datetime
    first_minute: datetime  # the start, truncated to its minute: bucket 0 begins here
    posts: int = 0
    replies: int = 0
    questions: int = 0
    answers: int = 0
    late: int = 0
    reposts: int = 0
    likes: int = 0
    participants: int = 0
    repost_only: int = 0
    first_time: int = 0
    returning: int = 0
    reach: int = 0
    reach_sum: int = 0
    per_minute: list[int] = field(default_factory=list)
    outside_window: int = 0
    contributors: list[Contributor] = field(default_factory=list)  # every author, busiest first
    per_question: list[QuestionFigures] = field(default_factory=list)
    by_network: dict[str, NetworkFigures] = field(default_factory=dict)  # bridged posts apart

    @property
    def top_contributors(self) -> list[Contributor]:
        return self.contributors[:TOP_CONTRIBUTORS]

    @property
    def peak_minute(self) -> tuple[int, int] | None:
        """(minute offset, posts) of the busiest minute, or None when nothing was posted."""
        if not self.per_minute or max(self.per_minute) == 0:
            return None
        top = max(self.per_minute)
        return self.per_minute.index(top), top

    def minute_label(self, offset: int, zone: str = "UTC") -> str:
        """The wall-clock minute of bucket ``offset`` in ``zone`` (the viewer's, on pages)."""
        at = (self.first_minute + timedelta(minutes=offset)).astimezone(ZoneInfo(zone))
        return f"{at:%H:%M}"


def _minute_key(value: Any) -> str:
    """The wall-clock minute of a raw ``created_at``: SQLite hands back its stored text
    ("2026-11-25 20:07:13.123456", UTC), PostgreSQL a datetime."""
    if isinstance(value, str):
        return value[:16].replace("T", " ")
    assert isinstance(value, datetime)
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"


async def session_figures(
    session: AsyncSession, chat_session: ChatSession, chat: Chat
) -> SessionFigures:
    """Every figure of one session, in a fixed number of queries whatever its size: the
    session's posts are aggregated per person in SQL, their minutes counted here."""
    start = chat_session.starts_at
    first_minute = start.replace(second=0, microsecond=0)
    end = window_end(chat_session)
    figures = SessionFigures(
        session_id=chat_session.id,
        hashtag=chat.hashtag,
        title=chat.title,
        topic=chat_session.topic,
        local_date=chat_session.local_date.isoformat(),
        state=chat_session.state,
        starts_at=start,
        first_minute=first_minute,
    )
    # What the chat's moderation hides is not counted (hosting/visibility.py), as the
    # transcript does not show it.
    shown = shown_in(chat.id)  # for a post joined on its repost: the post itself is tested
    placed = shown_in(chat.id, post_id=SessionPost.post_id)  # the session's own posts
    live = and_(SessionPost.session_id == chat_session.id, Post.deleted_at.is_(None), placed)
    is_answer = case((SessionPost.kind == "answer", 1), else_=0)
    # Per person in SQL (a few thousand rows back, not one per post); the totals are their sums.
    people: dict[int, tuple[int, int, int, int]] = {}  # posts, answers, likes, reposts
    for (
        who,
        network,
        posts,
        answered,
        likes,
        reposts,
        replies,
        late,
        asked,
    ) in await session.execute(
        select(
            Post.account_id,
            Post.origin,
            func.count(),
            func.sum(is_answer),
            func.sum(Post.favourites_count),
            func.sum(Post.reblogs_count),
            func.count(Post.in_reply_to_id),
            func.sum(case((SessionPost.late, 1), else_=0)),
            func.sum(case((SessionPost.kind == "question", 1), else_=0)),
        )
        .join(Post, Post.id == SessionPost.post_id)
        .where(live)
        .group_by(Post.account_id, Post.origin)
    ):
        # A person posts from one network (a remote account only has its network's posts).
        split = figures.by_network.setdefault(network or "hashchat", NetworkFigures())
        split.people += who not in people
        split.posts += posts
        split.answers += int(answered)
        was = people.get(who, (0, 0, 0, 0))
        people[who] = (
            was[0] + posts,
            was[1] + int(answered),
            was[2] + int(likes),
            was[3] + int(reposts),
        )
        figures.posts += posts
        figures.answers += int(answered)
        figures.likes += int(likes)
        figures.reposts += int(reposts)
        figures.replies += replies
        figures.late += int(late)
        figures.questions += int(asked)
    figures.participants = len(people)
    answers: dict[int, int] = {}
    for number, count in await session.execute(
        select(SessionPost.number, func.count())
        .join(Post, Post.id == SessionPost.post_id)
        .where(live, SessionPost.kind == "answer", SessionPost.number.is_not(None))
        .group_by(SessionPost.number)
    ):
        if number is not None:
            answers[number] = count
    # Minutes: created_at read raw (no conversion per row) and cut to its minute as text.
    minutes = Counter(
        map(
            _minute_key,
            await session.scalars(
                select(type_coerce(Post.created_at, String))
                .join(SessionPost, SessionPost.post_id == Post.id)
                .where(live)
            ),
        )
    )

    span = max(1, -(-int((end - first_minute).total_seconds()) // 60))
    figures.per_minute = [0] * span
    inside = 0
    for key, count in minutes.items():
        at = datetime.fromisoformat(key).replace(tzinfo=UTC)
        offset = int((at - first_minute).total_seconds()) // 60
        if 0 <= offset < span and at < end:
            figures.per_minute[offset] += count
            inside += count
    figures.outside_window = figures.posts - inside

    reposters = dict(
        (
            await session.execute(
                select(Post.account_id, Account.followers_count)
                .join(SessionPost, SessionPost.post_id == Post.reblog_of_id)
                .join(Account, Account.id == Post.account_id)
                .where(SessionPost.session_id == chat_session.id, Post.deleted_at.is_(None), shown)
                .distinct()
            )
        ).all()
    )
    figures.repost_only = len(set(reposters) - set(people))
    # Reach: each follower once, however many of these people they follow (a set, not a sum).
    followers: set[int] = set()
    everyone = sorted(set(people) | set(reposters))
    for chunk in range(0, len(everyone), 5_000):
        followers.update(
            await session.scalars(
                select(Follow.follower_id)
                .where(Follow.followee_id.in_(everyone[chunk : chunk + 5_000]))
                .distinct()
            )
        )
    figures.reach = len(followers)

    earlier = set(
        await session.scalars(
            select(Post.account_id)
            .join(SessionPost, SessionPost.post_id == Post.id)
            .join(ChatSession, ChatSession.id == SessionPost.session_id)
            .where(
                ChatSession.chat_id == chat.id,
                ChatSession.starts_at < start,
                Post.deleted_at.is_(None),
                placed,
            )
            .distinct()
        )
    )
    returning_ids = earlier & set(people)
    figures.returning = len(returning_ids)
    figures.first_time = figures.participants - figures.returning

    accounts: dict[int, tuple[str, str, int]] = {}
    ids = list(people)
    for chunk in range(0, len(ids), 5_000):
        for account_id, handle, display, count in await session.execute(
            select(Account.id, Account.handle, Account.display_name, Account.followers_count).where(
                Account.id.in_(ids[chunk : chunk + 5_000])
            )
        ):
            accounts[account_id] = (handle, display or handle, count)
    figures.reach_sum = sum(a[2] for a in accounts.values()) + sum(
        count for who, count in reposters.items() if who not in people
    )
    contributors = [
        Contributor(
            account_id=who,
            handle=accounts[who][0],
            name=accounts[who][1],
            posts=t[0],
            answers=t[1],
            likes=t[2],
            reposts=t[3],
            returning=who in returning_ids,
        )
        for who, t in people.items()
        if who in accounts
    ]
    contributors.sort(key=lambda c: (-c.posts, -c.likes, -c.reposts, c.handle.lower()))
    figures.contributors = contributors

    asked = await session.execute(
        select(Question.number, Question.text)
        .where(Question.session_id == chat_session.id, Question.state == "posted")
        .order_by(Question.number)
    )
    figures.per_question = [QuestionFigures(n, text, answers.get(n, 0)) for n, text in asked]
    return figures


@dataclass
class SessionRow:
    """One session on a chat's dashboard."""

    session_id: int
    local_date: str
    topic: str
    state: str
    posts: int = 0
    participants: int = 0
    first_time: int = 0
    returning: int = 0
    reposts: int = 0
    likes: int = 0


@dataclass
class ChatFigures:
    hashtag: str
    title: str
    sessions: list[SessionRow]  # oldest first
    participants_ever: int = 0  # distinct people who wrote in any of these sessions
    posts: int = 0


async def chat_figures(session: AsyncSession, chat: Chat) -> ChatFigures:
    """The chat over time: its last ``DASHBOARD_SESSIONS`` sessions that have begun, each with
    its posts, participants (first-time and returning) and reactions."""
    chosen = list(
        await session.scalars(
            select(ChatSession)
            .where(ChatSession.chat_id == chat.id, ChatSession.state.in_(("live", "ended")))
            .order_by(ChatSession.starts_at.desc())
            .limit(DASHBOARD_SESSIONS)
        )
    )
    chosen.reverse()
    rows = {s.id: SessionRow(s.id, s.local_date.isoformat(), s.topic, s.state) for s in chosen}
    result = ChatFigures(chat.hashtag, chat.title, list(rows.values()))
    if not chosen:
        return result
    ids = list(rows)
    shown = shown_in(chat.id, post_id=SessionPost.post_id)
    live = and_(SessionPost.session_id.in_(ids), Post.deleted_at.is_(None), shown)
    for session_id, posts, people, reposts, likes in await session.execute(
        select(
            SessionPost.session_id,
            func.count(),
            func.count(distinct(Post.account_id)),
            func.coalesce(func.sum(Post.reblogs_count), 0),
            func.coalesce(func.sum(Post.favourites_count), 0),
        )
        .join(Post, Post.id == SessionPost.post_id)
        .where(live)
        .group_by(SessionPost.session_id)
    ):
        row = rows[session_id]
        row.posts, row.participants = posts, people
        row.reposts, row.likes = int(reposts), int(likes)
        result.posts += posts
    # Returning is judged against every earlier session of the chat, also those too old to
    # be on the dashboard: each author's first session of the chat ever.
    firsts = (
        select(Post.account_id, func.min(ChatSession.starts_at).label("first"))
        .join(SessionPost, SessionPost.post_id == Post.id)
        .join(ChatSession, ChatSession.id == SessionPost.session_id)
        .where(ChatSession.chat_id == chat.id, Post.deleted_at.is_(None), shown)
        .group_by(Post.account_id)
        .subquery()
    )
    pairs = await session.execute(
        select(
            SessionPost.session_id,
            Post.account_id,
            case((ChatSession.starts_at == firsts.c.first, 1), else_=0),
        )
        .join(Post, Post.id == SessionPost.post_id)
        .join(ChatSession, ChatSession.id == SessionPost.session_id)
        .join(firsts, firsts.c.account_id == Post.account_id)
        .where(live)
        .distinct()
    )
    everyone: set[int] = set()
    for session_id, account_id, first in pairs:
        everyone.add(account_id)
        if first:
            rows[session_id].first_time += 1
        else:
            rows[session_id].returning += 1
    result.participants_ever = len(everyone)
    return result


# -- who may see what ----------------------------------------------------------------------------
#
# A session's figures are public wherever the session's chat is visible: they are aggregates of
# public posts that anyone could count from the transcript. The chat's dashboard (every session
# over time) is for its hosts and co-hosts (and admins): growth is the host's business.


async def visible_session(
    session: AsyncSession, session_id: object, viewer: Account | None, *, tag: str | None = None
) -> tuple[ChatSession, Chat]:
    """The session (of the chat ``tag``, when given) as ``viewer`` may see it; NotFound
    otherwise."""
    chat_session, chat = await get_session(session, session_id)
    await visible_chat(session, chat.tag_key, viewer)
    if tag is not None and (await get_chat(session, tag)).id != chat.id:
        raise NotFound("no such session of this chat", field="session_id")
    return chat_session, chat


async def dashboard_chat(session: AsyncSession, tag: str, viewer: Account | None) -> Chat:
    """The chat whose dashboard ``viewer`` asks for: Forbidden unless they host it."""
    chat = await visible_chat(session, tag, viewer)
    if viewer is None:
        raise Unauthorized("log in to see the chat's dashboard")
    if not await roles.can(session, chat.id, viewer, "run"):
        raise Forbidden(
            "only the chat's hosts see its dashboard; each session's figures are public"
        )
    return chat
