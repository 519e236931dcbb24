"""A session's transcript, read from what classify.py recorded as the posts were written: the
asked questions in order, each with its answers as threads (replies nested under the answer
they discuss, late answers marked), the whole chat in time order a page at a time, the people
who took part, the links they shared and the polls with their results.

A fixed number of queries whatever the session's size. Deleted posts and what the chat's
moderation hides (hosting/visibility.py: hidden posts, posts of people muted there) are left
out, as the room leaves them out; reposts are not chat lines.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import urls
from hashchat.accounts.entities import _iso, remote_acct
from hashchat.accounts.models import Account
from hashchat.directory import service as directory
from hashchat.directory.models import Chat
from hashchat.errors import Invalid, NotFound
from hashchat.hosting import polls, sessions
from hashchat.hosting.models import ChatSession, Question, SessionPost
from hashchat.hosting.visibility import shown_in
from hashchat.parsing import check_id
from hashchat.posts.models import Post

ORDERS = ("engaged", "time")
CHAT_PAGE = 200  # chat posts a page shows
ANSWERS_PAGE = 20  # answers each question shows on the page (one question alone: 200)
REPLIES_PAGE = 10  # replies shown under an answer (its own page has them all)
PEOPLE_PAGE = 200
LINKS_SHOWN = 200
ONE_QUESTION_PAGE = 200  # answers a page of one question alone shows
ALL = None  # no limit: what the exports ask for
_URL_LINK = re.compile(r'<a href="([^"]*)" class="url"')


@dataclass
class Entry:
    """One post of the transcript and where it stands: an answer (``late`` when written after
    the session), a reply under one, a question, or the rest of the chat."""

    status: dict[str, Any]
    kind: str
    number: int | None
    late: bool
    engagement: int = 0
    replies: list[Entry] = field(default_factory=list)
    replies_hidden: int = 0  # replies under it beyond those shown

    @property
    def id(self) -> str:
        return str(self.status["id"])


@dataclass
class QuestionThread:
    question: Question
    status: dict[str, Any] | None
    answers: list[Entry]
    answers_count: int  # every answer, also those beyond the ones shown
    late_count: int
    offset: int = 0  # answers before the first one shown (paging through one question)


@dataclass
class Participant:
    account: dict[str, Any]  # acct, username, display_name and url
    posts_count: int


@dataclass
class SharedLink:
    url: str
    status_id: str
    status_url: str
    acct: str


@dataclass
class Transcript:
    chat: Chat
    chat_session: ChatSession
    session: dict[str, Any]  # the session entity
    order: str
    threads: list[QuestionThread]
    lines: list[Entry]  # the chat in time order (a page of it, or all of it)
    next_min_id: str | None  # where the next page of the chat starts
    participants: list[Participant]  # most posts first (at most ``people_limit``)
    participants_count: int
    links: list[SharedLink]
    polls: list[dict[str, Any]]
    posts_count: int


async def visible_session(
    session: AsyncSession, tag: str | None, session_id: object, viewer: Account | None
) -> tuple[ChatSession, Chat]:
    """The session ``session_id`` (of the chat ``tag``, when given) as ``viewer`` may see it:
    NotFound for a session of another chat, and for any session of a chat awaiting approval
    unless ``viewer`` hosts it or is an admin."""
    chat_session, chat = await sessions.get_session(session, session_id)
    visible = await directory.visible_chat(session, tag or chat.tag_key, viewer)
    if chat.tag_key != visible.tag_key:
        raise NotFound("no such session of this chat", field="session_id")
    return chat_session, chat


def check_order(order: object) -> str:
    if order is None or order == "":
        return "engaged"
    if order not in ORDERS:
        raise Invalid("order is 'engaged' or 'time'", field="order")
    return str(order)


def check_number(value: object, field: str) -> int | None:
    """A whole number from a query parameter ("" or None: none given)."""
    if value is None or value == "":
        return None
    return check_id(value, field=field, message=f"{field} must be a whole number")


def check_min_id(min_id: object) -> int | None:
    return check_id(min_id, field="min_id", message="min_id must be a post id")


def _shown(chat: Chat, session_id: int, *columns: Any) -> Select[Any]:
    """The session's posts that a transcript shows (not deleted, not hidden by the chat's
    moderation, not reposts): ``columns`` of them, their ids by default."""
    return (
        select(*(columns or (SessionPost.post_id,)))
        .select_from(SessionPost)
        .join(Post, Post.id == SessionPost.post_id)
        .where(
            SessionPost.session_id == session_id,
            Post.deleted_at.is_(None),
            Post.reblog_of_id.is_(None),
            shown_in(chat.id, post_id=SessionPost.post_id),
        )
    )


@dataclass
class _Row:
    post_id: int
    number: int | None
    late: bool
    parent: int | None
    engagement: int


def _engagement() -> Any:
    return Post.replies_count + Post.reblogs_count + Post.favourites_count


async def _answers(
    session: AsyncSession, chat: Chat, session_id: int, numbers: list[int], *,
    order: str, limit: int | None, offset: int,
) -> tuple[dict[int, list[_Row]], dict[int, tuple[int, int]]]:  # fmt: skip
    """Per question number, its answers ranked in SQL (a window per question): most engaged
    first (replies, reposts and likes; ties in time order) or in time order, at most ``limit``
    after the first ``offset``; and how many answers it has, and how many of them late (the
    same pass). Only what is shown leaves the database."""
    engagement = _engagement()
    ranking = (engagement.desc(), SessionPost.post_id) if order == "engaged" else (
        SessionPost.post_id,
    )  # fmt: skip
    late = case((SessionPost.late.is_(True), 1), else_=0)
    ranked = (
        _shown(
            chat, session_id, SessionPost.post_id, SessionPost.number, SessionPost.late,
            Post.in_reply_to_id, engagement.label("engagement"),
            func.row_number().over(partition_by=SessionPost.number, order_by=ranking)
            .label("rank"),
            func.count().over(partition_by=SessionPost.number).label("answers"),
            func.sum(late).over(partition_by=SessionPost.number).label("late_answers"),
        )
        .where(SessionPost.kind == "answer", SessionPost.number.in_(numbers))
        .subquery()
    )  # fmt: skip
    # The first of each question comes back whatever the page, to carry the counts.
    shown = ranked.c.rank > offset
    if limit is not None:
        shown &= ranked.c.rank <= offset + limit
    query = select(
        ranked.c.post_id, ranked.c.number, ranked.c.late, ranked.c.in_reply_to_id,
        ranked.c.engagement, ranked.c.rank, ranked.c.answers, ranked.c.late_answers,
    ).where(shown | (ranked.c.rank == 1))  # fmt: skip
    found: dict[int, list[_Row]] = {}
    counts: dict[int, tuple[int, int]] = {}
    for (
        post_id,
        number,
        is_late,
        parent,
        engaged,
        rank,
        answers,
        late_answers,
    ) in await session.execute(query.order_by(ranked.c.number, ranked.c.rank)):
        counts[number] = (int(answers), int(late_answers or 0))
        if rank > offset and (limit is None or rank <= offset + limit):
            found.setdefault(number, []).append(_Row(post_id, number, is_late, parent, engaged))
    return found, counts


async def _replies(
    session: AsyncSession, chat: Chat, session_id: int, answer_ids: list[int]
) -> dict[int, list[_Row]]:
    """The replies under each answer, however deep (a reply to a reply hangs under the answer
    its chain starts from), in time order: read level by level through ``in_reply_to_id``.

    Each level is looked up by its parents (the posts' reply index) rather than by scanning
    the session; the session is checked on the rows found."""
    root_of = {i: i for i in answer_ids}
    under: dict[int, list[_Row]] = {}
    frontier = list(answer_ids)
    while frontier:
        level: list[_Row] = []
        for start in range(0, len(frontier), 5000):
            rows = await session.execute(
                select(
                    Post.id, SessionPost.number, SessionPost.late, Post.in_reply_to_id,
                    _engagement(), SessionPost.session_id,
                )
                .join(SessionPost, SessionPost.post_id == Post.id)
                .where(
                    Post.in_reply_to_id.in_(frontier[start : start + 5000]),
                    Post.deleted_at.is_(None),
                    SessionPost.kind == "reply",
                    shown_in(chat.id),
                )
            )  # fmt: skip
            level.extend(_Row(*row[:5]) for row in rows if row[5] == session_id)
        for row in level:
            assert row.parent is not None
            root_of[row.post_id] = root_of[row.parent]
            under.setdefault(root_of[row.parent], []).append(row)
        frontier = [row.post_id for row in level]
    for replies in under.values():
        replies.sort(key=lambda r: r.post_id)
    return under


async def _statuses(session: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    """What a transcript shows of each post, under a Status's own names: who wrote it, when,
    its content (the HTML rendered and escaped when it was written), its text and counts.

    One query per 5,000 posts and no ORM objects: a transcript shows thousands of posts and
    needs none of a Status's other parts (tags, mentions, polls, the viewer's likes)."""
    found: dict[int, dict[str, Any]] = {}
    people: dict[int, dict[str, Any]] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), 5000):  # keep each IN (...) list a sane length
        rows = await session.execute(
            select(
                Post.id, Post.created_at, Post.text, Post.content_html, Post.in_reply_to_id,
                Post.replies_count, Post.reblogs_count, Post.favourites_count,
                Post.origin, Post.origin_uri, Post.origin_url,
                Account.id, Account.handle, Account.display_name, Account.origin_url,
            )
            .join(Account, Account.id == Post.account_id)
            .where(Post.id.in_(wanted[start : start + 5000]))
        )  # fmt: skip
        for (post_id, at, text, content, parent, replies, reposts, likes, network, origin_uri,
             origin_url, account_id, handle, name, profile) in rows:  # fmt: skip
            account = people.get(account_id)
            if account is None:
                remote = network is not None and profile  # from another network (bridges/)
                account = people[account_id] = {
                    "id": str(account_id), "username": handle.split("@", 1)[0],
                    "acct": remote_acct(handle, profile) if remote else handle,
                    "display_name": name, "url": profile if remote else urls.profile(handle),
                }  # fmt: skip
            url = urls.post(handle, post_id)
            origin = None
            if network is not None:
                origin = {"network": network, "uri": origin_uri, "url": origin_url}
            found[post_id] = {
                "id": str(post_id), "uri": origin_uri if origin else url,
                "url": origin_url if origin else url, "created_at": _iso(at),
                "account": account, "content": content, "text": text,
                "in_reply_to_id": str(parent) if parent else None, "replies_count": replies,
                "reblogs_count": reposts, "favourites_count": likes, "origin": origin,
            }  # fmt: skip
    return found


def _entry(
    row: _Row, statuses: dict[int, dict[str, Any]], replies: list[_Row], replies_limit: int | None
) -> Entry:
    shown = replies if replies_limit is None else replies[:replies_limit]
    return Entry(
        status=statuses[row.post_id],
        kind="answer",
        number=row.number,
        late=row.late,
        engagement=row.engagement,
        replies=[
            Entry(statuses[r.post_id], "reply", r.number, r.late, r.engagement)
            for r in shown
            if r.post_id in statuses
        ],
        replies_hidden=len(replies) - len(shown),
    )


async def question_threads(
    session: AsyncSession,
    chat: Chat,
    chat_session: ChatSession,
    *,
    order: str = "engaged",
    limit: int | None = ANSWERS_PAGE,
    offset: int = 0,
    replies_limit: int | None = REPLIES_PAGE,
    question_ids: list[int] | None = None,
    number: int | None = None,
) -> list[QuestionThread]:
    """The asked questions by number (only ``question_ids``, or question ``number``, when
    given), each with at most ``limit`` answers in ``order`` after the first ``offset``, and
    the replies under each answer (a reply whose answer is gone leaves the thread with it; it
    stays in the chat)."""
    query = select(Question).where(
        Question.session_id == chat_session.id, Question.state == "posted"
    )
    if question_ids is not None:
        query = query.where(Question.id.in_(question_ids))
    if number is not None:
        query = query.where(Question.number == number)
    asked = list(await session.scalars(query.order_by(Question.number)))
    if not asked:
        return []
    numbers = [q.number for q in asked]
    answers, counts = await _answers(
        session, chat, chat_session.id, numbers, order=order, limit=limit, offset=offset
    )
    replies: dict[int, list[_Row]] = {}
    if answers and replies_limit != 0:
        every = [a.post_id for rows in answers.values() for a in rows]
        replies = await _replies(session, chat, chat_session.id, every)
    ids = {q.post_id for q in asked if q.post_id is not None}
    for rows in answers.values():
        for answer in rows:
            ids.add(answer.post_id)
            ids.update(r.post_id for r in replies.get(answer.post_id, [])[:replies_limit])
    statuses = await _statuses(session, ids)
    shown = set((await session.scalars(_shown(chat, chat_session.id).where(
        SessionPost.post_id.in_([q.post_id for q in asked if q.post_id is not None])
    ))).all())  # fmt: skip
    return [
        QuestionThread(
            question=q,
            status=statuses.get(q.post_id) if q.post_id in shown else None,  # type: ignore[arg-type]
            answers=[
                _entry(a, statuses, replies.get(a.post_id, []), replies_limit)
                for a in answers.get(q.number, [])
            ],
            answers_count=counts.get(q.number, (0, 0))[0],
            late_count=counts.get(q.number, (0, 0))[1],
            offset=offset,
        )
        for q in asked
    ]


async def chat_lines(
    session: AsyncSession,
    chat: Chat,
    chat_session: ChatSession,
    *,
    min_id: int | None = None,
    limit: int | None = CHAT_PAGE,
) -> tuple[list[Entry], str | None]:
    """The chat in time order after ``min_id``: ``limit`` posts (None: all of them), and the id
    the next page starts after (None on the last page)."""
    query = _shown(
        chat, chat_session.id, SessionPost.post_id, SessionPost.kind, SessionPost.number,
        SessionPost.late,
    )  # fmt: skip
    if min_id is not None:
        query = query.where(SessionPost.post_id > min_id)
    query = query.order_by(SessionPost.post_id)
    if limit is not None:
        query = query.limit(limit + 1)
    rows = list(await session.execute(query))
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    statuses = await _statuses(session, {r[0] for r in rows})
    lines = [
        Entry(statuses[post_id], kind, number, late)
        for post_id, kind, number, late in rows
        if post_id in statuses
    ]
    return lines, (str(rows[-1][0]) if more and rows else None)


async def participants(
    session: AsyncSession, chat: Chat, chat_session: ChatSession, *, limit: int | None = None
) -> tuple[list[Participant], int, int]:
    """Everyone who posted in the session, most posts first (the first ``limit``); how many
    people, and how many posts in all."""
    counted = list(
        await session.execute(
            _shown(chat, chat_session.id, Post.account_id, func.count())
            .group_by(Post.account_id)
            .order_by(func.count().desc(), Post.account_id)
        )
    )
    ids = [account_id for account_id, _ in counted[:limit]]
    accounts: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 5000):
        rows = await session.execute(
            select(Account.id, Account.handle, Account.display_name).where(
                Account.id.in_(ids[start : start + 5000])
            )
        )
        for account_id, handle, display_name in rows:
            accounts[account_id] = (handle, display_name)
    people = [
        Participant(
            {
                "acct": accounts[i][0],
                "username": accounts[i][0],
                "display_name": accounts[i][1],
                "url": urls.profile(accounts[i][0]),
            },
            n,
        )
        for i, n in counted[:limit]
        if i in accounts
    ]
    return people, len(counted), sum(n for _, n in counted)


async def shared_links(
    session: AsyncSession, chat: Chat, chat_session: ChatSession, *, limit: int = LINKS_SHOWN
) -> list[SharedLink]:
    """The links posted in the session, in time order, each once (its first post).

    Read from the HTML written with each post (text/render.py links every URL with class
    "url"), so the text is not parsed again."""
    rows = await session.execute(
        _shown(chat, chat_session.id, Post.id, Post.content_html, Account.handle)
        .join(Account, Account.id == Post.account_id)
        .where(Post.content_html.contains('class="url"'))
        .order_by(Post.id)
    )
    found: dict[str, SharedLink] = {}
    for post_id, content, handle in rows:
        for href in _URL_LINK.findall(content):
            url = html.unescape(href)
            if url not in found:
                found[url] = SharedLink(url, str(post_id), urls.post(handle, post_id), handle)
        if len(found) >= limit:
            break
    return list(found.values())[:limit]


async def build_transcript(
    session: AsyncSession,
    chat_session: ChatSession,
    chat: Chat,
    *,
    order: str = "engaged",
    min_id: int | None = None,
    chat_limit: int | None = CHAT_PAGE,
    answers_limit: int | None = ANSWERS_PAGE,
    answers_offset: int = 0,
    replies_limit: int | None = REPLIES_PAGE,
    people_limit: int | None = PEOPLE_PAGE,
    number: int | None = None,
    viewer_id: int | None = None,
) -> Transcript:
    """The transcript of ``chat_session``: questions (only question ``number``, when given)
    with their answers in ``order``, the chat after ``min_id``, the people, links and polls.
    Each ``*_limit`` bounds what a page shows; ``ALL`` (None) is everything, as exports want."""
    threads = await question_threads(
        session, chat, chat_session, order=order, limit=answers_limit, offset=answers_offset,
        replies_limit=replies_limit, number=number,
    )  # fmt: skip
    if number is not None and not threads:
        raise NotFound(f"Q{number} was not asked in this session", field="question")
    lines, next_min_id = await chat_lines(
        session, chat, chat_session, min_id=min_id, limit=chat_limit
    )
    people, people_count, posts_count = await participants(
        session, chat, chat_session, limit=people_limit
    )
    return Transcript(
        chat=chat,
        chat_session=chat_session,
        session=sessions.session_entity(chat_session, chat),
        order=order,
        threads=threads,
        lines=lines,
        next_min_id=next_min_id,
        participants=people,
        participants_count=people_count,
        links=await shared_links(session, chat, chat_session),
        polls=await polls.session_polls(session, chat_session.id, viewer_id=viewer_id),
        posts_count=posts_count,
    )


async def ended_sessions(
    session: AsyncSession, chat: Chat, *, limit: int = 20
) -> list[ChatSession]:
    """The chat's sessions that have ended, latest first: the transcripts a feed lists."""
    rows = await session.scalars(
        select(ChatSession)
        .where(ChatSession.chat_id == chat.id, ChatSession.state == "ended")
        .order_by(ChatSession.starts_at.desc())
        .limit(limit)
    )
    return list(rows)


async def feed_items(
    session: AsyncSession, tag: str, viewer: Account | None, *, limit: int = 20
) -> tuple[Chat, list[tuple[ChatSession, list[QuestionThread], int]]]:
    """The chat (as ``viewer`` may see it) and its latest ended sessions, each with its
    questions (counted, not their answers) and how many posts it had."""
    chat = await directory.visible_chat(session, tag, viewer)
    items = []
    for chat_session in await ended_sessions(session, chat, limit=limit):
        threads = await question_threads(session, chat, chat_session, limit=0, replies_limit=0)
        count = await session.scalar(_shown(chat, chat_session.id, func.count()))
        items.append((chat_session, threads, int(count or 0)))
    return chat, items
