"""Writing Atom feeds (RFC 4287) with ElementTree, which escapes every piece of text as XML:
the chat's transcripts (transcripts/exports.py) and a person's catch-up (catchup/feed.py)."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"


def iso(value: datetime) -> str:
    """An instant as Atom writes it (RFC 3339, UTC as ``Z``)."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def feed() -> ET.Element:
    ET.register_namespace("", ATOM)
    return ET.Element(f"{{{ATOM}}}feed")


def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child element in the Atom namespace, with its text and attributes."""
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def to_bytes(root: ET.Element) -> bytes:
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()
