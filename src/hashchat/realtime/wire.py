"""Reaching the socket under an ASGI connection, and framing bytes for it.

The fast path of the streams writes pre-encoded bytes straight to the connection's transport:
one ``transport.write`` per viewer per batch of events, with no task switch and no trip through
the ASGI middleware stack. That needs the server's own objects (uvicorn's request cycle or
WebSocket protocol, found through the bound ``send`` the server handed the application, kept in
the scope by :class:`hashchat.app.App`). When they are not there (another ASGI server, a test
transport, HTTP/1.0 without chunked encoding, compression negotiated on a WebSocket), streams use
the portable path through ASGI ``send`` instead; both deliver the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import MutableMapping
from typing import Any, Protocol

RAW_SEND = "hashchat.raw_send"


class Transport(Protocol):
    def write(self, data: bytes) -> None: ...
    def writelines(self, data: list[bytes]) -> None: ...
    def is_closing(self) -> bool: ...
    def get_write_buffer_size(self) -> int: ...


def _owner(scope: MutableMapping[str, Any]) -> Any:
    return getattr(scope.get(RAW_SEND), "__self__", None)


def _usable(transport: Any) -> Transport | None:
    needed = ("write", "writelines", "is_closing", "get_write_buffer_size")
    if transport is None or not all(hasattr(transport, n) for n in needed):
        return None
    return transport  # type: ignore[no-any-return]


def http_transport(scope: MutableMapping[str, Any]) -> Transport | None:
    """The transport of a streaming HTTP response, once its headers are sent; None unless the
    server is framing the body with chunked encoding (which our writes then reproduce)."""
    owner = _owner(scope)
    if owner is None or getattr(owner, "chunked_encoding", None) is not True:
        return None
    return _usable(getattr(owner, "transport", None))


def websocket_transport(scope: MutableMapping[str, Any]) -> Transport | None:
    """The transport of an accepted WebSocket without extensions (no compression)."""
    owner = _owner(scope)
    if owner is None:
        return None
    conn = getattr(owner, "conn", None)
    if getattr(owner, "extensions", None) or getattr(conn, "extensions", None):
        return None
    return _usable(getattr(owner, "transport", None))


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk."""
    return b"%x\r\n%b\r\n" % (len(data), data)


def text_frame(payload: bytes) -> bytes:
    """One unmasked WebSocket text frame, as a server sends it (RFC 6455 5.2)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return b"\x81\x7e" + struct.pack("!H", size) + payload
    return b"\x81\x7f" + struct.pack("!Q", size) + payload


def close_frame(code: int, reason: bytes) -> bytes:
    """An unmasked WebSocket close frame with a status code and a short reason (RFC 6455 5.5.1)."""
    payload = code.to_bytes(2, "big") + reason[:123]
    return bytes((0x88, len(payload))) + payload
