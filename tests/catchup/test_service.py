"""What rita missed: best answers, most reposted, people to follow in their order, links; and
marking it read."""

from __future__ import annotations

from datetime import timedelta

from hashchat.accounts import service as accounts
from hashchat.catchup import service
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.catchup.conftest import Missed
from tests.conftest import MakeAccount


async def test_what_rita_missed(db: Database, missed: Missed) -> None:
    async with db.read() as session:
        found = await service.catch_up(session, missed.reader)
    assert not found.marked and found.chats == 1
    assert [d.session_id for d in found.sessions] == [missed.chat_session.id]
    d = found.sessions[0]
    assert (d.posts, d.participants) == (7, 6)
    [q1] = d.questions
    assert (q1.number, q1.answers_count) == (1, 5)  # ann, bob, dan twice, rita
    ids = missed.ids
    # Most liked and reposted first (dan 2 likes + 2 reposts, ann 1 repost), then the oldest.
    assert [a.id for a in q1.best] == [ids["dan_a1"], ids["ann_a1"], ids["bob_a1"]]
    assert "my hands &lt;3" in q1.best[0].content  # rendered, escaped
    assert [p.id for p in d.most_reposted] == [ids["dan_a1"], ids["ann_a1"]]
    assert [(link.url, link.posts) for link in d.links] == [
        ("https://example.org/guide", 2),
        ("https://other.org/x", 1),
    ]


async def test_suggestions_are_ranked_by_whom_they_talked_with(
    db: Database, missed: Missed
) -> None:
    async with db.read() as session:
        found = await service.catch_up(session, missed.reader)
    ranked = [(s.handle, s.followed_talked_with, s.talked_with, s.posts)
              for s in found.sessions[0].suggestions]  # fmt: skip
    # Never rita herself, never ann (she follows her). dan and bob talked with ann; dan wrote
    # more. cat and the host each talked with one person; cat's post was liked.
    assert ranked == [
        ("dan", ["ann"], ["ann", "hostess"], 2),
        ("bob", ["ann"], ["ann", "cat"], 1),
        ("cat", [], ["bob"], 1),
        ("hostess", [], ["dan"], 1),
    ]
    await accounts.follow(db=db, follower_id=missed.reader.id, followee_id=missed.people["bob"].id)
    async with db.read() as session:
        again = await service.catch_up(session, missed.reader)
    # bob is followed now: gone from the list, and cat (who talked with him) moves up.
    assert [(s.handle, s.followed_talked_with) for s in again.sessions[0].suggestions] == [
        ("dan", ["ann"]),
        ("cat", ["bob"]),
        ("hostess", []),
    ]


def test_the_rank_key_in_isolation() -> None:
    def person(handle: str, known: int, talked: int, posts: int, likes: int) -> service.Suggestion:
        return service.Suggestion(
            account_id=0, handle=handle, name=handle, posts=posts, likes=likes,
            talked_with=[f"p{i}" for i in range(talked)],
            followed_talked_with=[f"p{i}" for i in range(known)],
        )  # fmt: skip

    people = [
        person("zoe", 0, 5, 50, 50),
        person("amy", 1, 1, 1, 0),
        person("bea", 1, 2, 1, 0),
        person("cal", 1, 2, 3, 0),
        person("Dee", 0, 5, 50, 50),
    ]
    assert [p.handle for p in sorted(people, key=service.suggestion_rank)] == [
        "cal", "bea", "amy", "Dee", "zoe",
    ]  # fmt: skip


async def test_marking_it_read_moves_the_start(db: Database, missed: Missed) -> None:
    seen = await service.mark_seen(db=db, account_id=missed.reader.id)
    async with db.read() as session:
        found = await service.catch_up(session, missed.reader)
        assert found.marked and found.since == seen and found.sessions == []
        # An explicit window still shows it (the feed uses one).
        window = await service.catch_up(session, missed.reader, since=utcnow() - timedelta(days=1))
    assert len(window.sessions) == 1


async def test_chats_one_does_not_follow_stay_out(
    db: Database, missed: Missed, make_account: MakeAccount
) -> None:
    stranger = await make_account("stranger")
    async with db.read() as session:
        found = await service.catch_up(session, stranger)
    assert (found.chats, found.sessions) == (0, [])


async def test_what_the_moderators_hid_is_not_caught_up_on(db: Database, missed: Missed) -> None:
    """A hidden post is not a best answer, not most reposted, not a shared link, and its reply
    does not count as talking with someone."""
    from hashchat.hosting import moderation

    ids = missed.ids
    await moderation.hide_post(
        db=db, actor=missed.people["hostess"], tag="HostChat", status_id=ids["dan_a1"]
    )
    async with db.read() as session:
        found = await service.catch_up(session, missed.reader)
    d = found.sessions[0]
    assert (d.posts, d.participants) == (6, 6)
    [q1] = d.questions
    assert q1.answers_count == 4
    assert [a.id for a in q1.best] == [ids["ann_a1"], ids["bob_a1"], ids["dan_coffee"]]
    assert [p.id for p in d.most_reposted] == [ids["ann_a1"]]
    assert [(link.url, link.posts) for link in d.links] == [
        ("https://example.org/guide", 1),
        ("https://other.org/x", 1),
    ]
    dan = next(s for s in d.suggestions if s.handle == "dan")
    assert (dan.talked_with, dan.posts) == (["hostess"], 1)


async def test_a_person_muted_in_the_chat_is_not_caught_up_on(db: Database, missed: Missed) -> None:
    """Muted for all in the chat: none of dan's posts counts, is a best answer, most reposted
    or a shared link, and he is not suggested."""
    from hashchat.hosting import moderation

    ids = missed.ids
    await moderation.restrict(db=db, actor=missed.people["hostess"], tag="HostChat",
                              kind="mute", account_id=missed.people["dan"].id)  # fmt: skip
    async with db.read() as session:
        found = await service.catch_up(session, missed.reader)
    d = found.sessions[0]
    assert (d.posts, d.participants) == (5, 5)
    [q1] = d.questions
    assert [a.id for a in q1.best] == [ids["ann_a1"], ids["bob_a1"], ids["rita_a1"]]
    assert [p.id for p in d.most_reposted] == [ids["ann_a1"]]
    assert "dan" not in {s.handle for s in d.suggestions}
