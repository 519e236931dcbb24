"""Jetstream's frames, filtered before they are decoded: what hashchat keeps of the network.

Jetstream speaks JSON, one event a frame: the original wire (``/subscribe``, "v1") and v2
(``/xrpc/network.bsky.jetstream.subscribeEvents``, each event a ``{"$type": "message",
"payload": ...}`` frame). Nearly every event is of no interest (other collections, posts
without a chat's hashtag, people no post here comes from), so a frame is first looked at as
bytes: a post that carries a hashtag has a tag facet (``facet#tag``) or a ``"tags"`` list; a
deletion says ``"delete"``; an identity or account change names its kind. Only those are
decoded (orjson), and only posts whose hashtags (NFKC + casefold) are a bridged chat's, and
deletions, handle changes and takedowns of people whose posts are stored here, come out.

The cursor of a frame is read only when it is needed (a write, a reconnect): the reader keeps
the last frame it has looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import orjson

from hashchat.bridges.bluesky import richtext
from hashchat.text import normalize_tag

POST = "app.bsky.feed.post"
V2_PATH = "/xrpc/network.bsky.jetstream.subscribeEvents"
V2_TYPE = "network.bsky.jetstream.subscribeEvents#"
# A v1 cursor is in microseconds: resuming this much earlier, then dropping what is stored,
# loses nothing an instance may have indexed out of order (Jetstream's README).
REWIND_US = 5_000_000


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the reader keeps: posts with these hashtag keys; deletions, handle changes and
    takedowns of these people (whose posts are stored here)."""

    keys: frozenset[str]
    dids: frozenset[str]


@dataclass(frozen=True, slots=True)
class PostMade:
    did: str
    rkey: str
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PostDeleted:
    did: str
    rkey: str


@dataclass(frozen=True, slots=True)
class HandleChanged:
    did: str
    handle: str


@dataclass(frozen=True, slots=True)
class AccountGone:
    """Taken down, deactivated, deleted or suspended: their posts are hidden here."""

    did: str
    status: str


Seen = PostMade | PostDeleted | HandleChanged | AccountGone


class SourceError(Exception):
    """The source said something went wrong (an error frame): reconnect."""


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST}/{rkey}"


def post_url(did: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{did}/post/{rkey}"


def _interesting(raw: bytes) -> bool:
    return (
        b"facet#tag" in raw
        or b'"tags"' in raw
        or b'"delete"' in raw
        or b'"identity"' in raw
        or b'"account"' in raw
        or b'"error"' in raw
    )


def tag_keys(record: dict[str, Any]) -> set[str]:
    return {normalize_tag(t) for t in richtext.hashtags(record)}


def _commit(
    did: object, operation: object, collection: object, rkey: object, record: object, w: Wanted
) -> Seen | None:
    if collection != POST or not isinstance(did, str) or not isinstance(rkey, str):
        return None
    if operation == "create" and isinstance(record, dict):
        if tag_keys(record) & w.keys:
            return PostMade(did, rkey, record)
    elif operation == "delete" and did in w.dids:
        return PostDeleted(did, rkey)
    return None


def _identity(did: object, body: object, w: Wanted) -> Seen | None:
    if isinstance(did, str) and did in w.dids and isinstance(body, dict):
        handle = body.get("handle")
        if isinstance(handle, str) and handle:
            return HandleChanged(did, handle)
    return None


def _account(did: object, body: object, w: Wanted) -> Seen | None:
    gone = isinstance(body, dict) and body.get("active") is False
    if isinstance(did, str) and did in w.dids and isinstance(body, dict) and gone:
        return AccountGone(did, str(body.get("status") or "deactivated"))
    return None


class Wire(Protocol):
    """How one kind of source is spoken: where to subscribe from a cursor, what a frame holds
    (nothing, for nearly all of them), the cursor a frame stands at, and where to resume."""

    name: str

    def subscribe_url(self, base: str, cursor: int | None) -> str: ...
    def decode(self, raw: bytes, wanted: Wanted) -> tuple[Seen, ...]: ...
    def cursor_of(self, raw: bytes) -> int | None: ...
    def resume_from(self, cursor: int) -> int: ...


class V1:
    """The original wire: ``/subscribe``, cursor in unix microseconds."""

    name = "jetstream"

    def subscribe_url(self, base: str, cursor: int | None) -> str:
        query: dict[str, object] = {"wantedCollections": POST}
        if cursor is not None:
            query["cursor"] = cursor
        return f"{base}?{urlencode(query)}"

    def decode(self, raw: bytes, wanted: Wanted) -> tuple[Seen, ...]:
        if not _interesting(raw):
            return ()
        found = self._decode(orjson.loads(raw), wanted)
        return (found,) if found is not None else ()

    def _decode(self, event: Any, wanted: Wanted) -> Seen | None:
        if not isinstance(event, dict):
            return None
        kind = event.get("kind")
        if kind == "commit":
            commit = event.get("commit")
            if not isinstance(commit, dict):
                return None
            return _commit(
                event.get("did"),
                commit.get("operation"),
                commit.get("collection"),
                commit.get("rkey"),
                commit.get("record"),
                wanted,
            )
        if kind == "identity":
            return _identity(event.get("did"), event.get("identity"), wanted)
        if kind == "account":
            return _account(event.get("did"), event.get("account"), wanted)
        if "error" in event and "did" not in event:
            raise SourceError(str(event.get("error")))
        return None

    def cursor_of(self, raw: bytes) -> int | None:
        value = orjson.loads(raw).get("time_us")
        return value if isinstance(value, int) else None

    def resume_from(self, cursor: int) -> int:
        return max(0, cursor - REWIND_US)


class V2:
    """Jetstream v2: ``/xrpc/network.bsky.jetstream.subscribeEvents``, a per-instance sequence
    cursor (replayed inclusively), each event a ``message`` frame."""

    name = "jetstream2"

    def subscribe_url(self, base: str, cursor: int | None) -> str:
        query: dict[str, object] = {"collections": POST}
        if cursor is not None:
            query["cursor"] = cursor
        return f"{base}?{urlencode(query)}"

    def decode(self, raw: bytes, wanted: Wanted) -> tuple[Seen, ...]:
        if not _interesting(raw):
            return ()
        found = self._decode(orjson.loads(raw), wanted)
        return (found,) if found is not None else ()

    def _decode(self, frame: Any, wanted: Wanted) -> Seen | None:
        if not isinstance(frame, dict):
            return None
        if frame.get("$type") == "error":
            raise SourceError(f"{frame.get('error')}: {frame.get('message')}")
        event = frame.get("payload")
        if not isinstance(event, dict):
            return None
        kind = str(event.get("$type", "")).removeprefix(V2_TYPE)
        if kind == "commit":
            return _commit(
                event.get("did"),
                event.get("operation"),
                event.get("collection"),
                event.get("rkey"),
                event.get("record"),
                wanted,
            )
        if kind == "identity":
            return _identity(event.get("did"), event.get("identity"), wanted)
        if kind == "account":
            return _account(event.get("did"), event.get("account"), wanted)
        return None

    def cursor_of(self, raw: bytes) -> int | None:
        payload = orjson.loads(raw).get("payload")
        value = payload.get("seq") if isinstance(payload, dict) else None
        return value if isinstance(value, int) else None

    def resume_from(self, cursor: int) -> int:
        return cursor  # inclusive: the last event stored comes again and is dropped


def wire_for(url: str) -> V1 | V2:
    """The wire spoken at ``url``, by its path (v2's XRPC method, else the original)."""
    return V2() if urlsplit(url).path.rstrip("/").endswith(V2_PATH) else V1()


def created_at(record: dict[str, Any], fallback: datetime) -> datetime:
    value = record.get("createdAt")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback
