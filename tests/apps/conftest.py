"""The stream tests' real HTTP server, for the WebSocket checks here."""

from tests.realtime.conftest import server

__all__ = ["server"]
