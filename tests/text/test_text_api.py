"""The hashchat.text API beyond the conformance suite: entities, tags, ranges, internals."""

from __future__ import annotations

import dataclasses
import re

import pytest

import hashchat.text as tt
from hashchat.text import _patterns as P
from hashchat.text._tld_data import CCTLDS, GTLDS


def test_normalize_tag_nfkc_and_casefold() -> None:
    assert tt.normalize_tag("ＣＡＦÉ") == "café"
    assert tt.normalize_tag("Café") == tt.normalize_tag("CAFE\u0301") == "café"
    assert tt.normalize_tag("Straße") == "strasse" == tt.normalize_tag("STRASSE")
    assert tt.normalize_tag("ﬁle") == "file"
    assert tt.normalize_tag("Ⅻ") == "xii"
    for tag in ("İstanbul", "ΣΊΣΥΦΟΣ", "ǅemal", "ＣＡＦÉ"):
        once = tt.normalize_tag(tag)
        assert tt.normalize_tag(once) == once


def test_extract_entities_sorted_and_kinds() -> None:
    text = "RT @bob/list: #tag at https://example.com/#frag, $TWTR and @alice"
    entities = tt.extract_entities(text)
    assert [(e.kind, e.text, e.list_slug) for e in entities] == [
        ("mention", "bob", "/list"),
        ("hashtag", "tag", ""),
        ("url", "https://example.com/#frag", ""),
        ("cashtag", "TWTR", ""),
        ("mention", "alice", ""),
    ]
    for e in entities:
        written = text[e.start : e.end]
        assert written.endswith(e.text + e.list_slug) or written == e.text
    assert [e.start for e in entities] == sorted(e.start for e in entities)


def test_hashtag_inside_url_is_dropped() -> None:
    text = "see http://example.com/#anchor"
    assert [e.kind for e in tt.extract_entities(text)] == ["url"]
    assert tt.extract_hashtags(text) == []


def test_indices_are_code_points() -> None:
    text = "😀😀 #tag @bob"
    tag, bob = tt.extract_entities(text)
    assert (tag.start, tag.end) == (3, 7) and text[tag.start : tag.end] == "#tag"
    assert text[bob.start : bob.end] == "@bob"


def test_entity_is_frozen() -> None:
    entity = tt.Entity("hashtag", "a", 0, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entity.start = 1  # type: ignore[misc]


def test_parse_text_ranges_are_utf16_inclusive() -> None:
    text = "😀" * 141 + "abc"  # v3: each emoji weighs 2, so 140 of them fit
    result = tt.parse_text(text)
    assert result.weighted_length == 285 and not result.valid
    assert result.display_range == (0, 2 * 141 + 3 - 1)
    assert result.valid_range == (0, 2 * 140 - 1)
    end = tt.utf16_to_index(text, result.valid_range[1])
    assert text[: end + 1] == "😀" * 140


def test_parse_text_url_weight_and_configs() -> None:
    text = "see https://example.com/" + "x" * 100
    assert tt.parse_text(text).weighted_length == 4 + 23
    assert tt.parse_text("日本", tt.V1).weighted_length == 2
    assert tt.parse_text("日本", tt.V2).weighted_length == 4
    assert tt.parse_text("👍🏽", tt.V2).weighted_length == 4
    assert tt.parse_text("👍🏽", tt.V3).weighted_length == 2


def test_empty_text_is_invalid() -> None:
    result = tt.parse_text("")
    assert (result.weighted_length, result.valid, result.display_range) == (0, False, (0, 0))
    assert not tt.is_valid_tweet_text("")


def test_is_valid_tweet_text() -> None:
    assert tt.is_valid_tweet_text("x" * 280)
    assert not tt.is_valid_tweet_text("x" * 281)
    assert tt.is_valid_tweet_text("x" * 140, tt.V1)
    assert not tt.is_valid_tweet_text("x\ufffe")


def test_is_valid_url_schemes() -> None:
    assert tt.is_valid_url("https://example.com/a?b#c")
    assert not tt.is_valid_url("javascript:alert(1)")
    assert not tt.is_valid_url("javascript://example.com/%0Aalert(1)")
    assert not tt.is_valid_url("example.com")
    assert tt.is_valid_url("example.com", require_protocol=False)
    assert tt.is_valid_url("http://☃.net/")
    assert not tt.is_valid_url("http://☃.net/", unicode_domains=False)


def test_extract_urls_without_protocol_option() -> None:
    text = "a.com and http://b.com"
    assert tt.extract_urls(text) == ["a.com", "http://b.com"]
    assert tt.extract_urls(text, extract_urls_without_protocol=False) == ["http://b.com"]


def test_url_lists_are_copies() -> None:
    first = tt.extract_urls_with_indices("x.com")
    first.clear()
    assert tt.extract_urls_with_indices("x.com") != []


# --- internals the port relies on ------------------------------------------------------------


def test_tld_alternation_means_the_plain_alternation() -> None:
    plain = re.compile(
        "(?:" + "|".join(map(re.escape, GTLDS + CCTLDS)) + ")(?=[^0-9a-zA-Z@+\\-]|\\Z)",
        re.IGNORECASE,
    )
    factored = re.compile(f"(?:{P.VALID_GTLD}|{P.VALID_CCTLD})")
    samples = [*GTLDS, *CCTLDS, "comx", "co.", "COM", "Com1", "嘉里大酒店x", "рф", "РФ", "ком"]
    for tld in samples:
        for text in (tld, tld + " ", tld + "-", tld + "é", tld[:-1]):
            expected = plain.match(text)
            got = factored.match(text)
            assert (got and got.group()) == (expected and expected.group()), text


def test_tld_prefilter_agrees_with_the_regex() -> None:
    from hashchat.text.extract import _tld_at

    tld = re.compile(f"(?:{P.VALID_GTLD}|{P.VALID_CCTLD}|{P.VALID_PUNYCODE})")
    for word in [*GTLDS, *CCTLDS, "xn--p1ai", "XN--P1AI", "xn--", "zz", "comm", "vermÖgensberater"]:
        for text in ("." + word, "." + word + "/", "." + word + "1", "." + word.upper() + "."):
            assert _tld_at(text, 1) == bool(tld.match(text, 1)), text


def test_non_domain_chars_complement_the_domain_chars() -> None:
    domain_char = re.compile(P._DOMAIN_CHAR)
    for code in range(0x10000):
        char = chr(code)
        assert (char in P.NON_DOMAIN_CHARS) == (
            not domain_char.match(char) and char not in "-_."
        ), hex(code)
