"""A request body is read only up to its route's limit: 413 before reading past it, with or
without a Content-Length, on the framework-free fast path too; and who is asking (the CSRF
cookie, the admin role) is checked before an upload is parsed at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hashchat.directory import csvio
from hashchat.web import bodylimit
from tests.conftest import MakeAccount, auth, csrf_from

MiB = 1024 * 1024
HUGE = 200 * MiB


class Body:
    """A request body of ``total`` bytes in 1 MiB chunks that counts what the server read."""

    def __init__(self, total: int = HUGE, *, head: bytes = b"", fill: bytes = b" ") -> None:
        self.total, self.head, self.fill = total, head, fill
        self.read = 0

    async def stream(self) -> AsyncIterator[bytes]:
        if self.head:
            self.read += len(self.head)
            yield self.head
        while self.read < self.total:
            chunk = self.fill * min(MiB, self.total - self.read)
            self.read += len(chunk)
            yield chunk


async def send(
    client: httpx.AsyncClient,
    path: str,
    body: Body,
    *,
    declared: bool,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    extra = dict(headers or {})
    if declared:
        extra["Content-Length"] = str(body.total)
    return await client.post(path, content=body.stream(), headers=extra)


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_huge_post_is_refused_before_it_is_read(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any, declared: bool
) -> None:
    token = await token_for(await make_account("maya"))
    body = Body(head=b'{"status": "', fill=b"a")
    # Bearer + JSON: the framework-free fast path (posts/fastpath.py).
    answer = await send(
        client, "/api/v1/statuses", body, declared=declared, headers={**JSON, **auth(token)}
    )
    assert answer.status_code == 413, answer.text
    assert answer.json() == {
        "error": "the request body is too large (at most 256 KiB here)",
        "field": None,
    }
    assert body.read <= (0 if declared else bodylimit.POST + 2 * MiB)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_an_anonymous_huge_app_registration_is_refused(
    client: httpx.AsyncClient, declared: bool
) -> None:
    body = Body(head=b"client_name=", fill=b"a")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await send(client, "/api/v1/apps", body, declared=declared, headers=form)
    assert answer.status_code == 413 and answer.json()["error"].startswith("the request body")
    assert body.read <= (0 if declared else bodylimit.ACCOUNT + MiB)


async def test_the_full_route_and_a_page_stop_at_the_limit_too(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("maya"))
    # A form body goes to the FastAPI route, not the fast path.
    body = Body(head=b"status=", fill=b"a")
    form = {"Content-Type": "application/x-www-form-urlencoded", **auth(token)}
    answer = await send(client, "/api/v1/statuses", body, declared=False, headers=form)
    assert answer.status_code == 413 and body.read <= bodylimit.POST + 2 * MiB
    # Any other route: the default limit, and a page answers with the error page.
    page = await client.get("/login")
    body = Body(head=f"csrf_token={csrf_from(page.text)}&login=".encode(), fill=b"a")
    answer = await send(
        client,
        "/chats/new",
        body,
        declared=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert "text/html" in answer.headers["content-type"] and "too large" in answer.text
    assert body.read <= bodylimit.DEFAULT + 2 * MiB


def multipart(boundary: str = "xyz") -> tuple[bytes, dict[str, str]]:
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="chats.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize("path", ["/login", "/posts", "/chats/import"])
async def test_an_anonymous_upload_is_refused_before_it_is_parsed(
    client: httpx.AsyncClient, path: str
) -> None:
    head, headers = multipart()
    body = Body(bodylimit.ACCOUNT - 1, head=head)  # under every limit: the size is not why
    answer = await send(client, path, body, declared=False, headers=headers)
    assert answer.status_code == 403, answer.text
    assert "the form has expired" in answer.text
    assert body.read <= len(head) + MiB  # at most the chunk in flight; nothing parsed


async def test_a_file_where_a_form_has_none_is_refused_unspooled(client: httpx.AsyncClient) -> None:
    await client.get("/login")  # the CSRF cookie, as a browser has it
    head, headers = multipart()
    answer = await send(
        client, "/login", Body(32 * 1024, head=head), declared=False, headers=headers
    )
    assert answer.status_code == 400


async def test_an_import_is_only_read_for_an_admin(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("kai")
    page = await client.get("/login")
    signed_in = await client.post(
        "/login",
        data={
            "login": "kai",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert signed_in.status_code == 303
    head, headers = multipart()
    body = Body(5 * MiB, head=head)
    answer = await send(client, "/chats/import", body, declared=False, headers=headers)
    assert answer.status_code == 403 and "only admins import chats" in answer.text
    assert body.read <= len(head) + MiB


async def test_an_admins_import_may_be_as_large_as_the_importer_takes(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    assert bodylimit.IMPORT > csvio.MAX_BYTES
    admin = auth(await token_for(await make_account("root", role="admin")))
    body = Body(bodylimit.IMPORT + 1, fill=b"a")
    answer = await send(
        client,
        "/api/v1/chats/import",
        body,
        declared=True,
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 413 and body.read == 0
    sheet = "hashtag,title,day,time,time zone\nedchat,Education,Tuesday,19:00,America/New_York\n"
    ok = await client.post(
        "/api/v1/chats/import", content=sheet, headers={**admin, "Content-Type": "text/csv"}
    )
    assert ok.status_code == 201, ok.text


async def test_a_real_server_answers_413_without_waiting_for_the_body(server: str) -> None:
    """Over a socket: the client announces 200 MB and sends 64 KiB of it; the 413 comes back
    at once, and the server closes the connection rather than read the rest."""
    host, port = server.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /api/v1/apps HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {HUGE}\r\n\r\n".encode()
        + b"a" * 65536
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert b"connection: close" in head.lower()
    rest = await asyncio.wait_for(reader.read(), 5)  # the server closes: EOF
    assert b"the request body is too large" in rest
    writer.close()
