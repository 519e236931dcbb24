"""Which Redis shard carries an event: a stable hash of its hashtag, so that every event of one
chat goes through one node, in order, and the chats spread over the nodes.

An event with several hashtags goes by the first of them in order of key, one without any by its
first stream (``public``, ``account:<id>``, ``user:<id>``): each event is published on exactly
one shard, so a process subscribed to every shard receives it once (docs/scaling.md says why
processes subscribe to every shard, not only to those their viewers watch).
"""

from __future__ import annotations

import zlib

from hashchat.realtime.events import Event


def shard_key(event: Event) -> str:
    tags = [s for s in event.streams if s.startswith("tag:")]
    if tags:
        return min(tags)
    return min(event.streams) if event.streams else str(event.id)


def shard_of(event: Event, shards: int) -> int:
    """The index, in ``0 .. shards - 1``, of the shard that carries ``event``: the same in every
    process and on every run (CRC-32 of the key, not Python's salted ``hash``)."""
    if shards <= 1:
        return 0
    return zlib.crc32(shard_key(event).encode()) % shards
