"""Regular expressions of twitter-text, ported to Python's ``re``.

The structure follows twitter-text 3.x (``js/src/regexp/*.js``; the Java ``Regex`` class has
the same pieces). Differences between JavaScript and Python regexes are dealt with here:

* JavaScript works on UTF-16 code units; Python on code points. The surrogate-pair parts of
  the JavaScript expressions (astral letters, emoji) are code point classes here, which
  match exactly what the pairs matched.
* JavaScript's ``$`` (without the ``m`` flag) is the end of the input; Python's ``$`` also
  matches before a final newline, so ``\\Z`` is used instead. JavaScript's ``\\s`` and ``.``
  have their own character sets, spelled out below.
* Python's case-insensitive matching equates some characters that JavaScript's keeps apart
  (KELVIN SIGN and ``k``, say). So where twitter-text matches case-insensitively, the
  classes here hold both cases (and the few extra characters that JavaScript adds); only the
  TLD alternations are case-insensitive, with the ASCII flag, ``(?ai:...)``, under which
  ASCII letters match both cases and nothing else, as in JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._emoji_data import EMOJI_FIRST, EMOJI_FIRST_ASTRAL, EMOJI_PATTERN
from ._hashtag_data import (
    HASHTAG_ALNUM,
    HASHTAG_ALNUM_ASTRAL,
    HASHTAG_ALPHA,
    HASHTAG_ALPHA_ASTRAL,
)
from ._tld_data import CCTLDS, GTLDS, TLD_CASE_VARIANTS

# --- character groups (bodies of character classes) ----------------------------------------

#: twitter-text ``spacesGroup``: Unicode White_Space.
SPACES_GROUP = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: What JavaScript's ``\s`` matches.
JS_WHITESPACE = r"\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
#: twitter-text ``invalidCharsGroup``.
INVALID_CHARS_GROUP = r"\ufffe\ufeff\uffff"
#: twitter-text ``directionalMarkersGroup``.
DIRECTIONAL_MARKERS_GROUP = r"\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
#: twitter-text ``punct`` (note: neither ``"`` nor a backquote).
PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]\^_{|}~$"
#: twitter-text ``latinAccentChars``.
LATIN_ACCENTS = (
    r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    r"\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
#: ``latinAccentChars`` as a JavaScript case-insensitive regex matches it: the characters
#: whose upper case is in the group join it.
LATIN_ACCENTS_I = (
    LATIN_ACCENTS
    + r"\u0260\u0269\u0275\u0280\u0283\u0288\u028a\u028c\u0292\u0399\u03b9\u1fbe"
    + r"\u2c65\u2c66\u2c7e\u2c7f\ua7dc"
)
#: twitter-text ``cyrillicLettersAndMarks``, and as matched case-insensitively.
CYRILLIC = r"\u0400-\u04ff"
CYRILLIC_I = CYRILLIC + r"\u1c80-\u1c87"
AT_SIGNS = "@\uff20"
HASH_SIGNS = "#\uff03"
#: All supplementary (astral) code points.
ASTRAL = "\U00010000-\U0010ffff"


def _char_class(bmp: str, astral: str) -> str:
    """A character class of the BMP part ``bmp`` and the supplementary part ``astral``.

    Python tests BMP members of a class in a table, but supplementary ranges one after the
    other: a class with hundreds of them makes every test slow. Here they are only tested
    for supplementary characters.
    """
    return f"(?:[{bmp}]|(?=[{ASTRAL}])[{astral}])"


# --- TLDs -----------------------------------------------------------------------------------


def _case_class(ch: str) -> str:
    """A regex for one TLD character inside ``(?ai:...)``: JavaScript's case-insensitive match.

    The ASCII and IGNORECASE flags make ASCII letters match both cases (and nothing else, as
    in JavaScript); a non-ASCII character gets a class of the characters JavaScript equates.
    """
    if ch.isascii():
        return re.escape(ch.lower())
    variants = TLD_CASE_VARIANTS.get(ch, "")
    return f"[{ch}{variants}]" if variants else ch


def _alternation(words: Sequence[str]) -> str:
    """``(?:w1|w2|...)``, factored by common prefixes, trying the words in the same order.

    A plain alternation of ~1,500 TLDs is slow in Python's engine; the factored one is equal
    in meaning: words whose first characters differ can never both match at one place, and
    a word that equals a shared prefix (the empty rest) keeps its place relative to the
    longer words. To be used inside ``(?ai:...)``.
    """
    buckets: list[tuple[str, list[str]]] = []  # (first-character regex, rests) or ("", [])
    open_buckets: dict[str, list[str]] = {}
    for word in words:
        if not word:
            buckets.append(("", []))
            open_buckets = {}  # later words must not jump ahead of the empty alternative
            continue
        key = _case_class(word[0])
        rests = open_buckets.get(key)
        if rests is None:
            rests = []
            open_buckets[key] = rests
            buckets.append((key, rests))
        rests.append(word[1:])
    parts = []
    for key, rests in buckets:
        if not key:
            parts.append("")
        elif rests == [""]:
            parts.append(key)
        else:
            parts.append(key + _alternation(rests))
    return "(?:" + "|".join(parts) + ")"


_TLD_END = r"(?=[^0-9a-zA-Z@+\-]|\Z)"
VALID_GTLD = f"(?:(?ai:{_alternation(GTLDS)}){_TLD_END})"
VALID_CCTLD = f"(?:(?ai:{_alternation(CCTLDS)}){_TLD_END})"
VALID_PUNYCODE = r"(?:[xX][nN]--[\-0-9a-zA-Z]+)"

# --- URLs (extraction) ----------------------------------------------------------------------

_DOMAIN_CHAR = f"[^{PUNCT}{SPACES_GROUP}{INVALID_CHARS_GROUP}{DIRECTIONAL_MARKERS_GROUP}]"
VALID_URL_PRECEDING_CHARS = (
    f"(?:[^A-Za-z0-9@\uff20$#\uff03{INVALID_CHARS_GROUP}]|[{DIRECTIONAL_MARKERS_GROUP}]|^)"
)
VALID_SUBDOMAIN = f"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
VALID_DOMAIN_NAME = f"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
VALID_DOMAIN = (
    f"(?:{VALID_SUBDOMAIN}*{VALID_DOMAIN_NAME}(?:{VALID_GTLD}|{VALID_CCTLD}|{VALID_PUNYCODE}))"
)
VALID_PORT_NUMBER = "[0-9]+"
VALID_GENERAL_URL_PATH_CHARS = (
    f"[a-zA-Z{CYRILLIC_I}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{LATIN_ACCENTS_I}]"
)
# Up to two nested levels of balanced parens: /Primer_(film), /S(dfd346)/, /a_(b_(c))/
VALID_URL_BALANCED_PARENS = (
    r"\((?:"
    f"{VALID_GENERAL_URL_PATH_CHARS}+"
    "|"
    f"(?:{VALID_GENERAL_URL_PATH_CHARS}*\\("
    f"{VALID_GENERAL_URL_PATH_CHARS}+\\){VALID_GENERAL_URL_PATH_CHARS}*)"
    r")\)"
)
# Valid end-of-path characters, so /foo. does not take the period. Spliced in without a group
# of its own, as twitter-text does: its "|" splits the enclosing group of VALID_URL_PATH.
VALID_URL_PATH_ENDING_CHARS = (
    f"[+\\-a-zA-Z{CYRILLIC_I}0-9=_#/{LATIN_ACCENTS_I}]|(?:{VALID_URL_BALANCED_PARENS})"
)
# Allow @ in a URL path, but only in the middle (http://example.com/@user/).
VALID_URL_PATH = (
    "(?:(?:"
    f"{VALID_GENERAL_URL_PATH_CHARS}*"
    f"(?:{VALID_URL_BALANCED_PARENS}{VALID_GENERAL_URL_PATH_CHARS}*)*"
    f"{VALID_URL_PATH_ENDING_CHARS}"
    f")|(?:@{VALID_GENERAL_URL_PATH_CHARS}+/))"
)
VALID_URL_QUERY_CHARS = r"[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
VALID_URL_QUERY_ENDING_CHARS = r"[a-zA-Z0-9\-_&=#/]"
_HTTP = "[hH][tT][tT][pP]"

#: Groups: 1 all, 2 preceding character, 3 URL, 4 protocol, 5 domain, 6 port, 7 path, 8 query.
EXTRACT_URL = re.compile(
    "("
    f"({VALID_URL_PRECEDING_CHARS})"
    "("
    f"({_HTTP}[sS]?://)?"
    f"({VALID_DOMAIN})"
    f"(?::({VALID_PORT_NUMBER}))?"
    f"(/{VALID_URL_PATH}*)?"
    f"(\\?{VALID_URL_QUERY_CHARS}*{VALID_URL_QUERY_ENDING_CHARS})?"
    ")"
    ")"
)
VALID_TCO_URL = re.compile(
    f"^{_HTTP}[sS]?://[tT]\\.[cC][oO]/([a-zA-Z0-9]+)"
    f"(?:\\?{VALID_URL_QUERY_CHARS}*{VALID_URL_QUERY_ENDING_CHARS})?"
)
#: The characters that cannot be part of a domain: all but domain characters, "-", "_", ".".
NON_DOMAIN_CHARS = frozenset(
    "!'#%&()*+,\\/:;<=>?@[]^{|}~$"  # PUNCT without "-", "_", "."
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2028\u2029\u202f\u205f\u3000"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\ufffe\ufeff\uffff"
    + "\u202a\u202b\u202c\u202d\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
)
NON_DOMAIN_CHAR = re.compile("[" + re.escape("".join(sorted(NON_DOMAIN_CHARS))) + "]")
INVALID_URL_WITHOUT_PROTOCOL_PRECEDING_CHARS = re.compile(r"[-_./]\Z")
VALID_ASCII_DOMAIN = re.compile(
    f"(?:(?:[\\-a-zA-Z0-9{LATIN_ACCENTS_I}]+)\\.)+(?:{VALID_GTLD}|{VALID_CCTLD}|{VALID_PUNYCODE})"
)
#: RFC 3490 label separators, as punycode.js's ``toASCII`` splits on them.
IDNA_SEPARATORS = re.compile("[.\u3002\uff0e\uff61]")
NON_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")

# --- hashtags -------------------------------------------------------------------------------

_HASHTAG_ALPHA = _char_class(HASHTAG_ALPHA, HASHTAG_ALPHA_ASTRAL)
_HASHTAG_ALNUM = _char_class(HASHTAG_ALNUM, HASHTAG_ALNUM_ASTRAL)
# JavaScript's ``codePoint`` (any code point, not a lone surrogate) as the last alternative.
HASHTAG_BOUNDARY = f"(?:^|\ufe0e|\ufe0f|\\Z|(?!{_HASHTAG_ALNUM}|&)[^\ud800-\udfff])"
#: Groups: 1 preceding boundary, 2 hash sign, 3 hashtag text.
VALID_HASHTAG = re.compile(
    f"({HASHTAG_BOUNDARY})([{HASH_SIGNS}])(?![\ufe0f\u20e3])"
    f"({_HASHTAG_ALNUM}*{_HASHTAG_ALPHA}{_HASHTAG_ALNUM}*)"
)
#: Where a hashtag can start: each hash sign (VALID_HASHTAG is tried just before it).
HASH_SIGN = re.compile(f"[{HASH_SIGNS}]")
#: Used with ``.match(text, end)``: what must not follow a hashtag.
END_HASHTAG_MATCH = re.compile(f"(?:[{HASH_SIGNS}]|://)")

# --- mentions, lists, replies ---------------------------------------------------------------

VALID_MENTION_PRECEDING_CHARS = (
    f"(?:^|[^a-zA-Z0-9_!#$%&*{AT_SIGNS}]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
)
_MENTION_OR_LIST = (
    f"({VALID_MENTION_PRECEDING_CHARS})"  # 1: preceding character
    f"([{AT_SIGNS}])"  # 2: at sign
    "([a-zA-Z0-9_]{1,20})"  # 3: screen name
    "(/[a-zA-Z][a-zA-Z0-9_-]{0,24})?"  # 4: list (optional)
)
VALID_MENTION_OR_LIST = re.compile(_MENTION_OR_LIST)
VALID_LIST = re.compile(f"^{_MENTION_OR_LIST}\\Z")
VALID_REPLY = re.compile(f"^(?:[{SPACES_GROUP}])*[{AT_SIGNS}]([a-zA-Z0-9_]{{1,20}})")
#: Used with ``.match(text, end)``: what must not follow a mention.
END_MENTION_MATCH = re.compile(f"(?:[{AT_SIGNS}]|[{LATIN_ACCENTS}]|://)")

# --- cashtags -------------------------------------------------------------------------------

#: Groups: 1 preceding space (or nothing), 2 dollar sign, 3 cashtag text.
VALID_CASHTAG = re.compile(
    f"(^|[{SPACES_GROUP}])(\\$)([a-zA-Z]{{1,6}}(?:[._][a-zA-Z]{{1,2}})?)"
    f"(?=\\Z|[{JS_WHITESPACE}]|[{PUNCT}])"
)

# --- characters, emoji ----------------------------------------------------------------------

INVALID_CHARS = re.compile(f"[{INVALID_CHARS_GROUP}]")
ASTRAL_CHAR = re.compile(f"[{ASTRAL}]")
EMOJI = re.compile(EMOJI_PATTERN)
#: Characters that may start an emoji (a superset, quick to search for).
EMOJI_CANDIDATE = re.compile(f"[#*0-9{EMOJI_FIRST}{ASTRAL}]")
#: Where an emoji can start: a keycap (digit, U+20E3) or a non-ASCII character of EMOJI_FIRST.
EMOJI_START = re.compile(
    f"[{EMOJI_FIRST}]|[#*0-9](?=\ufe0f?\u20e3)|(?=[{ASTRAL}])[{EMOJI_FIRST_ASTRAL}]"
)

# --- URL validation (isValidUrl) ------------------------------------------------------------

_UNRESERVED = f"[a-zA-Z{CYRILLIC_I}0-9\\-._~]"
_PCT_ENCODED = "(?:%[0-9a-fA-F]{2})"
_SUB_DELIMS = "[!$&'()*+,;=]"
_PCHAR = f"(?:{_UNRESERVED}|{_PCT_ENCODED}|{_SUB_DELIMS}|[:|@])"
_USERINFO = f"(?:{_UNRESERVED}|{_PCT_ENCODED}|{_SUB_DELIMS}|:)*"
_DEC_OCTET = "(?:[0-9]|(?:[1-9][0-9])|(?:1[0-9]{2})|(?:2[0-4][0-9])|(?:25[0-5]))"
_IPV4 = f"(?:{_DEC_OCTET}(?:\\.{_DEC_OCTET}){{3}})"
_IPV6 = r"(?:\[[a-fA-F0-9:.]+\])"
_IP = f"(?:{_IPV4}|{_IPV6})"
_SUBDOMAIN_SEGMENT = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9_\-]*[a-zA-Z0-9])?)"
_DOMAIN_SEGMENT = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)"
_DOMAIN_TLD = r"(?:[a-zA-Z](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)"
_DOMAIN = f"(?:(?:{_SUBDOMAIN_SEGMENT}\\.)*(?:{_DOMAIN_SEGMENT}\\.){_DOMAIN_TLD})"
_HOST = f"(?:{_IP}|{_DOMAIN})"
_NON_ASCII = r"[^\x00-\x7f]"
_U_SUBDOMAIN_SEGMENT = (
    f"(?:(?:[a-zA-Z0-9]|{_NON_ASCII})"
    f"(?:(?:[a-zA-Z0-9_\\-]|{_NON_ASCII})*(?:[a-zA-Z0-9]|{_NON_ASCII}))?)"
)
_U_DOMAIN_SEGMENT = (
    f"(?:(?:[a-zA-Z0-9]|{_NON_ASCII})"
    f"(?:(?:[a-zA-Z0-9\\-]|{_NON_ASCII})*(?:[a-zA-Z0-9]|{_NON_ASCII}))?)"
)
_U_DOMAIN_TLD = (
    f"(?:(?:[a-zA-Z]|{_NON_ASCII})"
    f"(?:(?:[a-zA-Z0-9\\-]|{_NON_ASCII})*(?:[a-zA-Z0-9]|{_NON_ASCII}))?)"
)
_U_DOMAIN = f"(?:(?:{_U_SUBDOMAIN_SEGMENT}\\.)*(?:{_U_DOMAIN_SEGMENT}\\.){_U_DOMAIN_TLD})"
_U_HOST = f"(?:{_IP}|{_U_DOMAIN})"
_PORT = "[0-9]{1,5}"

#: Groups: 1 scheme, 2 authority, 3 path, 4 query, 5 fragment. JavaScript's ``.`` in the
#: fragment does not match line terminators.
VALIDATE_URL_UNENCODED = re.compile(
    r"^(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#([^\n\r\u2028\u2029]*))?\Z"
)
VALIDATE_URL_SCHEME = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+\-.]*)")
VALIDATE_URL_HTTP_SCHEME = re.compile(f"^{_HTTP}[sS]?\\Z")
VALIDATE_URL_PATH = re.compile(f"(/{_PCHAR}*)*")
VALIDATE_URL_QUERY = re.compile(f"({_PCHAR}|/|\\?)*")
VALIDATE_URL_FRAGMENT = re.compile(f"({_PCHAR}|/|\\?)*")
VALIDATE_URL_AUTHORITY = re.compile(f"(?:({_USERINFO})@)?({_HOST})(?::({_PORT}))?")
VALIDATE_URL_UNICODE_AUTHORITY = re.compile(f"(?:({_USERINFO})@)?({_U_HOST})(?::({_PORT}))?")
