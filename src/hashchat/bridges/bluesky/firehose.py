"""A relay's or a PDS's firehose (``com.atproto.sync.subscribeRepos``), for self-hosted
networks: CBOR frames with the records in CAR blocks, decoded with the atproto SDK. It yields
what the Jetstream wires do (bridges/bluesky/events.py); its cursor is the source's sequence.
"""

from __future__ import annotations

from typing import Any

from atproto_client import models
from atproto_core.car import CAR
from atproto_firehose import parse_subscribe_repos_message
from atproto_subscription.frames import ErrorFrame, Frame

from hashchat.bridges.bluesky.events import (
    POST,
    AccountGone,
    HandleChanged,
    PostDeleted,
    PostMade,
    Seen,
    SourceError,
    Wanted,
    tag_keys,
)

PATH = "/xrpc/com.atproto.sync.subscribeRepos"


class Firehose:
    name = "firehose"

    def subscribe_url(self, base: str, cursor: int | None) -> str:
        url = base if base.rstrip("/").endswith(PATH) else base.rstrip("/") + PATH
        return f"{url}?cursor={cursor}" if cursor is not None else url

    def _message(self, raw: bytes) -> Any:
        frame = Frame.from_bytes(raw)
        if isinstance(frame, ErrorFrame):
            raise SourceError(f"{frame.body.error}: {frame.body.message}")
        return parse_subscribe_repos_message(frame)

    def decode(self, raw: bytes, wanted: Wanted) -> tuple[Seen, ...]:
        message = self._message(raw)
        if isinstance(message, models.ComAtprotoSyncSubscribeRepos.Commit):
            return self._commit(message, wanted)
        repos = models.ComAtprotoSyncSubscribeRepos
        known = getattr(message, "did", None) in wanted.dids
        if isinstance(message, repos.Identity) and known and message.handle:
            return (HandleChanged(message.did, message.handle),)
        if isinstance(message, repos.Account) and known and not message.active:
            return (AccountGone(message.did, message.status or "deactivated"),)
        return ()

    def _commit(self, commit: Any, wanted: Wanted) -> tuple[Seen, ...]:
        found: list[Seen] = []
        blocks = None
        for op in commit.ops:  # one commit may write several records
            collection, _, rkey = op.path.partition("/")
            if collection != POST:
                continue
            if op.action == "delete" and commit.repo in wanted.dids:
                found.append(PostDeleted(commit.repo, rkey))
            elif op.action == "create" and op.cid is not None:
                if blocks is None:
                    blocks = CAR.from_bytes(commit.blocks).blocks
                record = blocks.get(op.cid)
                if isinstance(record, dict) and tag_keys(record) & wanted.keys:
                    found.append(PostMade(commit.repo, rkey, _plain(record)))
        return tuple(found)

    def cursor_of(self, raw: bytes) -> int | None:
        seq = getattr(self._message(raw), "seq", None)
        return seq if isinstance(seq, int) else None

    def resume_from(self, cursor: int) -> int:
        return cursor  # the relay replays after it; what comes again is dropped


def _plain(value: Any) -> Any:
    """A record from CBOR as JSON would have it (CIDs and bytes as text)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
