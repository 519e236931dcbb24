"""Record keys: atproto TIDs (specs/tid), 13 characters of base32-sortable, from the time in
microseconds and a random clock id, increasing within this process."""

from __future__ import annotations

import secrets
import threading
import time

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_lock = threading.Lock()
_last = 0
_clock = secrets.randbelow(1024)


def _encode(value: int) -> str:
    out = []
    for _ in range(13):
        out.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def next_tid() -> str:
    global _last
    with _lock:
        now = max(time.time_ns() // 1000, _last + 1)
        _last = now
    return _encode((now << 10) | _clock)
