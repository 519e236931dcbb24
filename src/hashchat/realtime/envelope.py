"""An event on its way to viewers, with its wire encodings made once and shared.

SSE bytes are the same for every viewer. A WebSocket message names the subscription it answers
(Mastodon's ``"stream": ["hashtag", "edchat"]``), so messages are cached per subscription label:
a thousand viewers of #edchat share one encoded frame.
"""

from __future__ import annotations

import orjson

from hashchat.realtime.events import Event
from hashchat.realtime.wire import text_frame


class Envelope:
    __slots__ = ("_sse", "_ws", "_ws_frame", "event")

    def __init__(self, event: Event) -> None:
        self.event = event
        self._sse: bytes | None = None
        self._ws: dict[tuple[str, ...], str] = {}
        self._ws_frame: dict[tuple[str, ...], bytes] = {}

    @property
    def id(self) -> int:
        return self.event.id

    def sse(self) -> bytes:
        if self._sse is None:
            e = self.event
            self._sse = f"id: {e.id}\nevent: {e.kind}\ndata: {e.payload}\n\n".encode()
        return self._sse

    def ws(self, label: tuple[str, ...]) -> str:
        message = self._ws.get(label)
        if message is None:
            e = self.event
            message = orjson.dumps(
                {"stream": list(label), "event": e.kind, "payload": e.payload, "id": str(e.id)}
            ).decode()
            self._ws[label] = message
        return message

    def ws_frame(self, label: tuple[str, ...]) -> bytes:
        frame = self._ws_frame.get(label)
        if frame is None:
            frame = text_frame(self.ws(label).encode())
            self._ws_frame[label] = frame
        return frame
