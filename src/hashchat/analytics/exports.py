"""The analytics' tables and charts by name, as the pages and downloads offer them: every table
as CSV, every chart as SVG and PNG. An unknown name or format is a clear 404."""

from __future__ import annotations

from typing import Any

from hashchat import csvfile
from hashchat.analytics.charts import Chart
from hashchat.analytics.service import ChatFigures, SessionFigures
from hashchat.errors import NotFound

Table = tuple[list[str], list[list[Any]]]


def summary_rows(f: SessionFigures) -> list[tuple[str, int, str]]:
    """(figure, value, what it means): the numbers at the top of the page, and summary.csv."""
    return [
        ("participants", f.participants, "distinct people who wrote at least one post"),
        ("repost_only", f.repost_only, "people who reposted a post of the session but wrote none"),
        ("posts", f.posts, "posts written in the session (not reposts)"),
        ("replies", f.replies, "of those, replies to another post"),
        ("questions", f.questions, "questions asked"),
        ("answers", f.answers, "answers to the questions"),
        ("late_posts", f.late, "posts written after the session's window (late answers)"),
        ("reposts", f.reposts, "reposts of the session's posts"),
        ("likes", f.likes, "likes of the session's posts"),
        ("first_time", f.first_time, "participants never seen in an earlier session"),
        ("returning", f.returning, "participants who wrote in an earlier session"),
        ("reach", f.reach, "distinct followers of participants and reposters, each once"),
        ("reach_if_summed", f.reach_sum, "their follower counts added up (counts overlaps)"),
    ]


def session_table(f: SessionFigures, name: str) -> Table:
    if name == "summary":
        return ["figure", "value", "meaning"], [list(r) for r in summary_rows(f)]
    if name == "minutes":
        return ["minute", "time_utc", "posts"], [
            [i, f.minute_label(i), n] for i, n in enumerate(f.per_minute)
        ]
    if name == "contributors":
        return ["handle", "name", "posts", "answers", "likes_received", "reposts_received",
                "returning"], [
            [c.handle, c.name, c.posts, c.answers, c.likes, c.reposts,
             "yes" if c.returning else "no"] for c in f.contributors
        ]  # fmt: skip
    if name == "questions":
        return ["question", "text", "answers"], [
            [f"Q{q.number}", q.text, q.answers] for q in f.per_question
        ]
    raise NotFound(
        f"no table called {name!r}: summary, minutes, contributors or questions", field="table"
    )


def session_chart(f: SessionFigures, name: str, zone: str = "UTC") -> Chart:
    """A session's chart; the minutes in ``zone`` (the viewer's, as the session page)."""
    if name == "minutes":
        return Chart(
            title="Posts per minute",
            labels=[f.minute_label(i, zone) for i in range(len(f.per_minute))],
            series=[("posts", f.per_minute)],
            x_label=f"time ({zone})",
            y_label="posts",
        )
    if name == "questions":
        return Chart(
            title="Answers per question",
            labels=[f"Q{q.number}" for q in f.per_question],
            series=[("answers", [q.answers for q in f.per_question])],
            x_label="question",
            y_label="answers",
        )
    if name == "contributors":
        top = f.top_contributors
        return Chart(
            title="Top contributors",
            labels=[f"@{c.handle}" for c in top],
            series=[("posts", [c.posts for c in top])],
            x_label="participant",
            y_label="posts",
        )
    raise NotFound(f"no chart called {name!r}: minutes, questions or contributors", field="chart")


def chat_table(f: ChatFigures, name: str) -> Table:
    if name == "sessions":
        return ["session_id", "date", "topic", "state", "posts", "participants", "first_time",
                "returning", "reposts", "likes"], [
            [s.session_id, s.local_date, s.topic, s.state, s.posts, s.participants,
             s.first_time, s.returning, s.reposts, s.likes] for s in f.sessions
        ]  # fmt: skip
    raise NotFound(f"no table called {name!r}: sessions", field="table")


def chat_chart(f: ChatFigures, name: str) -> Chart:
    labels = [s.local_date for s in f.sessions]
    if name == "participants":
        return Chart(
            title="Participants per session",
            labels=labels,
            series=[
                ("first-time", [s.first_time for s in f.sessions]),
                ("returning", [s.returning for s in f.sessions]),
            ],
            x_label="session",
            y_label="participants",
        )
    if name == "posts":
        return Chart(
            title="Posts per session",
            labels=labels,
            series=[("posts", [s.posts for s in f.sessions])],
            x_label="session",
            y_label="posts",
        )
    raise NotFound(f"no chart called {name!r}: participants or posts", field="chart")


def to_csv(table: Table) -> str:
    """CSV with a header row; cells that a spreadsheet would run as a formula are quoted with
    a leading apostrophe (handles and question text are user input)."""
    header, rows = table
    return csvfile.write(header, rows)


def split_name(filename: str, formats: tuple[str, ...]) -> tuple[str, str]:
    """``minutes.svg`` -> ("minutes", "svg"); NotFound naming the formats otherwise."""
    name, dot, fmt = filename.rpartition(".")
    if not dot or not name:
        raise NotFound(
            f"add a format to {filename!r}: {', '.join('.' + f for f in formats)}", field="format"
        )
    if fmt not in formats:
        raise NotFound(
            f"unknown format {fmt!r}: use {', '.join('.' + f for f in formats)}", field="format"
        )
    return name, fmt
