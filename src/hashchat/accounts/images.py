"""Generated pictures as PNG, which native apps can draw (they cannot draw SVG): a person's
avatar (their initial on a colour picked from their id), their profile header (a band of the
same colour) and the server's thumbnail. Made with Pillow, kept in memory once drawn."""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

PALETTE = ["#2563eb", "#7c3aed", "#db2777", "#ea580c", "#16a34a", "#0891b2", "#4f46e5", "#b91c1c"]
AVATAR_SIZE = 192
HEADER_SIZE = (1500, 500)  # Mastodon's header proportions (3:1)
THUMBNAIL_SIZE = (1200, 630)


def colour_of(account_id: int) -> str:
    return PALETTE[int(hashlib.sha256(str(account_id).encode()).hexdigest(), 16) % len(PALETTE)]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@functools.lru_cache(maxsize=2048)
def avatar_png(colour: str, initial: str) -> bytes:
    """A square avatar with ``initial`` (one character) in white on ``colour``."""
    size = AVATAR_SIZE
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size * 0.5)
    draw.text((size / 2, size / 2), initial, fill="#ffffff", font=font, anchor="mm")
    return _png(image)


@functools.lru_cache(maxsize=256)
def header_png(colour: str) -> bytes:
    """A profile header: the avatar's colour, darkening towards the bottom."""
    width, height = HEADER_SIZE
    top = Image.new("RGB", (1, 2), colour)
    top.putpixel((0, 1), tuple(int(c * 0.55) for c in top.getpixel((0, 0))))  # type: ignore[union-attr]
    return _png(top.resize((width, height), Image.Resampling.BILINEAR))


@functools.lru_cache(maxsize=4)
def thumbnail_png(title: str) -> bytes:
    """The server's picture in app lists: its name on hashchat's blue."""
    width, height = THUMBNAIL_SIZE
    image = Image.new("RGB", (width, height), "#1d4ed8")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=110)
    draw.text((width / 2, height / 2), f"#{title}", fill="#ffffff", font=font, anchor="mm")
    return _png(image)
