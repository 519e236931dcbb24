"""A real HTTP server (uvicorn, in this event loop) over the test app, for streams; and a small
SSE reader that parses what arrives."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from tests.services import free_port


@pytest.fixture
async def server(app: Any) -> AsyncIterator[str]:
    """The app served on a free loopback port (its lifespan is already running)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        ws_max_size=64 * 1024, ws_ping_interval=20,
    )  # fmt: skip
    instance = uvicorn.Server(config)
    app.state.test_server = instance
    task = asyncio.create_task(instance.serve())
    while not instance.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


@dataclass
class SSEEvent:
    id: str | None
    event: str
    data: str


@dataclass
class SSEReader:
    """Reads an SSE response into events (and counts heartbeat comments)."""

    response: httpx.Response
    events: asyncio.Queue[SSEEvent] = field(default_factory=asyncio.Queue)
    comments: list[str] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        fields: dict[str, str] = {}
        async for line in self.response.aiter_lines():
            if line == "":
                if "data" in fields or "event" in fields:
                    await self.events.put(
                        SSEEvent(
                            fields.get("id"), fields.get("event", "message"), fields.get("data", "")
                        )
                    )
                fields = {}
            elif line.startswith(":"):
                self.comments.append(line[1:])
            else:
                name, _, value = line.partition(":")
                fields[name] = value[1:] if value.startswith(" ") else value

    def start(self) -> SSEReader:
        self.task = asyncio.create_task(self._run())
        return self

    async def next(self, timeout: float = 5.0) -> SSEEvent:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def until(self, kind: str, timeout: float = 5.0) -> SSEEvent:
        while True:
            event = await self.next(timeout)
            if event.event == kind:
                return event

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await self.task
        await self.response.aclose()


@contextlib.asynccontextmanager
async def sse(url: str, **kwargs: Any) -> AsyncIterator[SSEReader]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client:
        request = client.build_request("GET", url, **kwargs)
        response = await client.send(request, stream=True)
        reader = SSEReader(response)
        if response.status_code == 200:
            reader.start()
        try:
            yield reader
        finally:
            await reader.close()


@pytest.fixture(params=["direct", "portable"])
def delivery(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a stream test over both delivery paths: straight to the socket, and through ASGI
    (what another ASGI server, or compression, gets)."""
    if request.param == "portable":
        from hashchat.realtime import api

        monkeypatch.setattr(api, "http_transport", lambda scope: None)
        monkeypatch.setattr(api, "websocket_transport", lambda scope: None)
    return str(request.param)


def viewers_of(app: Any) -> list[Any]:
    return [v for viewers in app.state.runtime.hub.subscribers.values() for v in viewers]
