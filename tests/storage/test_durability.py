"""A post answered 2xx is committed: SIGKILL the server right after the answer, restart it, and
the post is there. On SQLite (synchronous=FULL, the default) and on PostgreSQL."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import httpx
import pytest

from tests.conftest import new_database
from tests.liveserver import LiveServer


def token(server: LiveServer) -> str:
    made = server.run_cli("users", "create", "durable", "--password-stdin", input="crash test pw\n")
    assert made.returncode == 0, made.stderr
    app = httpx.post(
        f"{server.url}/api/v1/apps",
        data={
            "client_name": "crash",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write",
        },
    ).json()
    grant = httpx.post(
        f"{server.url}/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "durable",
            "password": "crash test pw",
            "scope": "read write",
        },
    )
    assert grant.status_code == 200, grant.text
    return str(grant.json()["access_token"])


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_posts_survive_sigkill(backend: str, tmp_path: Path) -> None:
    server = LiveServer(tmp_path, new_database(backend, tmp_path)).start()
    try:
        headers = {"Authorization": f"Bearer {token(server)}"}
        acknowledged: dict[str, str] = {}
        for round_ in range(3):
            # Several posts in flight; the process dies the moment the first answer arrives.
            texts = [f"round {round_} post {i} #durable" for i in range(8)]

            def send(text: str) -> tuple[str, str] | None:
                try:
                    response = httpx.post(
                        f"{server.url}/api/v1/statuses",
                        json={"status": text},
                        headers=headers,
                        timeout=10,
                    )
                except httpx.HTTPError:
                    return None  # killed before it answered: not acknowledged, no promise
                if response.status_code == 200:
                    return response.json()["id"], text
                return None

            with concurrent.futures.ThreadPoolExecutor(len(texts)) as pool:
                futures = [pool.submit(send, t) for t in texts]
                for future in concurrent.futures.as_completed(futures):
                    result = future.result()
                    if result is not None:
                        server.kill()  # SIGKILL right after an acknowledgement
                        acknowledged[result[0]] = result[1]
                        break
                for future in futures:
                    result = future.result()
                    if result is not None:
                        acknowledged[result[0]] = result[1]
            server.kill()
            server.start()
            for post_id, text in acknowledged.items():
                found = httpx.get(f"{server.url}/api/v1/statuses/{post_id}")
                assert found.status_code == 200, f"acknowledged post {post_id} was lost"
                assert found.json()["text"] == text
        assert len(acknowledged) >= 3
    finally:
        server.stop()
