"""A Mastodon server's address, as a person or host types it: ``mastodon.social``,
``https://mastodon.social/``, ``@alice@mastodon.social``; kept as ``https://host[:port]``.
Plain http only for this machine (a server under test, or run beside hashchat)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from hashchat.errors import Invalid

LOOPBACK = ("localhost",)
MAX_SERVER = 300
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server(value: object, *, field: str = "server") -> str:
    """The server's base address, ``https://host[:port]``, or Invalid saying what is wrong."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("which Mastodon server? such as mastodon.social", field=field)
    text = value.strip()
    if text.startswith("@") and text.count("@") == 2:  # @alice@mastodon.social
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise Invalid(f"{value.strip()!r} is not a server's address", field=field) from None
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise Invalid(f"{value.strip()!r} is not a server's address", field=field)
    if parts.scheme == "http" and not _loopback(host):
        raise Invalid("a Mastodon server is reached over https", field=field)
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise Invalid("give the server alone, such as https://mastodon.social", field=field)
    if not _loopback(host) and not _HOST.match(host):
        raise Invalid(f"{host!r} is not a host name", field=field)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != (443 if parts.scheme == "https" else 80):
        netloc += f":{port}"
    server = f"{parts.scheme}://{netloc}"
    if len(server) > MAX_SERVER:
        raise Invalid(f"a server's address has at most {MAX_SERVER} characters", field=field)
    return server


def domain_of(server: str) -> str:
    """What handles on ``server`` end with: its host (and port, if any)."""
    return urlsplit(server).netloc
