"""The bridges' tests build on the hosting tests' chat and sessions, and make remote posts.
Their settings point hashchat's Bluesky identity resolution at the test network's PLC
directory and PDS (tests/pds) whenever a test uses it: `.test` handles resolve nowhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hashchat.bridges import remote
from hashchat.bridges.bluesky import richtext
from hashchat.config import Settings, get_settings
from hashchat.posts.batch import TagCache
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import _configure
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


@pytest.fixture
async def settings(
    request: pytest.FixtureRequest, database_url: str, session_dir: Path
) -> AsyncIterator[Settings]:
    extra: dict[str, str] = {}
    if "atproto_network" in request.fixturenames:
        network = request.getfixturevalue("atproto_network")
        extra = {"bluesky_plc_url": network.plc, "bluesky_handle_resolver": network.pds}
    yield _configure(session_dir, database_url, **extra)
    get_settings.cache_clear()
