"""Mastodon's stream names, turned into the event streams they cover."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account, Follow, TagFollow
from hashchat.errors import Invalid, Unauthorized
from hashchat.posts.models import Tag
from hashchat.realtime.events import PUBLIC, account_stream, tag_stream, user_stream
from hashchat.text import is_valid_hashtag, normalize_tag

PUBLIC_NAMES = {"public", "public:local", "public:remote", "public:media", "public:local:media"}
HASHTAG_NAMES = {"hashtag", "hashtag:local"}
USER_NAMES = {"user", "user:notification"}
MAX_TAGS = 20


@dataclass(frozen=True, slots=True)
class Subscription:
    label: tuple[str, ...]  # what frames say in "stream": ["hashtag", "EdChat"], as asked
    streams: frozenset[str]

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        """Identity of a subscription: "EdChat" and "edchat" are the same one."""
        return (self.label[0], self.streams)


def check_tag(tag: object) -> str:
    if not isinstance(tag, str) or not tag.strip():
        raise Invalid("a hashtag stream needs a tag", field="tag")
    return _checked_tag(tag)


@functools.lru_cache(maxsize=4096)
def _checked_tag(tag: str) -> str:
    """A room's whole audience asks for the same tag, all at once after a restart: the full
    hashtag check (twitter-text's rules) runs once per tag, not once per viewer."""
    name = tag.strip().lstrip("#")
    if not is_valid_hashtag("#" + name):
        raise Invalid(f"#{name} is not a hashtag", field="tag")
    return name


def public_subscription(*, name: str, tags: list[str]) -> Subscription:
    """A hashtag or public stream (no account and no database needed), or Invalid."""
    if name in HASHTAG_NAMES:
        if not tags:
            raise Invalid("a hashtag stream needs a tag", field="tag")
        if len(tags) > MAX_TAGS:
            raise Invalid(f"at most {MAX_TAGS} tags in one stream", field="tag")
        names = [check_tag(t) for t in tags]
        label = (name, *names)
        return Subscription(label, frozenset(tag_stream(normalize_tag(n)) for n in names))
    if name in PUBLIC_NAMES:
        return Subscription((name,), frozenset({PUBLIC}))
    raise Invalid(f"unknown stream {name!r}", field="stream")


async def resolve(
    session: AsyncSession, *, name: object, tags: list[str], account: Account | None
) -> Subscription:
    """The streams behind a Mastodon stream name, or Invalid/Unauthorized saying why not."""
    if not isinstance(name, str) or not name:
        raise Invalid("stream is required", field="stream")
    if name in HASHTAG_NAMES or name in PUBLIC_NAMES:
        return public_subscription(name=name, tags=tags)
    if name in USER_NAMES:
        if account is None:
            raise Unauthorized("the user stream needs an access token")
        if name == "user:notification":
            return Subscription((name,), frozenset({user_stream(account.id)}))
        followees = await session.scalars(
            select(Follow.followee_id).where(Follow.follower_id == account.id)
        )
        tag_keys = await session.scalars(
            select(Tag.key)
            .join(TagFollow, TagFollow.tag_id == Tag.id)
            .where(TagFollow.account_id == account.id)
        )
        streams = {account_stream(account.id), user_stream(account.id)}
        streams |= {account_stream(i) for i in followees}
        streams |= {tag_stream(k) for k in tag_keys}
        return Subscription((name,), frozenset(streams))
    raise Invalid(f"unknown stream {name!r}", field="stream")
