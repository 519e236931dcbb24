"""A Web Push service on loopback, for the push tests: it records what it is sent (path,
headers, body) and answers 201, or another status for a path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class PushService:
    """A push service on loopback: records what it is sent; a path may answer another status."""

    url: str
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service_ = PushService("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            service_.received.append((self.path, dict(self.headers), body))
            self.send_response(service_.status.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service_.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield service_
    httpd.shutdown()
    httpd.server_close()
