"""socketify (uWebSockets) with its native publish/subscribe, as its WebSocket examples show.

python -m benchmarks.peers.socketify_pubsub PORT
"""

from __future__ import annotations

import json
import sys
from typing import Any

from socketify import App, CompressOptions, OpCode


def main(port: int) -> None:
    app = App()

    def message(ws: Any, data: str | bytes, opcode: OpCode) -> None:
        message = json.loads(data)
        if "join" in message:
            ws.subscribe(message["join"])
        else:
            app.publish(message["room"], data, OpCode.TEXT)

    app.ws(
        "/*",
        {
            "compression": CompressOptions.DISABLED,
            "max_payload_length": 64 * 1024,
            "max_backpressure": 16 * 1024 * 1024,
            "idle_timeout": 120,
            "message": message,
        },
    )
    app.listen(port, lambda config: print(f"listening on {config.port}", flush=True))
    app.run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
