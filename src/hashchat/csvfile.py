"""CSV files that people open in a spreadsheet: one writer for every export.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading one of those) is run as a formula when the file is opened:
``=HYPERLINK(...)`` in a chat's title or a person's post would act with the reader's rights.
Every text cell of every export goes through :func:`cell`, which prefixes such a cell with an
apostrophe, the spreadsheet's own way to say "this is text" (and so does a cell that starts
with an apostrophe, which a spreadsheet would otherwise swallow). :func:`unguard` takes the
apostrophe off again where hashchat reads its own export back (the directory's import).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARDED = (*FORMULA_START, "'")


def cell(value: Any) -> str:
    """A value as the text of one cell: None is empty, booleans are true/false, numbers as
    written, and text that a spreadsheet would run as a formula starts with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(GUARDED) else text


def unguard(text: str) -> str:
    """A cell of a file hashchat wrote, as it was before :func:`cell` guarded it."""
    if text.startswith("'") and text[1:].startswith(GUARDED):
        return text[1:]
    return text


def write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file (CRLF line ends, as RFC 4180 and spreadsheets expect) with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
