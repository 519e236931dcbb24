"""The table of how hashchat reads Q1/A1 labels, false positives included."""

from __future__ import annotations

import pytest

from hashchat.hosting.numbering import answer_number, question_number, without_label

ANSWERS = [
    # (text, answer number or None)
    ("A1 whiteboards", 1),
    ("A1: whiteboards", 1),
    ("A1) whiteboards", 1),
    ("A 1 whiteboards", 1),
    ("a1 - whiteboards", 1),
    ("A1. whiteboards", 1),
    ("A1- whiteboards", 1),
    ("A1 — whiteboards", 1),
    ("[A1] whiteboards", 1),
    ("(A2) chalk", 2),
    ("A1/Q1 both", 1),
    ("A12: twelve", 12),
    ("A1", 1),
    ("  A3: leading spaces", 3),
    ("@maya A1: replying with a mention", 1),
    ("@maya @tomas a2 to both", 2),
    ("#edchat A4 tag first", 4),
    ("＃edchat A5 full-width hash", 5),
    ("A1:no space after colon", 1),
    # false positives that must not count
    ("A1C levels matter", None),
    ("A4paper is standard", None),
    ("A123 too many digits", None),
    ("A0 there is no question zero", None),
    ("A1-grade beef", None),
    ("A 10-minute walk helps", None),
    ("A 5 minute break", None),
    ("A 2 hour drive", None),
    ("A 3 of us went", None),
    ("grade A1 answer", None),
    ("I said A1 earlier", None),
    ("AI will answer", None),
    ("Q1 is not an answer", None),
    ("Aardvark 1", None),
    ("A.1 dotted", None),
    ("", None),
]

QUESTIONS = [
    ("Q1: What do you revise first?", 1),
    ("Q2 what next", 2),
    ("q3) lower case", 3),
    ("Q 4 - spaced", 4),
    ("#writechat Q5: tag first", 5),
    ("[Q6] bracketed", 6),
    ("Qatar is a country", None),
    ("Q&A time!", None),
    ("Q1A typo glued", None),
    ("A1: not a question", None),
    ("Q100 out of range", None),
]


@pytest.mark.parametrize(("text", "expected"), ANSWERS)
def test_answers(text: str, expected: int | None) -> None:
    assert answer_number(text) == expected


@pytest.mark.parametrize(("text", "expected"), QUESTIONS)
def test_questions(text: str, expected: int | None) -> None:
    assert question_number(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Q1: What got you writing? #writechat", "What got you writing? #writechat"),
        ("q2 - Pens or keys?", "Pens or keys?"),
        ("@maya Q3) Where next?", "Where next?"),
        ("[Q4] Last one", "Last one"),
        ("Q5", "Q5"),  # nothing after the label: keep the post as it is
    ],
)
def test_the_question_without_its_label(text: str, words: str) -> None:
    assert without_label(text) == words
