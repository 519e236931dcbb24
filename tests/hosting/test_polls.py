"""Polls: a host's poll in a session and Mastodon's polls on posts; one vote per person, counted
exactly when many vote at once, refused once the poll has closed; tallies live on the stream."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from hashchat.accounts.models import Account
from hashchat.errors import Forbidden, Invalid, NotFound
from hashchat.hosting import polls
from hashchat.hosting.models import ChatSession, Poll, PollOption, PollVote
from hashchat.posts import fastpath
from hashchat.posts import service as posts
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.hosting.conftest import Crew, MakeSession
from tests.realtime.conftest import server, sse  # noqa: F401  (server: a fixture)

ROLES = ["host", "cohost", "moderator", "guest", "member", "admin"]


async def session_poll(
    db: Database, host: Account, chat_session: ChatSession, *, multiple: bool = False
) -> Poll:
    created = await polls.create_session_poll(
        db=db,
        actor=host,
        session_id=chat_session.id,
        question="Tea or coffee?",
        options=["Tea", "Coffee", "Neither"],
        expires_in=600,
        multiple=multiple,
    )
    async with db.read() as session:
        poll = await session.scalar(select(Poll).where(Poll.post_id == created.post.id))
        assert poll is not None
        return poll


async def tallies(db: Database, poll_id: int) -> tuple[int, int, list[int], int]:
    """votes_count, voters_count, each option's votes, and the vote rows."""
    async with db.read() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        options = await session.scalars(
            select(PollOption.votes_count)
            .where(PollOption.poll_id == poll_id)
            .order_by(PollOption.position)
        )
        rows = await session.scalar(
            select(func.count()).select_from(PollVote).where(PollVote.poll_id == poll_id)
        )
        return poll.votes_count, poll.voters_count, list(options), int(rows or 0)


async def test_a_hosts_poll_is_posted_with_the_hashtag_and_kept_with_the_session(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    created = await polls.create_session_poll(
        db=db,
        actor=crew.host,
        session_id=live_session.id,
        question="  Tea or coffee?  ",
        options=[" Tea ", "Coffee"],
        expires_in="3600",
        multiple="false",
    )
    assert created.post.text == "Tea or coffee? #HostChat"
    poll = created.entity["poll"]
    assert [o["title"] for o in poll["options"]] == ["Tea", "Coffee"]
    assert (poll["multiple"], poll["expired"], poll["votes_count"]) == (False, False, 0)
    assert "voted" not in poll  # the stream's copy has no viewer's fields
    async with db.read() as session:
        row = await session.scalar(select(Poll).where(Poll.post_id == created.post.id))
        assert row is not None and row.session_id == live_session.id
        assert row.expires_at - row.created_at == timedelta(hours=1)
        listed = await polls.session_polls(session, live_session.id, viewer_id=crew.host.id)
    assert [s["id"] for s in listed] == [str(created.post.id)]
    assert listed[0]["poll"]["voted"] is True  # its author sees the results


@pytest.mark.parametrize("role", ROLES)
async def test_only_hosts_make_a_sessions_polls(
    db: Database, crew: Crew, live_session: ChatSession, role: str
) -> None:
    actor = crew.by_role(role)
    if role in ("host", "cohost", "admin"):
        await session_poll(db, actor, live_session)
    else:
        with pytest.raises(Forbidden):
            await session_poll(db, actor, live_session)
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Poll))
    assert count == (1 if role in ("host", "cohost", "admin") else 0)


async def test_bad_polls_are_refused_naming_the_field_with_nothing_written(
    db: Database, crew: Crew, live_session: ChatSession, make_session: MakeSession
) -> None:
    good: dict[str, Any] = {
        "question": "Which?", "options": ["a", "b"], "expires_in": 600, "multiple": False
    }  # fmt: skip
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"options": ["only one"]}, "options", "2 to 6"),
        ({"options": [f"o{n}" for n in range(7)]}, "options", "2 to 6"),
        ({"options": ["a", " "]}, "options", "1 to 50"),
        ({"options": ["a", "b" * 51]}, "options", "1 to 50"),
        ({"options": ["Same", "same"]}, "options", "different"),
        ({"options": "a,b"}, "options", "2 to 6"),
        ({"options": [1, 2]}, "options", "list of texts"),
        ({"expires_in": 299}, "expires_in", "300"),
        ({"expires_in": 2_629_747}, "expires_in", "300"),
        ({"expires_in": "soon"}, "expires_in", "seconds"),
        ({"multiple": "maybe"}, "multiple", "true or false"),
        ({"question": ""}, "question", "question"),
        ({"question": "x" * 290}, "question", "over the limit"),
    ]
    for change, field, words in cases:
        with pytest.raises(Invalid) as caught:
            await polls.create_session_poll(
                db=db, actor=crew.host, session_id=live_session.id, **{**good, **change}
            )
        assert caught.value.field == field, change
        assert words in caught.value.message, (change, caught.value.message)
    ended = await make_session(start=-180, minutes=60)
    with pytest.raises(Invalid) as state:
        await polls.create_session_poll(db=db, actor=crew.host, session_id=ended.id, **good)
    assert state.value.field == "state"
    with pytest.raises(NotFound):
        await polls.create_session_poll(db=db, actor=crew.host, session_id="x", **good)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Poll)) == 0


async def test_one_vote_per_person_and_the_rules_of_voting(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    poll = await session_poll(db, crew.host, live_session)
    voter = await make_account("voter")
    mine = await polls.vote(db=db, voter=voter, poll_id=poll.id, choices=["1"])
    assert (mine["voted"], mine["own_votes"], mine["votes_count"]) == (True, [1], 1)
    assert [o["votes_count"] for o in mine["options"]] == [0, 1, 0]
    other = await make_account("other")
    for who, choices, field, words in [
        (voter, [0], "choices", "already voted"),
        (other, [0, 1], "choices", "one choice"),
        (other, [3], "choices", "0 to 2"),
        (other, [], "choices", "at least one"),
        (other, ["x"], "choices", "option numbers"),
        (other, [1, 1], "choices", "once"),
        (crew.host, [0], "id", "your own poll"),
    ]:
        with pytest.raises(Invalid) as caught:
            await polls.vote(db=db, voter=who, poll_id=poll.id, choices=choices)
        assert (caught.value.field, words in caught.value.message) == (field, True), words
    with pytest.raises(NotFound):
        await polls.vote(db=db, voter=other, poll_id=987_654, choices=[0])
    assert await tallies(db, poll.id) == (1, 1, [0, 1, 0], 1)


async def test_a_closed_poll_refuses_votes(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    poll = await session_poll(db, crew.host, live_session)
    async with db.write() as session:
        await session.execute(
            update(Poll)
            .where(Poll.id == poll.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    with pytest.raises(Invalid) as caught:
        await polls.vote(db=db, voter=await make_account("late"), poll_id=poll.id, choices=[0])
    assert (caught.value.message, caught.value.field) == ("the poll has closed", "id")
    assert await tallies(db, poll.id) == (0, 0, [0, 0, 0], 0)
    async with db.read() as session:
        seen = await polls.get_poll(session, poll.id, viewer_id=None)
    assert seen["expired"] is True


async def test_a_multiple_choice_poll_counts_votes_and_voters(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    poll = await session_poll(db, crew.host, live_session, multiple=True)
    await polls.vote(db=db, voter=await make_account("a"), poll_id=poll.id, choices=[0, 2])
    await polls.vote(db=db, voter=await make_account("b"), poll_id=poll.id, choices=[2])
    assert await tallies(db, poll.id) == (3, 2, [1, 0, 2], 3)


async def test_twenty_people_voting_at_once_are_counted_exactly(
    db: Database, crew: Crew, live_session: ChatSession, make_account: MakeAccount
) -> None:
    poll = await session_poll(db, crew.host, live_session)
    people = [await make_account(f"crowd{n}") for n in range(20)]
    results = await asyncio.gather(
        *(
            polls.vote(db=db, voter=p, poll_id=poll.id, choices=[n % 3])
            for n, p in enumerate(people)
        ),
        polls.vote(db=db, voter=people[0], poll_id=poll.id, choices=[1]),  # the same person again
        polls.vote(db=db, voter=people[1], poll_id=poll.id, choices=[2]),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 2 and all(isinstance(r, Invalid) for r in refused)
    votes, voters, options, rows = await tallies(db, poll.id)
    assert (votes, voters, rows) == (20, 20, 20)
    assert sum(options) == 20


# -- Mastodon's API -----------------------------------------------------------------------------


async def test_mastodon_clients_make_and_vote_in_polls(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    token_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast_calls: list[dict[str, Any]] = []
    real_validate = fastpath.validate

    def spy(model: Any, data: dict[str, Any]) -> Any:
        fast_calls.append(data)
        return real_validate(model, data)

    monkeypatch.setattr(fastpath, "validate", spy)
    author = auth(await token_for(await make_account("pollster")))
    voter = auth(await token_for(await make_account("voter")))

    as_json = await client.post(
        "/api/v1/statuses",
        json={
            "status": "Best day? #edchat",
            "poll": {"options": ["Mon", "Fri"], "expires_in": 3600},
        },
        headers=author,
    )
    assert as_json.status_code == 200, as_json.text
    assert fast_calls == []  # a poll leaves the fast path for the full route
    status = as_json.json()
    assert status["poll"]["options"] == [
        {"title": "Mon", "votes_count": 0},
        {"title": "Fri", "votes_count": 0},
    ]
    assert (status["poll"]["voted"], status["poll"]["own_votes"]) == (True, [])
    as_form = await client.post(
        "/api/v1/statuses",
        data={
            "status": "Pick any",
            "poll[options][]": ["x", "y", "z"],
            "poll[expires_in]": "300",
            "poll[multiple]": "true",
        },
        headers=author,
    )
    assert as_form.status_code == 200, as_form.text
    assert as_form.json()["poll"]["multiple"] is True
    plain = await client.post("/api/v1/statuses", json={"status": "no poll"}, headers=author)
    assert plain.json()["poll"] is None and len(fast_calls) == 1

    for body, field in [
        ({"status": "x", "poll": {"options": ["one"], "expires_in": 600}}, "poll[options]"),
        ({"status": "x", "poll": {"options": ["a", "b"], "expires_in": 10}}, "poll[expires_in]"),
        ({"status": "x", "poll": "yes"}, "poll"),
    ]:
        refused = await client.post("/api/v1/statuses", json=body, headers=author)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text

    poll_id = status["poll"]["id"]
    voted = await client.post(
        f"/api/v1/polls/{poll_id}/votes", data={"choices[]": ["1"]}, headers=voter
    )
    assert voted.status_code == 200, voted.text
    assert voted.json()["own_votes"] == [1] and voted.json()["votes_count"] == 1
    again = await client.post(
        f"/api/v1/polls/{poll_id}/votes", json={"choices": [0]}, headers=voter
    )
    assert again.status_code == 422 and again.json()["field"] == "choices"
    anonymous = await client.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [0]})
    assert anonymous.status_code == 401

    seen = (await client.get(f"/api/v1/polls/{poll_id}", headers=voter)).json()
    assert (seen["voted"], seen["own_votes"]) == (True, [1])
    public = (await client.get(f"/api/v1/polls/{poll_id}")).json()
    assert "voted" not in public and public["options"][1]["votes_count"] == 1
    read_back = (await client.get(f"/api/v1/statuses/{status['id']}", headers=voter)).json()
    assert read_back["poll"]["own_votes"] == [1]
    timeline = (await client.get("/api/v1/timelines/tag/edchat")).json()
    assert timeline[0]["poll"]["id"] == poll_id
    assert (await client.get("/api/v1/polls/999999")).status_code == 404


async def test_a_sessions_polls_over_http(
    client: httpx.AsyncClient, crew: Crew, live_session: ChatSession, token_for: Any
) -> None:
    path = f"/api/v1/chats/sessions/{live_session.id}/polls"
    body = {"question": "Tabs or spaces?", "options": ["Tabs", "Spaces"], "expires_in": 900}
    made = await client.post(path, json=body, headers=auth(await token_for(crew.host)))
    assert made.status_code == 201, made.text
    assert made.json()["content"].startswith("<p>Tabs or spaces?")
    assert made.json()["poll"]["voted"] is True
    refused = await client.post(path, json=body, headers=auth(await token_for(crew.guest)))
    assert refused.status_code == 403
    bad = await client.post(
        path, json={**body, "options": ["one"]}, headers=auth(await token_for(crew.host))
    )
    assert bad.status_code == 422 and bad.json()["field"] == "options"
    member = auth(await token_for(crew.member))
    poll_id = made.json()["poll"]["id"]
    assert (
        await client.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [1]}, headers=member)
    ).status_code == 200
    listed = (await client.get(path, headers=member)).json()
    assert [s["poll"]["votes_count"] for s in listed] == [1]
    assert listed[0]["poll"]["own_votes"] == [1]


# -- the stream ---------------------------------------------------------------------------------


async def test_each_vote_sends_the_new_tallies_live(
    server: str,  # noqa: F811
    db: Database,
    crew: Crew,
    live_session: ChatSession,
    make_account: MakeAccount,
) -> None:
    async with sse(f"{server}/api/v1/streaming/hashtag?tag=hostchat") as stream:
        poll = await session_poll(db, crew.host, live_session)
        made = await stream.until("update")
        assert json.loads(made.data)["poll"]["id"] == str(poll.id)
        await polls.vote(db=db, voter=await make_account("live"), poll_id=poll.id, choices=[2])
        event = json.loads((await stream.until("poll")).data)
        if event["poll"]["votes_count"] == 0:  # the poll's own event, when it was made
            event = json.loads((await stream.until("poll")).data)
        assert event["status_id"] == str(poll.post_id)
        assert event["session_id"] == str(live_session.id)
        assert [o["votes_count"] for o in event["poll"]["options"]] == [0, 0, 1]
        counts = json.loads((await stream.until("status.update")).data)
        assert counts["poll"]["votes_count"] == 1


async def test_a_mastodon_poll_in_a_chat_is_kept_with_its_session(
    db: Database, crew: Crew, live_session: ChatSession
) -> None:
    draft = polls.check_poll({"options": ["a", "b"], "expires_in": 600})
    created = await posts.create_post_entity(
        db=db, author=crew.member, text="Vote! #HostChat", poll=draft
    )
    async with db.read() as session:
        row = await session.scalar(select(Poll).where(Poll.post_id == created.post.id))
    assert row is not None and row.session_id == live_session.id


def test_mastodon_py_makes_a_poll_and_votes(live_server: Any) -> None:
    """Mastodon.py, unchanged: a poll with a post, a vote, the tallies read back."""
    from mastodon import Mastodon, MastodonAPIError

    client_id, client_secret = Mastodon.create_app(
        "hashchat-polls", api_base_url=live_server.url, scopes=["read", "write"]
    )
    apis = []
    for name in ("pollster", "voter"):
        anonymous = Mastodon(
            client_id=client_id, client_secret=client_secret, api_base_url=live_server.url
        )
        token = anonymous.create_account(
            name, "a long password", f"{name}@example.org", agreement=True, locale="en",
            scopes=["read", "write"],
        )  # fmt: skip
        apis.append(Mastodon(access_token=token, api_base_url=live_server.url))
    author, voter = apis
    poll = author.make_poll(["Morning", "Evening"], expires_in=3600)
    status: Any = author.status_post("When do you write? #pollchat", poll=poll)
    assert [o.title for o in status.poll.options] == ["Morning", "Evening"]
    voted: Any = voter.poll_vote(status.poll.id, [1])
    assert voted.voted is True and voted.own_votes == [1]
    assert voted.options[1].votes_count == 1
    read: Any = author.poll(status.poll.id)
    assert (read.votes_count, read.voters_count) == (1, 1)
    with pytest.raises(MastodonAPIError):
        voter.poll_vote(status.poll.id, [0])
