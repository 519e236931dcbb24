"""What may stay in a line of text people type (a display name, a bio, a chat's title).

Control characters go (NUL, escape, a stray carriage return) and so do the bidirectional
overrides, which turn the rest of a line around. Format characters stay: an emoji sequence needs
its zero-width joiners (the family emoji) and its tag characters (the flag of England), and
post text keeps them too.
"""

from __future__ import annotations

import unicodedata

#: LRE, RLE, PDF, LRO, RLO: embeddings and overrides that run on past the text they are in.
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")


def _kept(char: str, keep: str) -> bool:
    if char in keep:
        return True
    if char in BIDI_OVERRIDES:
        return False
    return unicodedata.category(char) not in ("Cc", "Cs")


def strip_controls(text: str, *, keep: str = "") -> str:
    """``text`` without control characters (except those in ``keep``, such as a newline) and
    without bidirectional overrides; every other character, format characters included."""
    return "".join(c for c in text if _kept(c, keep))
