"""Calling a Mastodon server's REST API, politely, with failures sorted the way a person and the
log should hear of them.

- **Budget.** Mastodon allows 300 requests per 5 minutes per account (per address without
  one). Every call spends from a per-(server, token) window first and waits when it is used
  up; a server that says it has nothing left (``X-RateLimit-Remaining: 0``) is left alone until
  its ``X-RateLimit-Reset``.
- **Failures.** A server that does not answer (or answers 5xx) is :class:`BadGateway` naming
  it; a 429 is :class:`RateLimited` with the seconds until its ``X-RateLimit-Reset``; a 401 is
  :class:`Revoked` (the token no longer works); any other refusal is :class:`Refused` with the
  server's own ``error``.
- **Secrets.** The token goes in the ``Authorization`` header only: never in a URL, and no
  message here ever carries it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from hashchat.errors import BadGateway, RateLimited

WINDOW = 300.0  # seconds
LIMIT = 300  # requests in a window
TIMEOUT = 10.0
USER_AGENT = "hashchat (+https://github.com/hashchat; Mastodon bridge)"


class Revoked(Exception):
    """The server no longer accepts the token (401): revoked, or the account is gone."""


class Refused(Exception):
    """The server refused the request (4xx other than 401 and 429)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def reset_after(headers: httpx.Headers, now: float | None = None) -> int:
    """Seconds until the server's window resets: ``X-RateLimit-Reset`` (an ISO 8601 time, as
    Mastodon sends it, or epoch seconds), else ``Retry-After``, else a minute."""
    now = time.time() if now is None else now
    reset = headers.get("x-ratelimit-reset", "").strip()
    if reset:
        try:
            at = float(reset) if reset.replace(".", "", 1).isdigit() else None
            if at is None:
                at = datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp()
            return max(1, int(at - now + 0.999))
        except ValueError:
            pass
    after = headers.get("retry-after", "").strip()
    return int(after) if after.isdigit() else 60


@dataclass
class Budget:
    """Requests spent per key in the last ``window`` seconds; :meth:`spend` waits for room."""

    limit: int = LIMIT
    window: float = WINDOW
    spent: dict[str, deque[float]] = field(default_factory=dict)
    paused_until: dict[str, float] = field(default_factory=dict)

    def wait_for(self, key: str, now: float | None = None) -> float:
        """Seconds before a request under ``key`` may go (0: now)."""
        now = time.monotonic() if now is None else now
        times = self.spent.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        wait = max(0.0, self.paused_until.get(key, 0.0) - now)
        if len(times) >= self.limit:
            wait = max(wait, times[0] + self.window - now)
        return wait

    async def spend(self, key: str) -> None:
        # A wait until a time, not for a condition another task sets: no Event to await.
        while (wait := self.wait_for(key)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
        self.spent[key].append(time.monotonic())

    def pause(self, key: str, seconds: float) -> None:
        self.paused_until[key] = max(self.paused_until.get(key, 0.0), time.monotonic() + seconds)


budget = Budget()  # this process's


def key_of(server: str, token: str | None) -> str:
    """The budget's key: the server and a digest of the token (never the token itself)."""
    who = hashlib.sha256(token.encode()).hexdigest()[:16] if token else "anonymous"
    return f"{server} {who}"


def body_of(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


def _message(response: httpx.Response) -> str:
    data = body_of(response)
    if isinstance(data, dict):
        for name in ("error_description", "error"):
            if isinstance(data.get(name), str):
                return str(data[name])[:200]
    return response.reason_phrase or str(response.status_code)


async def call(
    server: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    params: Any = None,
    data: dict[str, Any] | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    wait: float = TIMEOUT,
    spend: Budget | None = None,
) -> httpx.Response:
    """One request to ``server`` + ``path``; answers the response when it is a 2xx (or 404
    when ``method`` is GET: the caller judges), raises as the module says otherwise."""
    spend = spend or budget
    key = key_of(server, token)
    await spend.spend(key)
    sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    try:
        async with httpx.AsyncClient(timeout=wait, follow_redirects=False) as http:
            response = await http.request(
                method, server + path, params=params, data=data, json=json, headers=sent
            )
    except httpx.HTTPError as error:
        raise BadGateway(
            f"{host_of(server)} did not answer ({type(error).__name__})", field="server"
        ) from None
    if response.headers.get("x-ratelimit-remaining", "").strip() == "0":
        spend.pause(key, reset_after(response.headers))
    status = response.status_code
    if status == 429:
        seconds = reset_after(response.headers)
        spend.pause(key, seconds)
        raise RateLimited(
            f"{host_of(server)} asks hashchat to slow down (again in {seconds} s)",
            retry_after=seconds,
        )
    if status >= 500:
        raise BadGateway(f"{host_of(server)} answered {status}", field="server")
    if status == 401:
        raise Revoked(f"{host_of(server)} no longer accepts the token: {_message(response)}")
    if status >= 400 and not (status == 404 and method == "GET"):
        raise Refused(status, _message(response))
    return response


async def get_json(server: str, path: str, **kwargs: Any) -> Any:
    """GET ``path`` as JSON; None when the server has no such thing (404)."""
    response = await call(server, "GET", path, **kwargs)
    if response.status_code == 404:
        return None
    return body_of(response)
