"""Reading "Q1" and "A1" in posts, the way people write them in hashtag chats.

A post is question *n* when it opens with ``Qn`` and answer *n* when it opens with ``An``,
after any leading @mentions or #hashtags (replies open with a mention): "A1", "A1:", "A1)",
"A 1", "a1 -", "[A1]", "A1/Q1" all count. What does not: a letter or digit glued on after the
number ("A1C", "A4paper", "A123"), a hyphenated word ("A1-grade", "A 10-minute walk"), a space
form followed by a unit ("A 5 minute break"), anything not at the start ("grade A1"), and
other letters ("Qatar", "AI"). tests/hosting/test_numbering.py is the table of cases.
"""

from __future__ import annotations

import re

_LEAD = r"^\s*(?:[@#＃][^\s]+\s+)*[\[(]?"
_AFTER = r"(?=$|\s|[:.)\]/,;!?]|[-–—](?!\w))"  # end of the label: not glued to a word
_UNITS = (
    r"(?:min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?|months?|years?|secs?|seconds?|percent|"
    r"pm|am|times?|of|out|in|or|and|to|x)\b"
)
_PATTERN = re.compile(
    _LEAD + r"(?P<letter>[QqAa])(?P<space>\s?)(?P<n>\d{1,2})" + _AFTER, re.IGNORECASE
)
# "A 5 minute break" reads as a sentence, not as answer 5; "A5 minute details" still counts.
_UNIT_NEXT = re.compile(r"\s+" + _UNITS, re.IGNORECASE)
MAX_NUMBER = 99


def _label(text: str, letter: str) -> int | None:
    match = _PATTERN.match(text)
    if match is None or match.group("letter").upper() != letter:
        return None
    if match.group("space") and _UNIT_NEXT.match(text, match.end()):
        return None
    number = int(match.group("n"))
    return number if 1 <= number <= MAX_NUMBER else None


def question_number(text: str) -> int | None:
    """n when the post opens as question n ("Q3: ..."), else None."""
    return _label(text, "Q")


def answer_number(text: str) -> int | None:
    """n when the post opens as an answer to question n ("A3 - ..."), else None."""
    return _label(text, "A")


def without_label(text: str) -> str:
    """The question's own words: "Q3: What now? #chat" -> "What now? #chat" (leading mentions,
    the label and the punctuation after it dropped)."""
    match = _PATTERN.match(text)
    if match is None:
        return text.strip()
    rest = text[match.end() :].lstrip(" \t:.)]/,;-–—")
    return rest.strip() or text.strip()
