"""The websockets library with ``broadcast()``, as its documentation's broadcasting guide shows.

python -m benchmarks.peers.ws_broadcast PORT
"""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve

ROOMS: dict[str, set[ServerConnection]] = {}


async def handler(websocket: ServerConnection) -> None:
    joined: list[str] = []
    try:
        async for message in websocket:
            data = json.loads(message)
            if "join" in data:
                ROOMS.setdefault(data["join"], set()).add(websocket)
                joined.append(data["join"])
            else:
                broadcast(ROOMS.get(data["room"], ()), message)
    finally:
        for room in joined:
            ROOMS[room].discard(websocket)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_size=64 * 1024) as server:
        print(f"listening on {port}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
