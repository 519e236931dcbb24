"""Weighted length and validity of texts (twitter-text ``parseTweet``) and other validators."""

from __future__ import annotations

import bisect
import itertools
import math
import re
import sys
import unicodedata
from dataclasses import dataclass

from . import _patterns as P
from .extract import (
    extract_hashtags,
    extract_mentions,
    extract_urls_with_indices,
    utf16_length,
)


@dataclass(frozen=True, slots=True)
class WeightRange:
    """Code points ``start``..``end`` (inclusive) weigh ``weight`` (in units of 1/scale)."""

    start: int
    end: int
    weight: int


@dataclass(frozen=True, slots=True)
class Config:
    """A twitter-text configuration (``config/v1.json`` ... ``v3.json``)."""

    version: int
    max_weighted_tweet_length: int
    scale: int
    default_weight: int
    transformed_url_length: int = 23
    ranges: tuple[WeightRange, ...] = ()
    emoji_parsing_enabled: bool = False


_CJK_LIGHT_RANGES = (
    WeightRange(0, 4351, 100),
    WeightRange(8192, 8205, 100),
    WeightRange(8208, 8223, 100),
    WeightRange(8242, 8247, 100),
)
#: 140 characters, every character weighs 1.
V1 = Config(version=1, max_weighted_tweet_length=140, scale=1, default_weight=1)
#: 280 weighted characters; Latin and some punctuation weigh 1, other characters 2.
V2 = Config(
    version=2,
    max_weighted_tweet_length=280,
    scale=100,
    default_weight=200,
    ranges=_CJK_LIGHT_RANGES,
)
#: As V2, and every emoji (sequence) weighs 2. The current configuration.
V3 = Config(
    version=3,
    max_weighted_tweet_length=280,
    scale=100,
    default_weight=200,
    ranges=_CJK_LIGHT_RANGES,
    emoji_parsing_enabled=True,
)


@dataclass(frozen=True, slots=True)
class ParsedText:
    """The result of :func:`parse_text` (twitter-text's ``ParseResults``).

    ``permillage`` is the weighted length in thousandths of the maximum. The two ranges are
    twitter-text's: UTF-16 code unit indices (as in JavaScript), both ends *inclusive*;
    ``display_range`` covers the whole text, ``valid_range`` the part that fits within the
    maximum weighted length and has no invalid characters. :func:`utf16_to_index` turns such
    an index into a Python string index.
    """

    weighted_length: int
    valid: bool
    permillage: int
    display_range: tuple[int, int]
    valid_range: tuple[int, int]


_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"  # native byte order
_INVALID_UNITS = frozenset((0xFFFE, 0xFEFF, 0xFFFF))
#: Code units that need a closer look when weighing: surrogates and invalid characters.
_SPECIAL_UNITS = frozenset(range(0xD800, 0xE000)) | _INVALID_UNITS
_SPECIAL_CHARS = re.compile("[\ud800-\udfff\U00010000-\U0010ffff\ufeff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class _Weigher:
    """The weights of all UTF-16 code units under a config."""

    #: ``table[unit]`` is the weight of code unit ``unit`` (0 to 0xFFFF).
    table: list[int]
    #: The weight of every ASCII character, if they all weigh the same.
    ascii_weight: int | None
    #: Whether no weight is negative (then the running total never decreases).
    monotonic: bool


_WEIGHERS: dict[Config, _Weigher] = {}


def _weigher(config: Config) -> _Weigher:
    weigher = _WEIGHERS.get(config)
    if weigher is None:
        table = [config.default_weight] * 0x10000
        for r in reversed(config.ranges):  # the first range that holds a unit counts
            start, end = max(r.start, 0), min(r.end, 0xFFFF)
            if start <= end:
                table[start : end + 1] = [r.weight] * (end + 1 - start)
        ascii_weights = set(table[:0x80])
        weigher = _Weigher(
            table=table,
            ascii_weight=ascii_weights.pop() if len(ascii_weights) == 1 else None,
            monotonic=min(table) >= 0,
        )
        _WEIGHERS[config] = weigher
    return weigher


def _utf16_units(text: str) -> list[int]:
    """The UTF-16 code units of ``text``."""
    if text.isascii():
        return list(text.encode("ascii"))
    return memoryview(text.encode(_UTF16, "surrogatepass")).cast("H").tolist()


def _utf16_index(astral: list[int], index: int) -> int:
    """The UTF-16 index of code point index ``index``, given the indices of the
    supplementary characters (two code units each) in the text."""
    return index + bisect.bisect_left(astral, index)


def _emoji_matches(text: str) -> list[tuple[int, str]]:
    """(start, text) of every emoji, as ``EMOJI.finditer`` (skipping non-candidates)."""
    found: list[tuple[int, str]] = []
    if text.isascii():
        return found  # only keycaps start with an ASCII character, and they need U+20E3
    search = P.EMOJI_CANDIDATE.search
    can_start = P.EMOJI_START.match
    match = P.EMOJI.match
    pos = 0
    while candidate := search(text, pos):
        start = candidate.start()
        emoji = match(text, start) if can_start(text, start) else None
        if emoji:
            found.append((start, emoji.group()))
            pos = emoji.end()
        else:
            pos = start + 1
    return found


def parse_text(text: str, config: Config = V3) -> ParsedText:
    """Weighted length and validity of ``text`` (twitter-text ``parseTweet``).

    The text is NFC-normalized first; each URL weighs ``transformed_url_length``, each
    emoji (with ``emoji_parsing_enabled``) the default weight, every other character the
    weight of its range. As in twitter-text, the text is walked in UTF-16 code units.
    (With a config whose weights are not multiples of its scale, ``weighted_length`` is
    rounded down.)
    """
    return _parse_text(text, config)[1]


def _parse_text(text: str, config: Config) -> tuple[float, ParsedText]:
    """:func:`parse_text`, and the weighted length unrounded."""
    normalized = unicodedata.normalize("NFC", text)
    units = _utf16_units(normalized)
    astral = None
    if len(units) != len(normalized):
        astral = [m.start() for m in P.ASTRAL_CHAR.finditer(normalized)]
    # Entities by UTF-16 start: (UTF-16 length of their text, weight). A URL and an emoji at
    # the same place: the URL counts.
    entities: dict[int, tuple[int, int]] = {}
    if config.emoji_parsing_enabled:
        for start, emoji in _emoji_matches(normalized):
            start = start if astral is None else _utf16_index(astral, start)
            entities[start] = (utf16_length(emoji), config.default_weight)
    url_weight = config.transformed_url_length * config.scale
    for url in extract_urls_with_indices(normalized):
        start = url.start if astral is None else _utf16_index(astral, url.start)
        entities[start] = (utf16_length(url.text), url_weight)
    entity_starts = sorted(entities)

    special = _SPECIAL_CHARS.search(normalized) is not None
    weigher = _weigher(config)
    table = weigher.table
    max_scaled = config.max_weighted_tweet_length * config.scale
    weighted = 0
    valid = True
    valid_display_index = 0  # the last code unit that still fits
    length = len(units)
    index = 0
    next_entity = 0
    while index < length:
        while next_entity < len(entity_starts) and entity_starts[next_entity] < index:
            next_entity += 1
        segment_end = entity_starts[next_entity] if next_entity < len(entity_starts) else length
        if segment_end == index:
            # An entity: its text's length is skipped; only its last unit is checked.
            skip, weight = entities[index]
            weighted += weight
            index += skip - 1
            if valid and index < length and units[index] in _INVALID_UNITS:
                valid = False
            if valid and weighted <= max_scaled:
                valid_display_index = index
            index += 1
            continue
        # Characters up to the next entity: at once if nothing in them needs a closer look.
        segment = units[index:segment_end]
        top = max(segment)
        if weigher.monotonic and (
            top < 0xD800 or not (special and any(map(_SPECIAL_UNITS.__contains__, segment)))
        ):
            # No surrogates, no invalid characters: each unit is a character, weights add up.
            if top < 0x80 and weigher.ascii_weight is not None:
                weight = weigher.ascii_weight
                total = weight * len(segment)
                if valid:
                    if weighted + total <= max_scaled:
                        valid_display_index = segment_end - 1
                    elif weighted + weight <= max_scaled:  # then weight > 0
                        valid_display_index = index + (max_scaled - weighted) // weight - 1
            else:
                weights = list(map(table.__getitem__, segment))
                total = sum(weights)
                if valid:
                    if weighted + total <= max_scaled:
                        valid_display_index = segment_end - 1
                    else:
                        totals = list(itertools.accumulate(weights, initial=weighted))
                        fitting = bisect.bisect_right(totals, max_scaled, lo=1) - 1
                        if fitting > 0:
                            valid_display_index = index + fitting - 1
            weighted += total
            index = segment_end
            continue
        while index < segment_end:  # one character at a time, as twitter-text does
            unit = units[index]
            if (
                0xD800 <= unit <= 0xDBFF
                and index + 1 < length
                and 0xDC00 <= units[index + 1] <= 0xDFFF
            ):
                index += 1  # a surrogate pair weighs as its low surrogate
                unit = units[index]
            weighted += table[unit]
            if valid and unit in _INVALID_UNITS:
                valid = False
            if valid and weighted <= max_scaled:
                valid_display_index = index
            index += 1

    # Floating point as in twitter-text, so that permillage rounds the same way.
    weighted_length = weighted / config.scale
    valid = valid and 0 < weighted_length <= config.max_weighted_tweet_length
    permillage = math.floor(weighted_length / config.max_weighted_tweet_length * 1000)
    text_units = utf16_length(text)
    valid_display_index += text_units - length  # offset of the normalization
    return weighted_length, ParsedText(
        weighted_length=math.floor(weighted_length),
        valid=valid,
        permillage=permillage,
        display_range=(0, text_units - 1 if text_units > 0 else 0),
        valid_range=(0, valid_display_index),
    )


def utf16_to_index(text: str, unit_index: int) -> int:
    """The Python string index of the character holding UTF-16 code unit ``unit_index``.

    Useful with :class:`ParsedText` ranges: ``text[: utf16_to_index(text, end) + 1]`` is
    the part of ``text`` up to and including the range's (inclusive) end.
    """
    if text.isascii():
        return unit_index
    units = 0
    for index, char in enumerate(text):
        units += 2 if char > "\uffff" else 1
        if units > unit_index:
            return index
    return len(text)


def has_invalid_characters(text: str) -> bool:
    """Whether ``text`` has a character twitter-text never allows (U+FFFE, U+FEFF, U+FFFF)."""
    return P.INVALID_CHARS.search(text) is not None


def is_valid_tweet_text(text: str, config: Config = V3) -> bool:
    """Whether ``text`` is non-empty, within the maximum weighted length, and has no invalid
    characters (twitter-text ``isValidTweetText``)."""
    if not text:
        return False
    if _parse_text(text, config)[0] > config.max_weighted_tweet_length:
        return False
    return not has_invalid_characters(text)


def is_valid_username(username: str) -> bool:
    """Whether ``username`` is exactly one mention, like ``@user_1``."""
    if not username:
        return False
    extracted = extract_mentions(username)
    return len(extracted) == 1 and extracted[0] == username[1:]


def is_valid_list(username_list: str) -> bool:
    """Whether ``username_list`` is exactly one list, like ``@user/list-name``."""
    match = P.VALID_LIST.search(username_list)
    return bool(match and match.group(1) == "" and match.group(4))


def is_valid_hashtag(hashtag: str) -> bool:
    """Whether ``hashtag`` is exactly one hashtag, like ``#tag``."""
    if not hashtag:
        return False
    extracted = extract_hashtags(hashtag)
    return len(extracted) == 1 and extracted[0] == hashtag[1:]


def _valid_match(string: str | None, pattern: re.Pattern[str], optional: bool = False) -> bool:
    """twitter-text's ``isValidMatch``: the first match of ``pattern`` is the whole string.

    A missing part is valid only if ``optional``, as is an empty one.
    """
    if string is None:
        return optional
    if optional and not string:
        return True
    # The first match is the whole string only if it starts at 0: ``match`` is ``search``
    # here, without trying (in vain, at length) every later start.
    match = pattern.match(string)
    return match is not None and match.group() == string


def is_valid_url(url: str, *, unicode_domains: bool = True, require_protocol: bool = True) -> bool:
    """Whether ``url`` is a valid http(s) URL (or, unless ``require_protocol``, a URL without
    protocol); ``unicode_domains`` allows non-ASCII domain names."""
    if not url:
        return False
    parts = P.VALIDATE_URL_UNENCODED.match(url)
    if not parts or parts.group() != url:
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if require_protocol and (
        scheme is None
        or not _valid_match(scheme, P.VALIDATE_URL_SCHEME)
        or not P.VALIDATE_URL_HTTP_SCHEME.search(scheme)
    ):
        return False
    if not (
        _valid_match(path, P.VALIDATE_URL_PATH)
        and _valid_match(query, P.VALIDATE_URL_QUERY, optional=True)
        and _valid_match(fragment, P.VALIDATE_URL_FRAGMENT, optional=True)
    ):
        return False
    authority_pattern = (
        P.VALIDATE_URL_UNICODE_AUTHORITY if unicode_domains else P.VALIDATE_URL_AUTHORITY
    )
    return _valid_match(authority, authority_pattern)
