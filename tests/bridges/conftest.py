"""The bridges' tests build on the hosting tests' chat and sessions, and make remote posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from hashchat.bridges import remote
from hashchat.bridges.bluesky import richtext
from hashchat.posts.batch import TagCache
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.hosting.conftest import chat, host, make_session  # noqa: F401

Store = Callable[..., Awaitable[remote.Stored]]


def bluesky_author(did: str = "did:plc:alice", handle: str = "alice.bsky.social") -> Any:
    return remote.RemoteAuthor("bluesky", did, handle, f"https://bsky.app/profile/{did}", "Alice")


def bluesky_post(
    text: str,
    *,
    rkey: str = "3kabc",
    did: str = "did:plc:alice",
    handle: str = "alice.bsky.social",
    tags: list[str] | None = None,
    reply_to: str | None = None,
    created_at: datetime | None = None,
) -> remote.RemotePost:
    """A Bluesky post whose hashtags are tag facets over each "#word" of ``text``."""
    data = text.encode()
    facets = []
    for word in text.split():
        if word.startswith("#"):
            start = data.index(word.encode())
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": start + len(word.encode())},
                    "features": [{"$type": richtext.TAG, "tag": word[1:]}],
                }
            )
    html, found = richtext.render(text, facets, tags or [])
    return remote.RemotePost(
        author=bluesky_author(did, handle),
        uri=f"at://{did}/app.bsky.feed.post/{rkey}",
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        created_at=created_at or utcnow(),
        text=text,
        html=html,
        tags=found,
        reply_to=reply_to,
    )


@pytest.fixture
def store(db: Database) -> Store:
    tags = TagCache()

    async def run(*posts: remote.RemotePost) -> remote.Stored:
        async with db.write() as session:
            return await remote.store(session, list(posts), tags)

    return run
