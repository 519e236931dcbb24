"""The systems measured: hashchat and each peer, how to start it (pinned to the server's core) and
how the load generator reaches it (viewers, publisher, message templates).

Every system gets the same posts: the marker ``seq=<n>`` the load generator looks for, then the
same filler, 100 to 200 bytes of text in all. hashchat takes them over its HTTP API, each answered
only after its commit, and sends viewers Mastodon's Status entity over SSE; the peers take them
over a WebSocket and pass them on as they came, keeping nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, SERVER_CORE, Proc, Redis, Server, free_port, wait_port
from benchmarks.loadgen import FILLER, Target

POST_TEXT = "seq={seq} " + FILLER


@dataclass
class PeerServer(Proc):
    """A peer's server process, pinned to the server's core."""

    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=Path)
    redis: Redis | None = None

    def start(self) -> PeerServer:
        import tempfile

        self.workdir = Path(tempfile.mkdtemp(prefix="hcbench-peer-"))
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        self.spawn(argv, env, SERVER_CORE)
        wait_port(self.port, self.process, 60, self.log_path)
        return self

    def rss_kib(self) -> int:
        """The server's resident memory, with its Redis's when it keeps its state there."""
        return super().rss_kib() + (self.redis.rss_kib() if self.redis else 0)

    def cpu_seconds(self) -> float:
        return super().cpu_seconds() + (self.redis.cpu_seconds() if self.redis else 0.0)

    def waited_seconds(self) -> float:
        return super().waited_seconds() + (self.redis.waited_seconds() if self.redis else 0.0)

    def stop(self) -> None:
        super().stop()
        if self.redis is not None:
            self.redis.stop()


@dataclass(frozen=True)
class System:
    """One system under test. ``kind`` picks how it is started and reached."""

    name: str
    kind: str  # hashchat | websockets | socketio | channels | socketify
    describe: str
    needs: tuple[str, ...] = ()  # importable modules it needs (the [bench] extra)
    env: tuple[tuple[str, str], ...] = ()
    asgi: str = "uvicorn"
    # hashchat only: `hashchat serve --workers N` with a Redis of its own carrying events
    # between the workers (run.py --workers puts them on PostgreSQL), on these cores.
    workers: int = 1
    redis: bool = False
    core: str = SERVER_CORE

    def available(self) -> str | None:
        """None when it can run here, otherwise why not."""
        for module in self.needs:
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed (pip install -e '.[bench]')"
        return None

    @contextlib.contextmanager
    def serve(self, database_url: str = "") -> Iterator[Running]:
        server: Server | PeerServer
        token = ""
        if self.kind == "hashchat":
            settings = dict(self.env)
            broker = Redis(core=self.core).start() if self.redis else None
            if broker is not None:
                settings["HASHCHAT_REDIS_URL"] = broker.url
            server = Server(database_url=database_url, env=settings, asgi=self.asgi, core=self.core,
                            workers=self.workers)  # fmt: skip
            try:
                server.start()
                token = server.token()
                yield Running(self, server, token)
            finally:
                server.stop()
                if broker is not None:
                    broker.stop()
            return
        py = sys.executable
        redis = None
        env: dict[str, str] = {}
        if self.kind == "websockets":
            argv = [py, "-m", "benchmarks.peers.ws_broadcast", "{port}"]
        elif self.kind == "socketify":
            argv = [py, "-m", "benchmarks.peers.socketify_pubsub", "{port}"]
        elif self.kind in ("socketio", "channels"):
            app = {"socketio": "benchmarks.peers.sio_rooms:app",
                   "channels": "benchmarks.peers.channels_app.asgi:application"}[self.kind]  # fmt: skip
            argv = [py, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", "{port}",
                    "--log-level", "warning", "--no-access-log", "--ws-per-message-deflate",
                    "false", "--ws-max-size", "65536"]  # fmt: skip
            if self.kind == "channels":
                redis = Redis().start()
                env["CHANNELS_REDIS_URL"] = redis.url
        else:
            raise ValueError(self.kind)
        server = PeerServer(argv=argv, env=env, redis=redis)
        try:
            server.start()
            yield Running(self, server, token)
        finally:
            server.stop()


@dataclass
class Running:
    system: System
    server: Server | PeerServer
    token: str

    @property
    def port(self) -> int:
        return self.server.port

    def target(self, *, resume: bool = False) -> Target:
        """How the load generator reaches this system's rooms."""
        kind = self.system.kind
        port = self.port
        if kind == "hashchat":
            return Target(
                port=port, proto="sse", path="/api/v1/streaming/hashtag?tag={tag}", pub="http",
                pub_path="/api/v1/statuses",
                pub_body='{"status":"' + POST_TEXT + ' #{tag}"}',
                pub_headers=(f"Authorization: Bearer {self.token}",),
            )  # fmt: skip
        if kind in ("websockets", "socketify"):
            return Target(
                port=port, proto="ws", path="/", join='{"join":"{tag}"}', pub="ws", pub_path="/",
                pub_body='{"room":"{tag}","text":"' + POST_TEXT + '"}',
            )  # fmt: skip
        if kind == "socketio":
            path = "/socket.io/?EIO=4&transport=websocket"
            return Target(
                port=port, proto="sio", path=path, join='42["join","{tag}"]', pub="sio",
                pub_path=path, pub_body='42["post",{"room":"{tag}","text":"' + POST_TEXT + '"}]',
            )  # fmt: skip
        if kind == "channels":
            path = "/ws/chat/{tag}/"
            return Target(
                port=port, proto="ws", path=path, pub="ws", pub_path=path,
                pub_body='{"text":"' + POST_TEXT + '"}',
            )  # fmt: skip
        raise ValueError(kind)

    def rss_kib(self) -> int:
        return self.server.rss_kib()

    def cpu_seconds(self) -> float:
        return self.server.cpu_seconds()

    def waited_seconds(self) -> float:
        """Time the server was ready to run but its core was busy with something else."""
        return self.server.waited_seconds()

    def pid(self) -> int:
        return self.server.pid

    def info(self) -> dict[str, Any]:
        return {"system": self.system.name}


HASHCHAT = System("hashchat", "hashchat", "hashchat serve (uvicorn), SSE viewers, HTTP posts")
PEERS = (
    System("websockets", "websockets", "websockets broadcast()", ("websockets",)),
    System("python-socketio", "socketio", "python-socketio rooms on uvicorn", ("socketio",)),
    System(
        "Channels",
        "channels",
        "Django Channels + channels-redis on uvicorn",
        ("channels", "channels_redis", "django"),
    ),
    System("socketify", "socketify", "socketify (uWebSockets) publish", ("socketify",)),
)
HASHCHAT_GRANIAN = System(
    "hashchat on granian", "hashchat", "hashchat under granian", ("granian",), asgi="granian"
)
SYSTEMS = {s.kind: s for s in (HASHCHAT, *PEERS)}
SERVERS = {"uvicorn": HASHCHAT, "granian": HASHCHAT_GRANIAN}
PURE_PYTHON = ("websockets", "socketio", "channels")
