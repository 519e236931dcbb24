"""One rule of what a chat's moderation hides (hosting/visibility.py), held by every reader: a
hidden post and the posts of a person muted for all in the chat stay out of the transcript, its
four exports, the session page, analytics, the hashtag's page and timeline, and the live room;
their author still sees them, marked. A property test checks the readers agree with the rule
for any choice of hidden posts and mutes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from hashchat.accounts.models import Account
from hashchat.analytics import service as analytics
from hashchat.hosting import moderation
from hashchat.hosting.models import ChatSession, HiddenPost, RoomRestriction
from hashchat.live.service import load_room
from hashchat.posts import service as posts
from hashchat.posts import timelines
from hashchat.storage.engine import Database
from hashchat.transcripts import service as transcripts
from tests.conftest import MakeAccount, auth
from tests.hosting.conftest import Crew
from tests.hosting.test_pages import log_in
from tests.transcripts.conftest import Story, story

__all__ = ["story"]
FORMATS = ("json", "csv", "md", "html")


async def hide_and_mute(db: Database, story: Story) -> tuple[str, str]:
    """The host hides ana's "A1: novels" and mutes ben, whose answer is a reply without the
    hashtag (a session's post all the same). Returns the two texts that must not be seen."""
    await moderation.hide_post(db=db, actor=story.host, tag="HostChat", status_id=story.ids["ana"])
    await moderation.restrict(
        db=db, actor=story.host, tag="HostChat", kind="mute", account_id=story.people["ben"].id
    )
    return "novels &amp; *poems*", "essays, then the news"


async def test_the_transcript_and_its_four_exports_leave_out_hidden_and_muted_posts(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    before = {fmt: (await client.get(f"{story.path}.{fmt}")).text for fmt in FORMATS}
    assert all("essays, then the news" in text for text in before.values())
    hidden, muted = await hide_and_mute(db, story)
    page = (await client.get(story.path)).text
    assert hidden not in page and muted not in page
    for fmt in FORMATS:
        text = (await client.get(f"{story.path}.{fmt}")).text
        assert "poems" not in text and muted not in text, fmt
    data = json.loads((await client.get(f"{story.path}.json")).text)
    assert data["posts_count"] == 9 and len(data["chat"]) == 9  # 11, less ana's and ben's
    assert "ben" not in {p["account"] for p in data["participants"]}
    rows = list(csv.DictReader(io.StringIO((await client.get(f"{story.path}.csv")).text)))
    assert len(rows) == 9
    api = (await client.get(f"/api/v1/chats/sessions/{story.chat_session.id}/transcript")).json()
    assert muted not in json.dumps(api) and "poems" not in json.dumps(api)


async def test_analytics_count_what_the_transcript_shows(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    await hide_and_mute(db, story)
    figures = await client.get(f"/api/v1/chats/sessions/{story.chat_session.id}/analytics")
    transcript = json.loads((await client.get(f"{story.path}.json")).text)
    assert figures.json()["posts"] == transcript["posts_count"] == 9
    assert figures.json()["participants"] == len(transcript["participants"])
    async with db.read() as session:
        over_time = await analytics.chat_figures(session, story.chat)
    assert over_time.posts == 9


async def test_unmuting_brings_the_posts_back_everywhere(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    await hide_and_mute(db, story)
    assert json.loads((await client.get(f"{story.path}.json")).text)["posts_count"] == 9
    await moderation.lift(db=db, actor=story.host, tag="HostChat", kind="mute",
                          account_id=story.people["ben"].id)  # fmt: skip
    await moderation.unhide_post(db=db, actor=story.host, tag="HostChat",
                                 status_id=story.ids["ana"])  # fmt: skip
    data = json.loads((await client.get(f"{story.path}.json")).text)
    assert data["posts_count"] == 11


async def test_the_hashtag_page_and_timeline_leave_them_out_but_show_the_author_theirs(
    client: httpx.AsyncClient, db: Database, crew: Crew, live_session: ChatSession,
    make_account: MakeAccount, token_for: Any,
) -> None:  # fmt: skip
    loud = await make_account("loud")
    keep = await posts.create_post(db=db, author=crew.member, text="A1: kind #HostChat")
    rude = await posts.create_post(db=db, author=crew.member, text="A1: rude #HostChat")
    await posts.create_post(db=db, author=loud, text="SHOUTING #HostChat")
    await moderation.hide_post(db=db, actor=crew.moderator, tag="HostChat", status_id=rude.id)
    await moderation.restrict(
        db=db, actor=crew.moderator, tag="HostChat", kind="mute", account_id=loud.id
    )
    anyone = await client.get("/api/v1/timelines/tag/hostchat")
    assert [s["id"] for s in anyone.json()] == [str(keep.id)]
    page = (await client.get("/tags/HostChat")).text
    assert "kind" in page and "rude" not in page and "SHOUTING" not in page
    assert "moderated-note" not in page
    # The author still sees their own post, and the page tells them (only them) it is hidden.
    theirs = await client.get("/api/v1/timelines/tag/HostChat",
                              headers=auth(await token_for(crew.member)))  # fmt: skip
    assert [s["id"] for s in theirs.json()] == [str(rude.id), str(keep.id)]
    await log_in(client, "loud")
    page = (await client.get("/tags/HostChat")).text
    assert "SHOUTING" in page and "rude" not in page
    assert page.count('class="moderated-note"') == 1
    # Elsewhere the post is the author's as before: a hashtag without a chat is not moderated.
    other = await posts.create_post(db=db, author=loud, text="still me #elsewhere")
    assert [s["id"] for s in (await client.get("/api/v1/timelines/tag/elsewhere")).json()] == [
        str(other.id)
    ]


async def test_the_room_shows_the_author_their_hidden_post_marked(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    rude = await posts.create_post(db=db, author=crew.member, text="A1: rude #HostChat")
    await moderation.hide_post(db=db, actor=crew.moderator, tag="HostChat", status_id=rude.id)
    async with db.read() as session:
        everyone = await load_room(session, tags=["HostChat"], viewer_id=None, highlight=[])
        author = await load_room(session, tags=["HostChat"], viewer_id=crew.member.id, highlight=[])
    assert everyone.statuses == []
    assert [(s["id"], s["hidden_from_chat"]) for s in author.statuses] == [(str(rude.id), True)]


async def test_the_session_page_leaves_out_hidden_answers(
    client: httpx.AsyncClient, db: Database, story: Story
) -> None:
    await hide_and_mute(db, story)
    page = (await client.get(f"/chats/HostChat/sessions/{story.chat_session.id}")).text
    assert "poems" not in page and "essays, then the news" not in page
    assert "letters, always" in page  # eve's answer stays


# -- the property: every reader agrees with the rule ------------------------------------------


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    hidden=st.sets(st.integers(0, 7), max_size=4),
    muted=st.sets(st.integers(0, 2), max_size=2),
)
async def test_every_reader_shows_exactly_what_the_rule_allows(
    client: httpx.AsyncClient, db: Database, story: Story, hidden: set[int], muted: set[int]
) -> None:
    """For any posts hidden and any people muted: the transcript, its export, analytics and
    the hashtag's timeline show exactly the session's posts that are neither hidden, nor a
    muted person's."""
    async with db.write() as session:  # start each example from no moderation
        await session.execute(delete(HiddenPost))
        await session.execute(delete(RoomRestriction))
    order = ["hello", "q1", "ana", "ben", "cat", "link", "q2", "ana2"]  # in the session, live
    people: list[Account] = [story.people["ana"], story.people["ben"], story.people["gus"]]
    async with db.read() as session:
        every = {e.id: e for e in (await transcripts.build_transcript(
            session, story.chat_session, story.chat, chat_limit=None
        )).lines}  # fmt: skip
    author = {i: every[i].status["account"]["acct"] for i in every}
    for n in hidden:
        await moderation.hide_post(db=db, actor=story.host, tag="HostChat",
                                   status_id=story.ids[order[n]])  # fmt: skip
    for n in muted:
        await moderation.restrict(db=db, actor=story.host, tag="HostChat", kind="mute",
                                  account_id=people[n].id)  # fmt: skip
    gone = {str(story.ids[order[n]]) for n in hidden}
    silenced = {people[n].handle for n in muted}
    expected = {i for i in every if i not in gone and author[i] not in silenced}

    data = json.loads((await client.get(f"{story.path}.json")).text)
    assert {p["id"] for p in data["chat"]} == expected
    figures = await client.get(f"/api/v1/chats/sessions/{story.chat_session.id}/analytics")
    assert figures.json()["posts"] == len(expected)
    async with db.read() as session:
        tagged = await timelines.tag_timeline(
            session, any_tags=["HostChat"], page=timelines.Page(limit=40)
        )
    with_tag = {i for i in every if "#HostChat" in every[i].status["text"]}
    assert {str(p.id) for p in tagged} == with_tag & expected
