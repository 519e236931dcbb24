"""The HTTP protocol of ``hashchat serve`` (web/protocol.py): a post that the writer refuses is
answered from its headers, before uvicorn makes a task for it, with the answer the fast path
gives; the connection goes on serving the requests behind it, as a real HTTP client (h11)
reads them. A real uvicorn on loopback, over the app with its own lifespan, as `serve` runs it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import h11
import orjson
import pytest
import uvicorn

from hashchat.accounts import oauth
from hashchat.accounts import service as accounts
from hashchat.app import create_app
from hashchat.config import Settings
from hashchat.posts.writer import writer_for
from hashchat.web.protocol import EARLY_ANSWER, EarlyAnswerProtocol
from tests.conftest import _empty
from tests.services import free_port


class Served:
    def __init__(self, app: Any, port: int) -> None:
        self.app = app
        self.port = port
        self.reached: list[str] = []  # the requests that got as far as the application
        self.token = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.reached.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)

    @property
    def writer(self) -> Any:
        return writer_for(self.app.state.runtime.db)


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    app = create_app(settings)
    await _empty(app.state.runtime.db)
    served = Served(app, free_port())
    config = uvicorn.Config(
        served, host="127.0.0.1", port=served.port, lifespan="on", log_level="warning",
        http=EarlyAnswerProtocol,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    db = app.state.runtime.db
    account = await accounts.create_account(db=db, handle="early", password="correct horse b")
    served.token, _ = await oauth.issue_token(
        db=db, app_id=None, account_id=account.id, scopes="read write"
    )
    yield served
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


def post(token: str, text: str, **headers: str) -> tuple[h11.Request, bytes]:
    form = headers.get("content-type") == "application/x-www-form-urlencoded"
    body = urlencode({"status": text}).encode() if form else orjson.dumps({"status": text})
    fields = {
        "host": "127.0.0.1",
        "authorization": f"Bearer {token}",
        "content-type": "application/json",
        "content-length": str(len(body)),
        **headers,
    }
    if "transfer-encoding" in headers:
        del fields["content-length"]
    return h11.Request(method="POST", target="/api/v1/statuses", headers=list(fields.items())), body


def get(path: str) -> tuple[h11.Request, bytes]:
    return h11.Request(method="GET", target=path, headers=[("host", "127.0.0.1")]), b""


def wire(request: h11.Request, body: bytes = b"") -> bytes:
    """The request's bytes (chunked when it says so), from h11's client side."""
    client = h11.Connection(h11.CLIENT)
    out = client.send(request) or b""
    if body:
        out += client.send(h11.Data(data=body)) or b""
    return out + (client.send(h11.EndOfMessage()) or b"")


async def exchange(port: int, *requests: tuple[h11.Request, bytes]) -> list[Any]:
    """Send every request at once on one connection (pipelined), and read the answers in
    order with h11: (response, body) each."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"".join(wire(request, body) for request, body in requests))
    await writer.drain()
    into = h11.Connection(h11.CLIENT)
    answers: list[Any] = []
    for request, body in requests:
        into.send(request)
        if body:
            into.send(h11.Data(data=body))
        into.send(h11.EndOfMessage())
        response, content = None, b""
        while not isinstance(event := into.next_event(), h11.EndOfMessage):
            if event is h11.NEED_DATA:
                into.receive_data(await asyncio.wait_for(reader.read(65536), 10))
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                content += event.data
        answers.append((response, content))
        into.start_next_cycle()
    writer.close()
    await writer.wait_closed()
    return answers


def headers_of(response: Any) -> dict[bytes, bytes]:
    return dict(response.headers)


async def test_a_refused_post_is_answered_before_the_app_and_the_connection_serves_on(
    served: Served,
) -> None:
    served.writer.max_depth = 0  # every post is refused while the writer runs
    answers = await exchange(
        served.port,
        post(served.token, "refused #early"),
        get("/api/v1/instance"),
        post(served.token, "refused too #early", origin="https://elk.example"),
    )
    (refused, body), (instance, _), (crossing, crossing_body) = answers[:3]
    assert refused.status_code == 503
    assert int(headers_of(refused)[b"retry-after"]) >= 1
    assert headers_of(refused)[b"content-type"] == b"application/json"
    assert orjson.loads(body) == {"error": "the server is busy; nothing was posted", "field": None}
    assert instance.status_code == 200, "the request behind the refused one is served"
    assert crossing.status_code == 503 and orjson.loads(crossing_body) == orjson.loads(body)
    assert headers_of(crossing)[b"access-control-allow-origin"] == b"*"
    assert b"access-control-allow-origin" not in headers_of(refused)
    # Only the GET reached the application: the refusals cost no task, no scope of its own.
    assert served.reached == ["GET /api/v1/instance"]
    assert served.writer.refused == 2


async def test_the_same_post_goes_to_the_app_when_the_writer_has_room(served: Served) -> None:
    [(accepted, body), *_] = await exchange(served.port, post(served.token, "welcome #early"))
    assert accepted.status_code == 200
    assert orjson.loads(body)["content"].startswith("<p>welcome")
    assert served.reached == ["POST /api/v1/statuses"]


async def test_a_refused_post_whose_body_comes_later_leaves_the_connection_in_step(
    served: Served,
) -> None:
    """The answer goes out before the body arrives; the body, when it comes, is dropped and
    the next request on the connection is read from where it starts."""
    served.writer.max_depth = 0
    request, body = post(served.token, "slow body #early")
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(h11.Connection(h11.CLIENT).send(request) or b"")  # the headers alone
    await writer.drain()
    into = h11.Connection(h11.CLIENT)
    into.send(request)
    into.receive_data(await asyncio.wait_for(reader.read(65536), 10))
    refused = into.next_event()
    assert isinstance(refused, h11.Response) and refused.status_code == 503
    writer.write(body)  # now the body
    later, _ = get("/api/v1/instance")
    writer.write(wire(later))
    await writer.drain()
    into.send(h11.Data(data=body))
    into.send(h11.EndOfMessage())
    while not isinstance(into.next_event(), h11.EndOfMessage):
        pass
    into.start_next_cycle()
    into.send(later)
    into.send(h11.EndOfMessage())
    while (event := into.next_event()) is h11.NEED_DATA:
        into.receive_data(await asyncio.wait_for(reader.read(65536), 10))
    assert isinstance(event, h11.Response) and event.status_code == 200
    writer.close()
    await writer.wait_closed()
    assert served.reached == ["GET /api/v1/instance"]


async def test_what_the_early_answer_leaves_alone_goes_to_the_app(served: Served) -> None:
    served.writer.max_depth = 0
    answers = await exchange(
        served.port,
        # A client waiting for "100 Continue" is answered by the app (it may not send its body).
        post(served.token, "patient #early", expect="100-continue"),
        # A form, not JSON: the framework's route, which refuses it in its turn.
        post(served.token, "form #early", **{"content-type": "application/x-www-form-urlencoded"}),
        # A body of unknown length: the app reads it within its limit.
        post(served.token, "chunked #early", **{"transfer-encoding": "chunked"}),
    )
    (patient, _), (form, _), (chunked, _) = answers[:3]
    assert patient.status_code == 503
    assert form.status_code == 503
    assert chunked.status_code == 503
    assert served.reached == ["POST /api/v1/statuses"] * 3
    # Over the route's limit: 413 from the app, as before (the body is not read).
    request, _ = post(served.token, "x")
    fields = [(k, v) for k, v in request.headers if k != b"content-length"]
    too_big = h11.Request(method="POST", target="/api/v1/statuses",
                          headers=[*fields, (b"content-length", b"300000")])  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(h11.Connection(h11.CLIENT).send(too_big) or b"")  # no body follows
    await writer.drain()
    assert (await asyncio.wait_for(reader.read(65536), 10)).startswith(b"HTTP/1.1 413")
    writer.close()
    await writer.wait_closed()
    assert len(served.reached) == 4


async def test_the_app_names_its_early_answer_in_its_lifespan_state(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app) as state:
        assert state[EARLY_ANSWER] == app.early_answer
