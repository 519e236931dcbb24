"""The room's hashtag added to what people post, and the room's tags checked."""

from __future__ import annotations

import pytest

from hashchat.errors import Invalid
from hashchat.live.service import check_room_tags, with_room_tag


@pytest.mark.parametrize(
    ("text", "tag", "expected"),
    [
        ("hello", "edchat", "hello #edchat"),
        ("hello  \n", "edchat", "hello #edchat"),
        ("hello #edchat", "edchat", "hello #edchat"),
        ("#EdChat hello", "edchat", "#EdChat hello"),  # any spelling counts
        ("hello ＃edchat", "edchat", "hello ＃edchat"),  # a full-width hash is a hashtag too
        ("hello #edchats", "edchat", "hello #edchats #edchat"),  # a longer tag is another tag
        ("mail me@x.org#edchat", "edchat", "mail me@x.org#edchat #edchat"),  # not a hashtag
        ("A1: yes", "Café", "A1: yes #Café"),
        ("A1: yes #CAFE\u0301", "café", "A1: yes #CAFE\u0301"),  # NFKC + casefold
    ],
)
def test_the_room_tag_is_added_once(text: str, tag: str, expected: str) -> None:
    assert with_room_tag(text, tag) == expected


def test_room_tags_are_checked() -> None:
    assert check_room_tags(["edchat"]) == ["edchat"]
    assert check_room_tags(["EdChat, edchat ,#scichat"]) == ["EdChat", "scichat"]
    for bad, words in [([""], "at least one"), (["two words"], "not a hashtag"),
                       ([",".join(f"t{i}" for i in range(11))], "at most 10")]:  # fmt: skip
        with pytest.raises(Invalid) as caught:
            check_room_tags(bad)
        assert words in caught.value.message and caught.value.field == "tags"
