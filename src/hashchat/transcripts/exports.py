"""A transcript written out as a file: Markdown, a self-contained HTML page, JSON and CSV; and
a chat's transcripts as an Atom feed.

Every piece of user text is escaped for the format it goes into: HTML-escaped in HTML and Atom
(post content is the HTML hashchat rendered and escaped when the post was written), backslash-
escaped where Markdown would read it as markup, and a CSV cell that a spreadsheet would run as
a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from hashchat import csvfile, urls
from hashchat.directory.models import Chat
from hashchat.hosting.classify import question_entity
from hashchat.hosting.models import ChatSession
from hashchat.hosting.sessions import held_on
from hashchat.transcripts.service import Entry, QuestionThread, Transcript
from hashchat.web import atom
from hashchat.web.templating import TEMPLATES

FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}
CSV_COLUMNS = (
    "id", "created_at", "account", "display_name", "kind", "question", "late", "in_reply_to_id",
    "replies_count", "reblogs_count", "favourites_count", "url", "text",
)  # fmt: skip

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~=&])")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


def transcript_path(hashtag: str, session_id: int) -> str:
    from hashchat.directory.links import chat_path

    return f"{chat_path(hashtag)}/sessions/{session_id}/transcript"


def transcript_url(hashtag: str, session_id: int) -> str:
    return urls.base() + transcript_path(hashtag, session_id)


def filename(transcript: Transcript, fmt: str) -> str:
    """``<hashtag>-<the day it was held>.<fmt>`` (a session started early is named after the
    day it happened, not the day it was scheduled for)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "", transcript.chat.hashtag) or "chat"
    return f"{safe}-{held_on(transcript.chat_session, transcript.chat).isoformat()}.{fmt}"


def held_times(transcript: Transcript) -> str:
    """When the session ran, in the chat's own zone, for a reader: "Wed 4 Mar 2026, 20:00 to
    21:00 (Europe/London)" (the end's date too when it is another day)."""
    chat, chat_session = transcript.chat, transcript.chat_session
    zone = ZoneInfo(chat.time_zone)
    start = (chat_session.started_at or chat_session.starts_at).astimezone(zone)
    end = (chat_session.ended_at or chat_session.ends_at).astimezone(zone)
    until = f"{end:%H:%M}" if end.date() == start.date() else (
        f"{end:%a} {end.day} {end:%b %Y}, {end:%H:%M}"
    )  # fmt: skip
    return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M} to {until} ({chat.time_zone})"


def post_entity(entry: Entry) -> dict[str, Any]:
    """The compact post that exports carry: who, when, what it is in the session, its text."""
    status = entry.status
    return {
        "id": status["id"],
        "url": status["url"],
        "created_at": status["created_at"],
        "account": status["account"]["acct"],
        "display_name": status["account"]["display_name"],
        "kind": entry.kind,
        "question": entry.number,
        "late": entry.late,
        "in_reply_to_id": status["in_reply_to_id"],
        "replies_count": status["replies_count"],
        "reblogs_count": status["reblogs_count"],
        "favourites_count": status["favourites_count"],
        "text": status["text"],
        "content": status["content"],
        "origin": status.get("origin"),  # a bridged post: {"network", "uri", "url"}
    }


def without_bridged(transcript: Transcript) -> Transcript:
    """The transcript without posts from other networks (a host's ``bridged_in_exports``)."""

    def here(entries: list[Entry]) -> list[Entry]:
        kept = [e for e in entries if not e.status.get("origin")]
        for entry in kept:
            entry.replies = here(entry.replies)
        return kept

    for thread in transcript.threads:
        thread.answers = here(thread.answers)
    transcript.lines = here(transcript.lines)
    return transcript


def _thread_entity(thread: QuestionThread, chat_session: ChatSession) -> dict[str, Any]:
    return {
        **question_entity(thread.question, chat_session),
        "url": thread.status["url"] if thread.status else None,
        "answers_count": thread.answers_count,
        "late_answers_count": thread.late_count,
        "answers": [
            {**post_entity(a), "replies": [post_entity(r) for r in a.replies]}
            for a in thread.answers
        ],
    }


def transcript_entity(transcript: Transcript) -> dict[str, Any]:
    """The transcript as JSON: the session, questions with answers, the chat, the people, the
    links and the polls."""
    return {
        "session": transcript.session,
        "url": transcript_url(transcript.chat.hashtag, transcript.chat_session.id),
        "order": transcript.order,
        "posts_count": transcript.posts_count,
        "questions": [_thread_entity(t, transcript.chat_session) for t in transcript.threads],
        "chat": [post_entity(line) for line in transcript.lines],
        "next_min_id": transcript.next_min_id,
        "participants": [
            {
                "account": p.account["acct"],
                "display_name": p.account["display_name"],
                "url": p.account["url"],
                "posts_count": p.posts_count,
            }
            for p in transcript.participants
        ],
        "links": [
            {
                "url": link.url,
                "status_id": link.status_id,
                "status_url": link.status_url,
                "account": link.acct,
            }
            for link in transcript.links
        ],
        "polls": [
            {"status_id": st["id"], "url": st["url"], "question": st["text"], **st["poll"]}
            for st in transcript.polls
            if st.get("poll")
        ],
    }


def to_json(transcript: Transcript) -> bytes:
    return orjson.dumps(transcript_entity(transcript), option=orjson.OPT_INDENT_2)


# -- Markdown ------------------------------------------------------------------------------------


def md_escape(text: str) -> str:
    """``text`` as Markdown that reads back as exactly this text: every character Markdown
    could take as markup is backslash-escaped, and line breaks stay line breaks."""
    escaped = _MD_ORDERED.sub(r"\1\\\2", _MD_SPECIAL.sub(r"\\\1", text))
    return "\\\n".join(line.strip() for line in escaped.splitlines()) or ""


def _md_post(entry: Entry, indent: str = "") -> list[str]:
    status = entry.status
    who = md_escape(status["account"]["display_name"] or status["account"]["acct"])
    when = status["created_at"][11:16]
    late = " *(late)*" if entry.late else ""
    text = md_escape(status["text"]).replace("\n", "\n" + indent + "  ")
    return [f"{indent}- **{who}** ([{when}]({status['url']})){late}: {text}"]


def to_markdown(transcript: Transcript) -> str:
    chat, entity = transcript.chat, transcript.session
    title = md_escape(chat.title + (f": {entity['topic']}" if entity["topic"] else ""))
    lines = [
        f"# {title}",
        "",
        f"\\#{md_escape(chat.hashtag)} · {md_escape(held_times(transcript))} · "
        f"[transcript]({transcript_url(chat.hashtag, transcript.chat_session.id)})",
        "",
        "## Questions",
        "",
    ]
    for thread in transcript.threads:
        q = thread.question
        link = f" ([post]({thread.status['url']}))" if thread.status else ""
        lines += [f"### Q{q.number}: {md_escape(q.text)}", ""]
        counts = f"{thread.answers_count} answer{'' if thread.answers_count == 1 else 's'}"
        if thread.late_count:
            counts += f", {thread.late_count} late"
        lines += [f"{counts}{link}", ""]
        for answer in thread.answers:
            lines += _md_post(answer)
            for reply in answer.replies:
                lines += _md_post(reply, "  ")
        lines.append("")
    if not transcript.threads:
        lines += ["No questions were asked.", ""]
    lines += ["## The chat", ""]
    for line in transcript.lines:
        lines += _md_post(line)
    lines += ["", "## People", ""]
    for person in transcript.participants:
        name = md_escape(person.account["display_name"] or person.account["acct"])
        lines.append(
            f"- [{name}]({person.account['url']}) @{md_escape(person.account['acct'])}: "
            f"{person.posts_count} post{'' if person.posts_count == 1 else 's'}"
        )
    lines += ["", "## Links", ""]
    for shared in transcript.links:
        lines.append(f"- <{shared.url.replace('>', '%3E')}> shared by @{md_escape(shared.acct)}")
    if not transcript.links:
        lines.append("No links were shared.")
    lines += ["", "## Polls", ""]
    for st in transcript.polls:
        poll = st.get("poll")
        if not poll:
            continue
        lines += [f"**{md_escape(st['text'])}** ({poll['voters_count']} voted)", ""]
        for option in poll["options"]:
            lines.append(f"- {md_escape(option['title'])}: {option['votes_count']}")
        lines.append("")
    if not transcript.polls:
        lines.append("No polls.")
    return "\n".join(lines).rstrip() + "\n"


# -- CSV -----------------------------------------------------------------------------------------


def to_csv(transcript: Transcript) -> str:
    """One row per post of the chat, in time order."""
    rows = ([post[c] for c in CSV_COLUMNS] for post in map(post_entity, transcript.lines))
    return csvfile.write(CSV_COLUMNS, rows)


# -- HTML ----------------------------------------------------------------------------------------

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def to_html(transcript: Transcript) -> str:
    """One HTML file with its style inline and nothing loaded from elsewhere."""
    return _env.get_template("transcripts/export.html").render(
        t=transcript,
        url=transcript_url(transcript.chat.hashtag, transcript.chat_session.id),
        held=held_times(transcript),
        day=held_on(transcript.chat_session, transcript.chat).isoformat(),
        safe=Markup,
    )


# -- Atom ----------------------------------------------------------------------------------------


def to_atom(chat: Chat, ended: list[tuple[ChatSession, list[QuestionThread], int]]) -> bytes:
    """A feed of the chat's transcripts, latest first: each entry names the session's questions
    with how many answered them."""
    from hashchat.directory.links import chat as chat_url

    feed = atom.feed()
    base = chat_url(chat.hashtag)
    atom.add(feed, "id", f"{base}/transcripts.atom")
    atom.add(feed, "title", f"#{chat.hashtag} transcripts")
    atom.add(feed, "subtitle", chat.title)
    atom.add(feed, "link", href=f"{base}/transcripts.atom", rel="self", type="application/atom+xml")
    atom.add(feed, "link", href=base, rel="alternate", type="text/html")
    newest = max((s.ended_at or s.ends_at for s, _, _ in ended), default=chat.created_at)
    atom.add(feed, "updated", atom.iso(newest))
    atom.add(atom.add(feed, "author"), "name", f"#{chat.hashtag}")
    atom.add(feed, "generator", "hashchat")
    for chat_session, threads, posts_count in ended:
        url = transcript_url(chat.hashtag, chat_session.id)
        entry = atom.add(feed, "entry")
        atom.add(entry, "id", url)
        topic = f": {chat_session.topic}" if chat_session.topic else ""
        atom.add(entry, "title", f"#{chat.hashtag} {chat_session.local_date.isoformat()}{topic}")
        atom.add(entry, "link", href=url, rel="alternate", type="text/html")
        atom.add(entry, "published", atom.iso(chat_session.started_at or chat_session.starts_at))
        atom.add(entry, "updated", atom.iso(chat_session.ended_at or chat_session.ends_at))
        asked = "; ".join(
            f"Q{t.question.number}: {t.question.text} ({t.answers_count} answers)" for t in threads
        )
        atom.add(
            entry, "summary", f"{posts_count} posts. {asked}" if asked else f"{posts_count} posts."
        )
        items = "".join(
            f"<li>Q{t.question.number}: {Markup.escape(t.question.text)} "
            f"({t.answers_count} answers)</li>"
            for t in threads
        )
        atom.add(
            entry,
            "content",
            f'<p><a href="{Markup.escape(url)}">The transcript</a>: {posts_count} posts.</p>'
            + (f"<ol>{items}</ol>" if items else ""),
            type="html",
        )
    return atom.to_bytes(feed)
