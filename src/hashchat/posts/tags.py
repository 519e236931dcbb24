"""What a hashtag must be to be stored: one check for a post's hashtags, a followed tag and a
listed chat's, so that both databases refuse the same ones the same way.

``tags.name`` and ``tags.key`` are VARCHAR(140): PostgreSQL refuses a longer value (a 500, had
nobody checked) where SQLite would keep it. The key is the NFKC-casefolded name, which can be
longer than the name ("ﷺ" is one character and eighteen after NFKC).
"""

from __future__ import annotations

from hashchat.errors import Invalid
from hashchat.text import is_valid_hashtag, normalize_tag

MAX_TAG = 139
COLUMN = 140


def check_tag(name: str, *, field: str) -> tuple[str, str]:
    """(the hashtag as typed, without #; its key), or Invalid naming ``field``."""
    name = name.strip().lstrip("#")
    shown = name if len(name) <= 40 else name[:39] + "…"
    if not is_valid_hashtag("#" + name):
        raise Invalid(f"#{shown} is not a hashtag", field=field)
    key = normalize_tag(name)
    if len(name) > MAX_TAG or len(key) > COLUMN:
        raise Invalid(f"a hashtag has at most {MAX_TAG} characters (#{shown})", field=field)
    return name, key
