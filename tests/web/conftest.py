"""The web layer's tests use the real HTTP server of the stream tests."""

from tests.realtime.conftest import server

__all__ = ["server"]
