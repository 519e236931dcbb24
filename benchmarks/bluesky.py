"""The Bluesky reader's decode-and-filter rate on one core, against the atproto SDK's own
Jetstream client on the same stream, in the same run.

    python -m benchmarks.bluesky [--events 200000] [--runs 5]

The stream: Jetstream events as the network sends them when nothing is filtered server-side,
mixed collections (likes, reposts, follows, posts with and without hashtags, deletions, identity
and account events), 1 % of them posts with a bridged chat's hashtag. Each side is handed the
frames as bytes, as a WebSocket gives them, and keeps the matching posts:

- hashchat, v1 and v2 wires (``bridges/bluesky/events.py``): byte checks, then orjson for the
  few frames that may matter;
- the SDK (``atproto_jetstream``, v2 only): its client's own frame decoding
  (``_decode_frame``: JSON, then its pydantic models), then the same hashtag test on the record.

Prints a Markdown table of events per second (best of ``--runs``).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

import orjson

from hashchat.bridges.bluesky.events import V1, V2, Wanted, tag_keys
from hashchat.bridges.bluesky.richtext import TAG

WORDS = [
    "the",
    "of",
    "tea",
    "garden",
    "chat",
    "today",
    "great",
    "question",
    "answer",
    "thanks",
    "morning",
    "coffee",
    "book",
]
OTHER_TAGS = ["art", "photography", "books", "nature", "music", "ttrpg", "gardening", "news"]
CHAT = "BlueChat"


def _did(rng: random.Random) -> str:
    return "did:plc:" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(24))


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _post(rng: random.Random, tags: list[str]) -> dict[str, Any]:
    text = _text(rng, rng.randint(5, 30))
    facets = []
    for tag in tags:
        start = len(text.encode()) + 1
        text += f" #{tag}"
        facets.append({"$type": "app.bsky.richtext.facet",
                       "index": {"byteStart": start, "byteEnd": start + len(tag.encode()) + 1},
                       "features": [{"$type": TAG, "tag": tag}]})  # fmt: skip
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text,
                              "createdAt": "2026-12-10T10:00:00.000Z", "langs": ["en"]}  # fmt: skip
    if facets:
        record["facets"] = facets
    return record


def events(count: int, seed: int = 5) -> list[tuple[str, str, str, str, dict[str, Any] | None]]:
    """(kind, did, collection, operation, record) for ``count`` events, 1 % matching."""
    rng = random.Random(seed)
    people = [_did(rng) for _ in range(5_000)]
    made: list[tuple[str, str, str, str, dict[str, Any] | None]] = []
    for i in range(count):
        did = rng.choice(people)
        roll = rng.random()
        if i % 100 == 0:  # 1 %: a post for the chat
            made.append(("commit", did, "app.bsky.feed.post", "create", _post(rng, [CHAT])))
        elif roll < 0.45:
            subject = {"uri": f"at://{rng.choice(people)}/app.bsky.feed.post/3k{i}", "cid": "bafy"}
            made.append(("commit", did, "app.bsky.feed.like", "create",
                         {"$type": "app.bsky.feed.like", "subject": subject,
                          "createdAt": "2026-12-10T10:00:00.000Z"}))  # fmt: skip
        elif roll < 0.55:
            made.append(("commit", did, "app.bsky.graph.follow", "create",
                         {"$type": "app.bsky.graph.follow", "subject": rng.choice(people),
                          "createdAt": "2026-12-10T10:00:00.000Z"}))  # fmt: skip
        elif roll < 0.63:
            subject = {"uri": f"at://{rng.choice(people)}/app.bsky.feed.post/3k{i}", "cid": "bafy"}
            made.append(("commit", did, "app.bsky.feed.repost", "create",
                         {"$type": "app.bsky.feed.repost", "subject": subject,
                          "createdAt": "2026-12-10T10:00:00.000Z"}))  # fmt: skip
        elif roll < 0.83:
            made.append(("commit", did, "app.bsky.feed.post", "create", _post(rng, [])))
        elif roll < 0.90:
            tags = rng.sample(OTHER_TAGS, rng.randint(1, 3))
            made.append(("commit", did, "app.bsky.feed.post", "create", _post(rng, tags)))
        elif roll < 0.98:
            collection = rng.choice(["app.bsky.feed.like", "app.bsky.feed.post"])
            made.append(("commit", did, collection, "delete", None))
        elif roll < 0.99:
            made.append(("identity", did, "", "", None))
        else:
            made.append(("account", did, "", "", None))
    return made


def frames_v1(made: list[Any]) -> list[bytes]:
    out = []
    for n, (kind, did, collection, operation, record) in enumerate(made):
        event: dict[str, Any] = {"did": did, "time_us": 1_765_000_000_000_000 + n, "kind": kind}
        if kind == "commit":
            body: dict[str, Any] = {"rev": f"3l{n:010d}", "operation": operation,
                                    "collection": collection, "rkey": f"3k{n:010d}"}  # fmt: skip
            if record is not None:
                body["record"], body["cid"] = record, f"bafyrei{n:030d}"
            event["commit"] = body
        elif kind == "identity":
            event["identity"] = {"did": did, "handle": "someone.bsky.social", "seq": n,
                                 "time": "2026-12-10T10:00:00.000Z"}  # fmt: skip
        else:
            event["account"] = {"active": True, "did": did, "seq": n,
                                "time": "2026-12-10T10:00:00.000Z"}  # fmt: skip
        out.append(orjson.dumps(event))
    return out


def frames_v2(made: list[Any]) -> list[bytes]:
    out = []
    prefix = "network.bsky.jetstream.subscribeEvents#"
    for n, (kind, did, collection, operation, record) in enumerate(made):
        payload: dict[str, Any] = {"$type": prefix + kind, "did": did, "seq": n + 1,
                                   "time": "2026-12-10T10:00:00.000000Z"}  # fmt: skip
        if kind == "commit":
            payload.update({"rev": f"3l{n:010d}", "operation": operation,
                            "collection": collection, "rkey": f"3k{n:010d}"})  # fmt: skip
            if record is not None:
                payload["record"], payload["cid"] = record, f"bafyrei{n:030d}"
        elif kind == "identity":
            payload["identity"] = {"did": did, "handle": "someone.bsky.social", "seq": n,
                                   "time": "2026-12-10T10:00:00.000Z"}  # fmt: skip
        else:
            payload["account"] = {"active": True, "did": did, "seq": n,
                                  "time": "2026-12-10T10:00:00.000Z"}  # fmt: skip
        out.append(orjson.dumps({"$type": "message", "payload": payload}))
    return out


def hashchat_reader(wire: V1 | V2) -> Callable[[], Callable[[bytes, Wanted], int]]:
    def make() -> Callable[[bytes, Wanted], int]:
        return lambda raw, wanted: len(wire.decode(raw, wanted))

    return make


def sdk_reader() -> Callable[[bytes, Wanted], int]:
    """The SDK's Jetstream client decoding a frame as it does off the socket, then the same
    hashtag test on what it decoded."""
    from atproto_jetstream import AsyncJetstreamClient

    client = AsyncJetstreamClient(params={"collections": ["app.bsky.feed.post"]})
    client._compression = None  # frames come uncompressed (no zstdDictionary asked for)

    def read(raw: bytes, wanted: Wanted) -> int:
        message = client._decode_frame(raw)
        record = getattr(message, "record", None)
        if getattr(message, "collection", None) != "app.bsky.feed.post" or record is None:
            return 0
        data = record if isinstance(record, dict) else record.model_dump(by_alias=True)
        return 1 if tag_keys(data) & wanted.keys else 0

    return read


Reader = Callable[[bytes, Wanted], int]


def measure(frames: list[bytes], make: Callable[[], Reader], runs: int) -> tuple[float, int]:
    """Events per second (best run) and how many were kept; a fresh reader each run (the SDK's
    client drops what it has seen, by sequence)."""
    wanted = Wanted(frozenset({CHAT.lower()}), frozenset())
    best = float("inf")
    kept = 0
    for _ in range(runs):
        read = make()
        start = time.process_time()
        kept = sum(read(raw, wanted) for raw in frames)
        best = min(best, time.process_time() - start)
    return len(frames) / best, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    made = events(args.events)
    v1, v2 = frames_v1(made), frames_v2(made)
    size = sum(map(len, v1)) / len(v1)
    rows: list[tuple[str, list[bytes], Callable[[], Reader]]] = [
        ("hashchat, Jetstream v1 (/subscribe)", v1, hashchat_reader(V1())),
        ("hashchat, Jetstream v2 (subscribeEvents)", v2, hashchat_reader(V2())),
        ("atproto SDK AsyncJetstreamClient (v2)", v2, sdk_reader),
    ]  # fmt: skip
    print(f"{args.events:,} events ({size:.0f} bytes each on average), 1 % for the chat; "
          f"best of {args.runs}, CPU time of one core\n")  # fmt: skip
    print("| reader | events/s | kept |")
    print("| --- | ---: | ---: |")
    for name, frames, make in rows:
        rate, kept = measure(frames, make, args.runs)
        print(f"| {name} | {rate:,.0f} | {kept:,} |")


if __name__ == "__main__":
    main()
