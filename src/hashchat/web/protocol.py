"""uvicorn's HTTP/1.1 protocol (httptools), with one addition: the application may answer a
request from its request line and headers alone, before uvicorn makes an asyncio task for it.

Under overload most posts are refused (posts/writer.py: 503 with Retry-After), and a refusal
must cost next to nothing. Measured with py-spy at three times the write capacity, uvicorn's
work per request (the task, its scope, the ASGI calls) was most of what a refusal cost; hashchat's
own check is a few comparisons. So the application puts a function in its lifespan state under
:data:`EARLY_ANSWER` (app.py); this protocol calls it once a request's headers are in, and when
it returns an answer, writes it at once and makes no task. The body that follows is read and
dropped by the parser, as uvicorn drops a body after any complete answer, and the connection
serves the next request. So an early answer is only for a request whose body may be read and
dropped: the application gives none for a body of unknown length or over its route's limit
(posts/fastpath.py), which it answers itself (413, and the connection closed).

A request that asked for ``Expect: 100-continue`` is served as usual: its client waits for a
word before it sends the body, and whether it then sends it is up to the client.

``hashchat serve`` runs uvicorn with this class (cli.py). Without an early answer in the state
(the app under another server, a test's ASGI transport) nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

EARLY_ANSWER = "hashchat.early_answer"
# Status, headers (without Content-Length) and body.
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
EarlyAnswer = Callable[[Any], Answer | None]


class EarlyAnswerProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol`, asking the application's early answer first."""

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        early: EarlyAnswer | None = self.app_state.get(EARLY_ANSWER)
        if early is not None and not cycle.waiting_for_100_continue:
            answer = early(cycle.scope)
            if answer is not None:
                self._answer_now(cycle, *answer)
                return
        super()._start_asgi_task(cycle, app)

    def _answer_now(
        self,
        cycle: RequestResponseCycle,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        keep = cycle.keep_alive
        content = [STATUS_LINE[status]]
        for name, value in (*self.server_state.default_headers, *headers):
            content += [name, b": ", value, b"\r\n"]
        content += [b"content-length: ", str(len(body)).encode(), b"\r\n"]
        if not keep:
            content.append(b"connection: close\r\n")
        content += [b"\r\n", body]
        if cycle.access_log:
            cycle.access_logger.info(
                '%s - "%s %s HTTP/%s" %d',
                get_client_addr(cycle.scope),
                cycle.scope["method"],
                get_path_with_query_string(cycle.scope),
                cycle.scope["http_version"],
                status,
            )
        # As RequestResponseCycle.send leaves a cycle whose answer is complete: the parser
        # drops the rest of its body, and the next request on the connection starts.
        cycle.response_started = cycle.response_complete = True
        self.transport.write(b"".join(content))
        if not keep:
            self.transport.close()
        cycle.on_response()
