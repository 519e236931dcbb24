"""The hashtag extractor tries its pattern only just before each hash sign; it must find exactly
what a plain search of the whole text finds (twitter-text's definition), on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hashchat.text import _patterns as P
from hashchat.text.extract import extract_hashtags_with_indices

# The characters that make hashtags hard: both hash signs, the variation selectors (a boundary,
# and also part of a hashtag), a keycap, combining marks, Japanese and Thai, URLs, '&'.
PIECES = [*"##＃＃ab1_&é \n:/.-@ーー・日本\u0e01", "\ufe0e", "\ufe0f", "\u20e3", "\u0300",
          "\u200c", "😀", "://", "http://x.co/#a", "&#39;"]  # fmt: skip


def plain_search(text: str) -> list[tuple[str, int, int]]:
    found = []
    for match in P.VALID_HASHTAG.finditer(text):
        if not P.END_HASHTAG_MATCH.match(text, match.end()):
            found.append((match.group(3), match.start(2), match.end()))
    return found


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=20).map("".join))
def test_same_hashtags_as_a_plain_search(text: str) -> None:
    found = extract_hashtags_with_indices(text, check_url_overlap=False)
    assert [(e.text, e.start, e.end) for e in found] == plain_search(text)


def test_the_cases_that_a_naive_scan_gets_wrong() -> None:
    # Two signs in a row: one hashtag, found once.
    assert plain_search("＃＃1・日") == [("1・日", 1, 5)]
    assert [e.start for e in extract_hashtags_with_indices("＃＃1・日")] == [1]
    # A variation selector ends one (discarded) match and would be the next one's boundary:
    # the matches of a search never overlap, so there is no second hashtag.
    text = "x./.\ufe0f＃\ufe0e#a"
    assert plain_search(text) == []
    assert extract_hashtags_with_indices(text) == []
