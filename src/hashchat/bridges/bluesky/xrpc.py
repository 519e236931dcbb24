"""Calling a PDS (or any atproto service) over XRPC, with the failures sorted the way a person
should hear of them: a service that does not answer is a 502 naming it, a rate limit is a 429
with its reset, and what the service refused is an :class:`XrpcError` for the caller to judge.

Credentials are a Bearer token (an app password's session) or DPoP-bound (OAuth): those get a
fresh proof per request, and a server's DPoP nonce is taken up and the request retried once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import orjson

from hashchat.errors import BadGateway, RateLimited


class Credentials(Protocol):
    def headers(self, method: str, url: str) -> dict[str, str]: ...

    def take_nonce(self, nonce: str) -> None: ...


@dataclass
class Bearer:
    token: str

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def take_nonce(self, nonce: str) -> None:
        return None


class XrpcError(Exception):
    """The service answered with an error of its own (4xx): ``error`` is its name for it."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = orjson.loads(response.content) if response.content else {}
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(response: httpx.Response) -> int:
    reset = response.headers.get("ratelimit-reset")
    if reset and reset.isdigit():
        return max(1, int(reset) - int(time.time()))
    after = response.headers.get("retry-after", "")
    return int(after) if after.isdigit() else 60


def wants_nonce(response: httpx.Response) -> str | None:
    """The new DPoP nonce when the server refused the request for want of it."""
    nonce: str | None = response.headers.get("dpop-nonce")
    if not nonce or response.status_code not in (400, 401):
        return None
    challenge = response.headers.get("www-authenticate", "")
    if "use_dpop_nonce" in challenge or _body(response).get("error") == "use_dpop_nonce":
        return nonce
    return None


async def send(
    method: str,
    url: str,
    *,
    wait: float,
    what: str,
    credentials: Credentials | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One HTTP request to an atproto server; a DPoP nonce challenge is answered once.
    Unreachable, or a 5xx: BadGateway naming ``what``."""
    base_headers = dict(kwargs.pop("headers", {}) or {})
    async with httpx.AsyncClient(timeout=wait) as http:
        for attempt in range(2):
            headers = dict(base_headers)
            if credentials is not None:
                headers.update(credentials.headers(method, url))
            try:
                response = await http.request(method, url, headers=headers, **kwargs)
            except httpx.TimeoutException as error:
                raise BadGateway(
                    f"{what} ({host_of(url)}) did not answer in time; try again later"
                ) from error
            except httpx.HTTPError as error:
                raise BadGateway(
                    f"{what} ({host_of(url)}) cannot be reached; try again later"
                ) from error
            if credentials is not None and (nonce := response.headers.get("dpop-nonce")):
                credentials.take_nonce(nonce)
                if wants_nonce(response) and attempt == 0:
                    continue  # a new proof, with the nonce
            break
    if response.status_code >= 500:
        message = _body(response).get("message") or response.reason_phrase
        raise BadGateway(f"{what} ({host_of(url)}) failed: {message}; try again later")
    if response.status_code == 429:
        raise RateLimited(
            f"{what} ({host_of(url)}) asks to slow down", retry_after=_retry_after(response)
        )
    return response


async def call(
    service: str,
    nsid: str,
    *,
    wait: float,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    credentials: Credentials | None = None,
    procedure: bool | None = None,
) -> dict[str, Any]:
    """A query (GET, ``params``) or a procedure (POST, ``body``; ``procedure=True`` for one
    without input) on ``service``; its JSON."""
    url = f"{service}/xrpc/{nsid}"
    if procedure is None:
        procedure = body is not None
    if not procedure:
        response = await send(
            "GET", url, wait=wait, what="Bluesky", credentials=credentials, params=params
        )
    elif body is None:
        response = await send(
            "POST", url, wait=wait, what="Bluesky", credentials=credentials, params=params
        )
    else:
        response = await send(
            "POST",
            url,
            wait=wait,
            what="Bluesky",
            credentials=credentials,
            content=orjson.dumps(body),
            headers={"Content-Type": "application/json"},
        )
    data = _body(response)
    if response.status_code >= 400:
        raise XrpcError(
            response.status_code,
            str(data.get("error") or "Error"),
            str(data.get("message") or response.reason_phrase),
        )
    return data
