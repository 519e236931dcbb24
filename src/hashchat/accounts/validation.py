"""Checks on what people type into their account: each raises Invalid naming the field."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache
from urllib.parse import urlsplit

from hashchat.errors import Invalid
from hashchat.text.clean import strip_controls

HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128
MAX_DISPLAY_NAME, MAX_BIO, MAX_WEBSITE = 50, 500, 200


def handle_key(handle: str) -> str:
    return handle.lower()


def check_handle(handle: object) -> str:
    if not isinstance(handle, str) or not handle:
        raise Invalid("choose a handle", field="username")
    if len(handle) > 30:
        raise Invalid("a handle has at most 30 characters", field="username")
    if not HANDLE_RE.match(handle):
        raise Invalid("a handle may only use letters, digits and _", field="username")
    return handle


def check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid(f"a password has at least {MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"a password has at most {MAX_PASSWORD} characters", field="password")
    return password


def check_email(email: object) -> str | None:
    if email is None or email == "":
        return None
    if not isinstance(email, str) or len(email) > 254 or not EMAIL_RE.match(email):
        raise Invalid("this is not an email address", field="email")
    return email.strip().lower()


def _clean_line(text: str) -> str:
    # Control characters (other than newline in a bio) have no place in a name; the joiners
    # and tag characters of emoji sequences do (text/clean.py).
    return strip_controls(text).strip()


def check_display_name(name: object) -> str:
    if not isinstance(name, str):
        raise Invalid("a display name is text", field="display_name")
    name = _clean_line(name)
    if len(name) > MAX_DISPLAY_NAME:
        raise Invalid(
            f"a display name has at most {MAX_DISPLAY_NAME} characters", field="display_name"
        )
    return name


def check_bio(bio: object) -> str:
    if not isinstance(bio, str):
        raise Invalid("a bio is text", field="note")
    bio = "\n".join(_clean_line(line) for line in bio.replace("\r\n", "\n").split("\n")).strip()
    if len(bio) > MAX_BIO:
        raise Invalid(f"a bio has at most {MAX_BIO} characters", field="note")
    return bio


#: Names the zone database answers to that are not places: "Factory" (a zone with the
#: abbreviation "-00" for machines set up before they know where they are), and the host's own
#: "localtime" and "posixrules" files, which mean something else on every server.
NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """The IANA time zones a person may choose (canonical names and their links)."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def check_time_zone(name: object, *, field: str = "time_zone") -> str:
    if not isinstance(name, str) or name not in time_zones():
        raise Invalid(f"{name!r} is not an IANA time zone (for example Europe/London)", field=field)
    return name


def check_website(url: object) -> str:
    if url is None or url == "":
        return ""
    if not isinstance(url, str) or len(url) > MAX_WEBSITE:
        raise Invalid(f"a website address has at most {MAX_WEBSITE} characters", field="website")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("a website address starts with http:// or https://", field="website")
    return url.strip()
