"""Regenerate the data modules of hashchat.text (not a test; run it by hand).

    python tests/text/regenerate_data.py

It needs node and npm. It installs the reference packages into a temporary directory,
dumps their data with node, and rewrites:

* ``_hashtag_data.py``: twitter-text's hashtag letter/number classes, enumerated code point by
  code point through its own (case-insensitive) regexes;
* ``_tld_data.py``: twitter-text's gTLD and ccTLD lists, and for each non-ASCII TLD character
  the characters JavaScript's case-insensitive matching equates with it;
* ``_emoji_data.py``: Twemoji's emoji regex, rewritten from surrogate pairs to code points,
  and the set of characters a match can start with.

Then run the conformance suite, and ``ruff format`` on the modules.
"""

from __future__ import annotations

import json
import os
import re
import re._constants as C  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TWITTER_TEXT = "twitter-text@3.1.0"
TWEMOJI_PARSER = "@twemoji/parser@17.0.2"
OUT = Path(__file__).resolve().parents[2] / "src/hashchat/text"

DUMP_JS = r"""
const R = require('twitter-text/dist/regexp'); const r = R.default || R;
const emoji = require('@twemoji/parser/dist/lib/regex').default;
function enumerate(src, flags) {
  const re = new RegExp('^(?:' + src + ')$', flags);
  const out = [];
  for (let cp = 0; cp <= 0x10FFFF; cp++) {
    const s = (cp >= 0xD800 && cp <= 0xDFFF) ? String.fromCharCode(cp) : String.fromCodePoint(cp);
    if (re.test(s)) out.push(cp);
  }
  return out;
}
function tlds(src) {
  const m = /^\(\?:\(\?:(.*)\)\(\?=\[\^0-9a-zA-Z@\+-\]\|\$\)\)$/.exec(src);
  if (!m) throw new Error('unexpected TLD source ' + src.slice(-60));
  return m[1].split('|');
}
const gtld = tlds(r.validGTLD.source), cctld = tlds(r.validCCTLD.source);
const chars = new Set();
for (const t of gtld.concat(cctld)) for (const c of t) if (c.charCodeAt(0) > 127) chars.add(c);
const closure = {};
for (const c of chars) {
  const re = new RegExp('^' + c + '$', 'i'); const eq = [];
  for (let u = 0; u < 0x10000; u++) {
    const s = String.fromCharCode(u); if (s !== c && re.test(s)) eq.push(s);
  }
  if (eq.length) closure[c] = eq.join('');
}
if (r.validHashtag.flags !== 'gi' || emoji.flags !== 'g') throw new Error('unexpected flags');
process.stdout.write(JSON.stringify({
  hashtag_alpha: enumerate(r.hashtagAlpha.source, 'i'),
  hashtag_alnum: enumerate(r.hashtagAlphaNumeric.source, 'i'),
  gtld, cctld, tld_case_closure: closure, emoji_source: emoji.source,
}));
"""

HEADER = '''"""{doc}

GENERATED DATA -- do not edit by hand (tests/text/regenerate_data.py writes it).
"""

'''


def dump() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                tmp,
                "--no-audit",
                "--no-fund",
                TWITTER_TEXT,
                TWEMOJI_PARSER,
            ],
            check=True,
        )
        script = Path(tmp) / "dump.js"
        script.write_text(DUMP_JS, encoding="utf-8")
        out = subprocess.run(
            ["node", str(script)],
            check=True,
            capture_output=True,
            cwd=tmp,
            env={"NODE_PATH": str(Path(tmp) / "node_modules"), "PATH": os.environ.get("PATH", "")},
        )
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def esc(cp: int) -> str:
    char = chr(cp)
    if cp < 0x80 and char.isalnum():
        return char
    if cp < 0x100:
        return f"\\x{cp:02x}"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def class_body(cps: Iterable[int]) -> str:
    """A regex character class body (no brackets) of the code points, as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(cps):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = []
    for a, b in ranges:
        parts.append(esc(a) if a == b else esc(a) + esc(b) if b == a + 1 else f"{esc(a)}-{esc(b)}")
    return "".join(parts)


def wrap_raw(name: str, body: str, width: int = 90) -> str:
    """``NAME = (r"..." r"...")`` in lines that split no escape."""
    tokens = re.findall(r"\\U[0-9a-f]{8}|\\u[0-9a-f]{4}|\\x[0-9a-f]{2}|\\.|.", body, re.S)
    lines, current = [], ""
    for token in tokens:
        if len(current) + len(token) > width and token != "-" and not current.endswith("-"):
            lines.append(current)
            current = ""
        current += token
    if current:
        lines.append(current)
    inner = "\n".join(f'    r"{line}"' for line in lines)
    return f"{name} = (\n{inner}\n)\n"


def display_width(text: str) -> int:
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def words_src(name: str, words: list[str], width: int = 80) -> str:
    lines, current = [], ""
    for word in words:
        if " " in word or '"' in word:
            raise ValueError(word)
        if current and display_width(current) + 1 + display_width(word) > width:
            lines.append(current)
            current = ""
        current = f"{current} {word}" if current else word
    lines.append(current)
    body = "\n".join("    " + line for line in lines)
    return f'_{name} = """\n{body}\n"""\n{name}: tuple[str, ...] = tuple(_{name}.split())\n'


def js_to_codepoints(js: str) -> str:
    """Rewrite a JavaScript regex source over UTF-16 (surrogate pairs) into a Python pattern
    over code points. Handles the shapes Twemoji's generated regex uses: a high surrogate
    followed by a low surrogate or by a class of low surrogates."""
    tokens: list[tuple[Any, ...]] = []  # ("u", unit) | ("cls", negated, [(lo, hi)]) | ("s", text)
    i = 0

    def unit_at(j: int) -> tuple[int, int]:
        if js.startswith("\\u", j):
            return int(js[j + 2 : j + 6], 16), j + 6
        if js[j] == "\\":
            return ord(js[j + 1]), j + 2
        return ord(js[j]), j + 1

    while i < len(js):
        if js.startswith("\\u", i):
            tokens.append(("u", int(js[i + 2 : i + 6], 16)))
            i += 6
        elif js[i] == "\\":
            tokens.append(("s", js[i : i + 2]))
            i += 2
        elif js[i] == "[":
            j = i + 1
            negated = js[j] == "^"
            j += negated
            items = []
            while js[j] != "]":
                low, j = unit_at(j)
                high = low
                if js[j] == "-" and js[j + 1] != "]":
                    high, j = unit_at(j + 1)
                items.append((low, high))
            tokens.append(("cls", negated, items))
            i = j + 1
        else:
            tokens.append(("s", js[i]))
            i += 1

    def is_high(u: int) -> bool:
        return 0xD800 <= u <= 0xDBFF

    def is_low(u: int) -> bool:
        return 0xDC00 <= u <= 0xDFFF

    def pair(h: int, low: int) -> int:
        return 0x10000 + ((h - 0xD800) << 10) + (low - 0xDC00)

    def lit(u: int) -> str:
        return esc(u) if u > 0x7F or chr(u).isalnum() else "\\" + chr(u)

    out = []
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if token[0] == "u" and is_high(token[1]):
            nxt = tokens[k + 1]
            if nxt[0] == "u" and is_low(nxt[1]):
                out.append(esc(pair(token[1], nxt[1])))
            elif nxt[0] == "cls" and not nxt[1] and all(is_low(a) and is_low(b) for a, b in nxt[2]):
                body = "".join(
                    esc(pair(token[1], a)) + ("" if a == b else "-" + esc(pair(token[1], b)))
                    for a, b in nxt[2]
                )
                out.append(f"[{body}]")
            else:
                raise ValueError(f"unpaired high surrogate at token {k}: {nxt!r}")
            k += 2
            continue
        if token[0] == "u":
            if is_low(token[1]):
                raise ValueError("stray low surrogate")
            out.append(lit(token[1]))
        elif token[0] == "cls":
            if any(is_high(u) or is_low(u) for pair_ in token[2] for u in pair_):
                raise ValueError("surrogate inside a class")
            body = "".join(lit(a) + ("" if a == b else "-" + lit(b)) for a, b in token[2])
            out.append("[" + ("^" if token[1] else "") + body + "]")
        else:
            out.append(token[1])
        k += 1
    return "".join(out)


def first_set(items: Any) -> tuple[set[int] | None, bool]:
    """(code points a match of the parsed sequence can start with, or None for any;
    whether it can match the empty string)."""
    acc: set[int] = set()
    for op, av in items:
        if op is C.LITERAL:
            acc.add(av)
            return acc, False
        if op is C.IN:
            for iop, iav in av:
                if iop is C.LITERAL:
                    acc.add(iav)
                elif iop is C.RANGE:
                    acc.update(range(iav[0], iav[1] + 1))
                else:
                    return None, False
            return acc, False
        found: set[int] | None
        if op is C.SUBPATTERN:
            found, nullable = first_set(av[-1])
        elif op is C.BRANCH:
            found, nullable = set(), False
            for alternative in av[1]:
                sub, sub_nullable = first_set(alternative)
                if sub is None:
                    return None, False
                found |= sub
                nullable = nullable or sub_nullable
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            found, nullable = first_set(av[2])
            nullable = nullable or av[0] == 0
        elif op in (C.ASSERT, C.ASSERT_NOT, C.AT):
            continue
        else:
            return None, False
        if found is None:
            return None, False
        acc |= found
        if not nullable:
            return acc, False
    return acc, True


def write_hashtags(data: dict[str, Any]) -> None:
    alpha, alnum = data["hashtag_alpha"], data["hashtag_alnum"]
    if any(0xD800 <= c <= 0xDFFF for c in alnum) or not set(alpha) <= set(alnum):
        raise ValueError("unexpected hashtag classes")
    src = HEADER.format(
        doc="Hashtag character classes of twitter-text.\n\n"
        "Code points accepted by twitter-text's ``hashtagAlpha`` (letters and marks) and\n"
        "``hashtagAlphaNumeric`` (plus numerals and the hashtag special characters), enumerated\n"
        "from twitter-text 3.1.0 (JavaScript, Apache-2.0) with its case-insensitive flag applied,\n"
        "so the Python regexes that use them need no IGNORECASE. Each is the body of a regex\n"
        "character class (without the brackets), split into the Basic Multilingual Plane and the\n"
        "supplementary planes (``_ASTRAL``): Python checks a class of BMP characters quickly,\n"
        "supplementary ranges one by one."
    )
    src += wrap_raw("HASHTAG_ALPHA", class_body(c for c in alpha if c < 0x10000)) + "\n"
    src += wrap_raw("HASHTAG_ALPHA_ASTRAL", class_body(c for c in alpha if c >= 0x10000)) + "\n"
    src += wrap_raw("HASHTAG_ALNUM", class_body(c for c in alnum if c < 0x10000)) + "\n"
    src += wrap_raw("HASHTAG_ALNUM_ASTRAL", class_body(c for c in alnum if c >= 0x10000))
    (OUT / "_hashtag_data.py").write_text(src, encoding="utf-8")


def write_tlds(data: dict[str, Any]) -> None:
    src = HEADER.format(
        doc="Top-level domains recognised by twitter-text.\n\n"
        "The generic and country-code TLD lists of twitter-text 3.1.0 (JavaScript, Apache-2.0),\n"
        "in its order (longer names before their prefixes). ``TLD_CASE_VARIANTS`` maps each\n"
        "non-ASCII TLD character to the other characters that JavaScript's case-insensitive\n"
        "matching treats as equal to it."
    )
    src += words_src("GTLDS", data["gtld"]) + "\n"
    src += words_src("CCTLDS", data["cctld"]) + "\n"
    src += "TLD_CASE_VARIANTS: dict[str, str] = {\n"
    for char, variants in data["tld_case_closure"].items():
        src += f'    "{char}": "{variants}",\n'
    src += "}\n"
    (OUT / "_tld_data.py").write_text(src, encoding="utf-8")


def write_emoji(data: dict[str, Any]) -> None:
    pattern = js_to_codepoints(data["emoji_source"])
    compiled = re.compile(pattern)
    first, nullable = first_set(sre_parse.parse(pattern))
    if first is None or nullable:
        raise ValueError("cannot tell where an emoji starts")
    ascii_first = {c for c in first if c < 0x80}
    if "".join(map(chr, sorted(ascii_first))) != "#*0123456789":
        raise ValueError(f"unexpected ASCII emoji starts {ascii_first}")
    # The only matches that start with an ASCII character are keycaps (the code relies on it).
    for c in sorted(ascii_first):
        for x in range(0x10000):
            m = compiled.match(chr(c) + chr(x) + "\u20e3")
            if m and x not in (0x20E3, 0xFE0F):
                raise ValueError(f"unexpected ASCII-led emoji {m.group()!r}")
    src = HEADER.format(
        doc="Emoji regular expression of Twemoji (twemoji-parser), as twitter-text uses for "
        "weighting.\n\n"
        "``EMOJI_PATTERN`` is the regex of the npm package @twemoji/parser 17.0.2 (MIT, Copyright\n"
        "Twitter Inc. and other contributors), rewritten from UTF-16 surrogate pairs to code points.\n"
        "``EMOJI_FIRST`` (BMP) and ``EMOJI_FIRST_ASTRAL`` are bodies of character classes with\n"
        "every non-ASCII code point a match can start with (used to skip text that cannot start an\n"
        "emoji quickly); the only matches that start with an ASCII character are keycaps:\n"
        "``[#*0-9]``, optional U+FE0F, U+20E3."
    )
    src += wrap_raw("EMOJI_PATTERN", pattern) + "\n"
    src += wrap_raw("EMOJI_FIRST", class_body(c for c in first - ascii_first if c < 0x10000))
    src += "\n" + wrap_raw("EMOJI_FIRST_ASTRAL", class_body(c for c in first if c >= 0x10000))
    (OUT / "_emoji_data.py").write_text(src, encoding="utf-8")


def main() -> None:
    data = dump() if len(sys.argv) < 2 else json.loads(Path(sys.argv[1]).read_text())
    write_hashtags(data)
    write_tlds(data)
    write_emoji(data)
    print(f"wrote {OUT}/_hashtag_data.py, _tld_data.py, _emoji_data.py")


if __name__ == "__main__":
    main()
