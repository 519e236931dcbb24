"""Extraction of hashtags, mentions, lists, URLs and cashtags (twitter-text ``extract*``).

All indices are code point indices into the text (Python string indices): ``start`` is the
index of the ``#``, ``@``, ``$`` or the URL's first character, ``end`` is exclusive.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from . import _patterns as P
from ._tld_data import CCTLDS, GTLDS, TLD_CASE_VARIANTS

EntityKind = Literal["hashtag", "mention", "url", "cashtag"]

#: The longest URL (with an assumed ``https://`` when it has no protocol) twitter-text extracts.
MAX_URL_LENGTH = 4096
#: The longest t.co slug twitter-text extracts.
MAX_TCO_SLUG_LENGTH = 40
_DEFAULT_PROTOCOL = "https://"
#: At most this many characters of a URL match precede its domain: one before, "https://".
_MAX_URL_PREFIX = 1 + len("https://")
_MAX_DOMAIN_LABEL_LENGTH = 63


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity found in a text.

    ``text`` is the hashtag without its ``#``, the screen name without its ``@``, the URL as
    written, or the cashtag without its ``$``. A list (``@user/list-name``) is a mention
    whose ``list_slug`` is ``"/list-name"``; its ``end`` is after the slug. ``start`` and
    ``end`` are code point indices, ``end`` exclusive.
    """

    kind: EntityKind
    text: str
    start: int
    end: int
    list_slug: str = ""


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (JavaScript's ``string.length``)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- URLs -----------------------------------------------------------------------------------


def _punycode_to_ascii(label: str) -> str:
    """punycode.js ``toASCII`` of a domain label (RFC 3490 separators split it further)."""
    parts = P.IDNA_SEPARATORS.split(label)
    return ".".join(
        "xn--" + part.encode("punycode").decode("ascii")
        if P.NON_PRINTABLE_ASCII.search(part)
        else part
        for part in parts
    )


def _idna_to_ascii(domain: str) -> str | None:
    """twitter-text's lightweight IDNA check: ``None`` if a label is empty or too long.

    Like twitter-text, it returns the domain unchanged (not encoded) when it is valid.
    """
    if domain[:4] == "xn--" and not P.VALID_ASCII_DOMAIN.search(domain):
        return None  # a punycode-encoded domain cannot contain non-ASCII characters
    if not P.NON_PRINTABLE_ASCII.search(domain):  # nothing to encode: just the label lengths
        if all(1 <= len(label) <= _MAX_DOMAIN_LABEL_LENGTH for label in domain.split(".")):
            return domain
        return None
    for label in domain.split("."):
        encoded = _punycode_to_ascii(label)
        if not 1 <= len(encoded) <= _MAX_DOMAIN_LABEL_LENGTH:
            return None
    return domain


def _is_valid_url_length(url: str, protocol: str, domain: str) -> bool:
    encoded = _idna_to_ascii(domain)
    if not encoded:
        return False
    url_length = utf16_length(url) + utf16_length(encoded) - utf16_length(domain)
    return len(protocol) + url_length <= MAX_URL_LENGTH


# --- where a TLD can match (to skip text no URL can start in) ---------------------------------

_ASCII_TLDS = frozenset(w for w in GTLDS + CCTLDS if w.isascii())
_OTHER_TLDS: dict[str, list[str]] = {}  # TLDs with non-ASCII characters, by first character
for _word in GTLDS + CCTLDS:
    if not _word.isascii():
        _OTHER_TLDS.setdefault(_word[0], []).append(_word)
_CASE_CANONICAL = {v: k for k, vs in TLD_CASE_VARIANTS.items() for v in vs}
_ASCII_LETTERS = re.compile("[a-zA-Z]*")
_NOT_AFTER_TLD = (
    frozenset("0123456789@+-")
    | frozenset("abcdefghijklmnopqrstuvwxyz")
    | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
)
if not all(w.isalpha() for w in _ASCII_TLDS):  # _tld_at relies on it
    raise RuntimeError("an ASCII TLD with characters other than letters")
# Characters that can start a TLD other than an all-ASCII one (or a punycode "xn--").
_OTHER_TLD_FIRST = frozenset(
    "xX" + "".join(c + TLD_CASE_VARIANTS.get(c, "") + c.upper() for c in _OTHER_TLDS)
)
# A dot followed by ASCII letters that may be a TLD (group 1), or by another TLD's start.
_DOT_BEFORE_TLD = re.compile(
    "\\.(?:([a-zA-Z]+)(?![0-9a-zA-Z@+\\-])|(?=["
    + re.escape("".join(sorted(_OTHER_TLD_FIRST)))
    + "]))"
)


def _tld_char(char: str) -> str:
    """A character of the text as a TLD character it can match (JavaScript's ``/i``)."""
    return char.lower() if char.isascii() else _CASE_CANONICAL.get(char, char)


def _ends_tld(text: str, end: int) -> bool:
    """Whether a TLD may end at ``end``: not followed by a letter, digit, "@", "+" or "-"."""
    return end == len(text) or text[end] not in _NOT_AFTER_TLD


def _tld_at(text: str, pos: int) -> bool:
    """Whether twitter-text's ``(gTLD|ccTLD|punycode)`` can match at ``pos``.

    An ASCII TLD ends where the ASCII letters do (it must not be followed by a letter,
    digit, ``@``, ``+`` or ``-``), so it can only be that whole run of letters.
    """
    run = _ASCII_LETTERS.match(text, pos)
    end = run.end() if run else pos
    if end > pos and _ends_tld(text, end) and text[pos:end].lower() in _ASCII_TLDS:
        return True
    if (
        text[pos : pos + 4].isascii()
        and text[pos : pos + 4].lower() == "xn--"
        and pos + 4 < len(text)
    ):
        nxt = text[pos + 4]
        if nxt.isascii() and (nxt.isalnum() or nxt == "-"):
            return True
    if pos < len(text):
        for word in _OTHER_TLDS.get(_tld_char(text[pos]), ()):
            stop = pos + len(word)
            if (
                stop <= len(text)
                and all(_tld_char(c) == w for c, w in zip(text[pos:stop], word, strict=True))
                and _ends_tld(text, stop)
            ):
                return True
    return False


def _is_domain_char(char: str) -> bool:
    """Whether ``char`` is a domain character (twitter-text ``validDomainChars``)."""
    return char not in P.NON_DOMAIN_CHARS and char not in "-_."


class _DomainStarts:
    """Where the domain of a URL can start, for the dots of one run of domain characters.

    twitter-text's domain is ``subdomain* domainName TLD``: labels of domain characters,
    "-" and "_" (not "_" in the last one), each starting and ending with a domain character
    and followed by a dot, and the TLD after the last dot. ``lowest(dot)`` is the lowest
    index such a domain can start at if its TLD follows ``dot`` (at every domain character
    from there on one can), or None if none can.
    """

    def __init__(self, text: str, run_start: int) -> None:
        self.text = text
        self.run_start = run_start
        # dot -> the lowest start of whole subdomains ending with that dot (dot + 1: none)
        self.chains: dict[int, int] = {}

    def _label_start(self, dot: int) -> int:
        return max(self.text.rfind(".", self.run_start, dot) + 1, self.run_start)

    def _chain(self, dot: int) -> int:
        text = self.text
        passed = []  # dots whose chain is the one found
        while True:
            found = self.chains.get(dot)
            if found is not None:
                break
            start = self._label_start(dot)
            if start == dot or not _is_domain_char(text[dot - 1]):
                found = dot + 1  # no subdomain ends here
            elif not _is_domain_char(text[start]):
                found = start + 1  # a subdomain can start inside the label only
            elif start == self.run_start:
                found = start
            else:
                passed.append(dot)
                dot = start - 1  # the whole label is a subdomain: look further back
                continue
            self.chains[dot] = found
            break
        for dot in passed:
            self.chains[dot] = found
        return found

    def lowest(self, dot: int) -> int | None:
        text = self.text
        if dot == self.run_start or not _is_domain_char(text[dot - 1]):
            return None
        start = self._label_start(dot)
        underscore = text.rfind("_", start, dot)
        if underscore >= 0:
            return underscore + 1  # the domain name is all the domain; no subdomains
        if not _is_domain_char(text[start]):
            return start + 1
        return self._chain(start - 1) if start > self.run_start else start


def _url_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``EXTRACT_URL.finditer(text)``, found faster.

    A URL's domain ends in a TLD right after a dot, and lies within one run of domain
    characters, "-", "_" and "."; before it come at most the preceding character and
    "https://". So the regex is tried (in order, as ``finditer`` would) only from 9 characters
    before the lowest start of a domain that can end at a dot followed by a TLD, up to that
    dot. Everywhere else it would fail, after work that grows with the length of the run: on
    long texts without spaces (CJK, say), or on hostile ones, the plain ``finditer`` takes
    time quadratic in the length.
    """
    dots = []
    for dot in _DOT_BEFORE_TLD.finditer(text):
        letters = dot.group(1)
        after = dot.start() + 1
        if (letters is not None and letters.lower() in _ASCII_TLDS) or (
            text[after] in _OTHER_TLD_FIRST and _tld_at(text, after)
        ):
            dots.append(dot.start())
    if not dots:
        return
    spans: list[tuple[int, int]] = []  # where matches can start
    i = 0
    while i < len(dots):
        run_start = dots[i]
        while run_start > 0 and text[run_start - 1] not in P.NON_DOMAIN_CHARS:
            run_start -= 1
        starts = _DomainStarts(text, run_start)
        while True:
            lowest = starts.lowest(dots[i])
            if lowest is not None:
                spans.append((max(lowest - _MAX_URL_PREFIX, 0), dots[i]))
            i += 1
            if i == len(dots) or P.NON_DOMAIN_CHAR.search(text, dots[i - 1], dots[i]):
                break  # the next dot is in another run
    tried = 0  # the regex has been tried at (or a match has covered) all indices before
    for span_start, span_end in sorted(spans):
        start = max(tried, span_start)
        while start < span_end:
            match = P.EXTRACT_URL.match(text, start)
            if match:
                yield match
                start = match.end()
            else:
                start += 1
        tried = max(tried, start)


def extract_urls_with_indices(
    text: str, *, extract_urls_without_protocol: bool = True
) -> list[Entity]:
    """URLs in ``text``: with ``http(s)://``, and (by default) bare domains like ``t.co/x``."""
    if not text or ("." if extract_urls_without_protocol else ":") not in text:
        return []
    return list(_extract_urls(text, extract_urls_without_protocol))


@functools.lru_cache(maxsize=128)
def _extract_urls(text: str, extract_urls_without_protocol: bool) -> tuple[Entity, ...]:
    # Cached: parse_text and extract_entities (and hashtag extraction) of a text all need it.
    urls: list[Entity] = []
    for match in _url_matches(text):
        before, url, protocol, domain, path = match.group(2, 3, 4, 5, 7)
        end = match.end()
        start = end - len(url)
        if not _is_valid_url_length(url, protocol or _DEFAULT_PROTOCOL, domain):
            continue
        if not protocol:
            # Without a protocol only ASCII domains are extracted.
            if not extract_urls_without_protocol:
                continue
            if P.INVALID_URL_WITHOUT_PROTOCOL_PRECEDING_CHARS.search(before):
                continue
            last: Entity | None = None
            ascii_end = 0
            for ascii_match in P.VALID_ASCII_DOMAIN.finditer(domain):
                ascii_domain = ascii_match.group()
                ascii_start = domain.find(ascii_domain, ascii_end)
                ascii_end = ascii_start + len(ascii_domain)
                last = Entity("url", ascii_domain, start + ascii_start, start + ascii_end)
                urls.append(last)
            if last is None:
                continue
            if path:
                # The last domain found takes the URL's path and query.
                urls[-1] = Entity("url", url.replace(domain, last.text, 1), last.start, end)
        else:
            tco = P.VALID_TCO_URL.search(url)
            if tco:
                # A t.co URL takes no further path characters; its slug is limited.
                if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco.group()
                end = start + len(url)
            urls.append(Entity("url", url, start, end))
    return tuple(urls)


def extract_urls(text: str, *, extract_urls_without_protocol: bool = True) -> list[str]:
    """The URLs in ``text`` as written."""
    return [
        entity.text
        for entity in extract_urls_with_indices(
            text, extract_urls_without_protocol=extract_urls_without_protocol
        )
    ]


# --- hashtags -------------------------------------------------------------------------------


def remove_overlapping_entities(entities: Iterable[Entity]) -> list[Entity]:
    """Sort by start (stably) and drop every entity that overlaps the one kept before it."""
    kept: list[Entity] = []
    for entity in sorted(entities, key=lambda e: e.start):
        if kept and kept[-1].end > entity.start:
            continue
        kept.append(entity)
    return kept


def extract_hashtags_with_indices(text: str, *, check_url_overlap: bool = True) -> list[Entity]:
    """Hashtags in ``text`` (not those inside a URL, unless ``check_url_overlap`` is off)."""
    if not text or ("#" not in text and "\uff03" not in text):
        return []
    tags: list[Entity] = []
    # The pattern opens with a boundary (the start of the text, or one character) that a plain
    # search tries at every position, which cost most of a post's parsing. Trying it only just
    # before each hash sign finds the same hashtags: a match's sign is right after its boundary.
    # ``floor`` keeps the search's rule that matches never overlap.
    floor = 0
    for sign in P.HASH_SIGN.finditer(text):
        at = sign.start()
        start = at - 1 if at else 0
        if start < floor:
            continue
        match = P.VALID_HASHTAG.match(text, start)
        if match is None or match.start(2) != at:
            continue
        floor = match.end()
        if P.END_HASHTAG_MATCH.match(text, match.end()):
            continue
        tags.append(Entity("hashtag", match.group(3), match.start(2), match.end()))
    if check_url_overlap and tags:
        urls = extract_urls_with_indices(text)
        if urls:
            tags = [e for e in remove_overlapping_entities(tags + urls) if e.kind == "hashtag"]
    return tags


def extract_hashtags(text: str) -> list[str]:
    """The hashtags in ``text``, without their ``#``."""
    return [entity.text for entity in extract_hashtags_with_indices(text)]


# --- mentions and lists ---------------------------------------------------------------------


def extract_mentions_or_lists_with_indices(text: str) -> list[Entity]:
    """Mentions (``@user``) and lists (``@user/list``, with ``list_slug`` set) in ``text``."""
    if not text or ("@" not in text and "\uff20" not in text):
        return []
    found: list[Entity] = []
    for match in P.VALID_MENTION_OR_LIST.finditer(text):
        if P.END_MENTION_MATCH.match(text, match.end()):
            continue
        found.append(
            Entity("mention", match.group(3), match.start(2), match.end(), match.group(4) or "")
        )
    return found


def extract_mentions_with_indices(text: str) -> list[Entity]:
    """Mentions (``@user``, not lists) in ``text``."""
    return [e for e in extract_mentions_or_lists_with_indices(text) if not e.list_slug]


def extract_mentions(text: str) -> list[str]:
    """The screen names mentioned in ``text`` (lists excluded), without their ``@``."""
    return [entity.text for entity in extract_mentions_with_indices(text)]


def extract_reply_screen_name(text: str) -> str | None:
    """The screen name a text replies to: an ``@user`` at its start (after spaces only)."""
    if not text:
        return None
    match = P.VALID_REPLY.match(text)
    if not match or P.END_MENTION_MATCH.match(text, match.end()):
        return None
    return match.group(1)


# --- cashtags -------------------------------------------------------------------------------


def extract_cashtags_with_indices(text: str) -> list[Entity]:
    """Cashtags (``$TWTR``) in ``text``."""
    if not text or "$" not in text:
        return []
    return [
        Entity("cashtag", match.group(3), match.start(2), match.end(3))
        for match in P.VALID_CASHTAG.finditer(text)
    ]


def extract_cashtags(text: str) -> list[str]:
    """The cashtags in ``text``, without their ``$``."""
    return [entity.text for entity in extract_cashtags_with_indices(text)]


# --- all entities ---------------------------------------------------------------------------


def extract_entities(text: str) -> list[Entity]:
    """URLs, mentions and lists, hashtags and cashtags, sorted by start, overlaps removed.

    Where entities overlap (a hashtag inside a URL, say), the one starting first wins; at
    the same start, URLs win over mentions, mentions over hashtags, hashtags over cashtags.
    """
    entities = (
        extract_urls_with_indices(text)
        + extract_mentions_or_lists_with_indices(text)
        + extract_hashtags_with_indices(text, check_url_overlap=False)
        + extract_cashtags_with_indices(text)
    )
    return remove_overlapping_entities(entities) if entities else []


def normalize_tag(tag: str) -> str:
    """The key hashchat matches hashtags by: NFKC, case folded (and NFKC again).

    ``normalize_tag("ＣＡＦÉ") == "café"``, ``normalize_tag("Straße") == "strasse"``. The
    final NFKC makes it idempotent (case folding can leave text that is not normalized).
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())
