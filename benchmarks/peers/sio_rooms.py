"""python-socketio rooms on uvicorn, as its documentation shows (``AsyncServer`` in ASGI mode,
``enter_room`` and ``emit(..., room=...)``).

    uvicorn benchmarks.peers.sio_rooms:app --port PORT --ws-per-message-deflate false
"""

from __future__ import annotations

from typing import Any

import socketio

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
app = socketio.ASGIApp(sio)


@sio.event
async def join(sid: str, room: str) -> None:
    await sio.enter_room(sid, room)


@sio.event
async def post(sid: str, data: dict[str, Any]) -> None:
    await sio.emit("post", data, room=data["room"])
