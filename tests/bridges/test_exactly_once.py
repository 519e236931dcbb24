"""Whatever a source sends again (a reconnect from a cursor a few seconds early, a second
instance, a replay after a restart), in whatever order, and wherever the reader happens to write
or to be restarted, each post is stored exactly once and none is lost."""

from __future__ import annotations

import itertools

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from hashchat.bridges import lease
from hashchat.bridges.bluesky.events import V1
from hashchat.bridges.bluesky.reader import Reader
from hashchat.directory.models import Chat
from hashchat.posts.models import Post
from hashchat.storage.engine import Database
from tests.bridges.jetstream import Event, commit, post_record

runs = itertools.count()
# What happens next: deliver frame i of the stream; write what was read; restart the process.
Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("frame"), st.integers(0, 11)),
        st.tuples(st.sampled_from(["write", "restart"]), st.just(0)),
    ),
    min_size=1,
    max_size=40,
)


def posts(run: int) -> list[Event]:
    """Twelve events: every other one a post for the chat, the others for another hashtag."""
    return [
        commit(
            i + 1,
            f"did:plc:p{i % 3}",
            f"r{run}x{i}",
            record=post_record(f"A{i}: yes #{'HostChat' if i % 2 == 0 else 'other'}"),
        )
        for i in range(12)
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=steps)
async def test_any_interleaving_of_duplicates_reorders_and_restarts_stores_each_post_once(
    db: Database, chat: Chat, plan: list[Step]
) -> None:
    run = next(runs)
    async with db.write() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat.id).values(bridges="bluesky", bridge_when="always")
        )
    events = posts(run)
    wire = V1()
    url = f"ws://jetstream.invalid/{run}/subscribe"

    async def fresh() -> Reader:
        reader = Reader(db, url, wire, holder=f"run{run}")
        assert await lease.take(db=db, source=reader.source, holder=reader.holder, ttl=60)
        await reader._refresh_wanted()
        return reader

    reader = await fresh()
    delivered: set[int] = set()
    for action, i in plan:
        if action == "frame":
            reader.take(orjson_frame(events[i]))
            delivered.add(i)
        elif action == "write":
            await reader._flush()
        else:  # killed: what it read and did not write is gone; the source sends it again
            reader = await fresh()
            for j in sorted(delivered):
                reader.take(orjson_frame(events[j]))
    await reader._flush()
    async with db.read() as session:
        stored = list(
            await session.scalars(
                select(Post.origin_uri).where(Post.origin_uri.like(f"%/r{run}x%"))
            )
        )
    wanted = {
        f"at://did:plc:p{i % 3}/app.bsky.feed.post/r{run}x{i}" for i in delivered if i % 2 == 0
    }
    assert sorted(stored) == sorted(wanted)  # each once, none lost, none of the other tag


def orjson_frame(event: Event) -> bytes:
    return orjson.dumps(event.v1)
