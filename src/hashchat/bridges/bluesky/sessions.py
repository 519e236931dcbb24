"""A linked Bluesky account's session: opened with an app password (createSession) or by
atproto OAuth (oauth.py), kept sealed in its row, refreshed before it expires, revoked on unlink.

Refresh tokens are single-use, so exactly one refresh of a link runs at a time across every
process: a refresh first claims the row (``refreshing_until``, set in a short transaction that
only succeeds when no claim is live), then calls the PDS outside any transaction, then stores
the new tokens and drops the claim. Whoever finds a claim waits for it and reads the result.
createSession is limited to 30 a 5 minutes per account, so it is used to link and only again
when a refresh token has expired.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from hashchat.bridges.bluesky import xrpc
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.sealing import Sealer
from hashchat.config import Settings
from hashchat.errors import Invalid, NotFound
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

EARLY = timedelta(seconds=60)  # refresh this long before the access token expires
CLAIM = timedelta(seconds=30)


class Expired(Exception):
    """The link's session cannot be renewed any more: the person must link again."""


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` of a JWT, read without verifying it (it is ours to present, not to trust)."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None


@dataclass
class Opened:
    """A usable session: where to send requests and how to sign them."""

    link: LinkedAccount
    secrets: dict[str, Any]
    credentials: xrpc.Credentials


# How each sign-in method presents and renews its session (oauth.py adds "oauth").
Present = Callable[[LinkedAccount, dict[str, Any], Settings], xrpc.Credentials]
Renew = Callable[
    [LinkedAccount, dict[str, Any], Settings], Awaitable[tuple[dict[str, Any], datetime | None]]
]
Revoke = Callable[[LinkedAccount, dict[str, Any], Settings], Awaitable[None]]


@dataclass(frozen=True)
class Method:
    present: Present
    renew: Renew
    revoke: Revoke


METHODS: dict[str, Method] = {}


def method_of(link: LinkedAccount) -> Method:
    if link.method == "oauth" and "oauth" not in METHODS:
        from hashchat.bridges.bluesky import oauth  # noqa: F401  (registers itself)
    return METHODS[link.method]


# -- app passwords ----------------------------------------------------------------------------


async def create_session(
    pds: str, identifier: str, app_password: str, settings: Settings
) -> dict[str, Any]:
    """com.atproto.server.createSession; a wrong password is Invalid on ``app_password``."""
    try:
        return await xrpc.call(
            pds,
            "com.atproto.server.createSession",
            body={"identifier": identifier, "password": app_password},
            wait=settings.bluesky_timeout,
        )
    except xrpc.XrpcError as error:
        if error.status == 401 or error.error == "AuthenticationRequired":
            raise Invalid(
                "Bluesky refused this app password for that account", field="app_password"
            ) from error
        if error.error == "AuthFactorTokenRequired":
            raise Invalid(
                "this account asks for a sign-in code: use an app password", field="app_password"
            ) from error
        if error.error in ("AccountTakedown", "AccountDeactivated"):
            raise Invalid(f"Bluesky says: {error.message}", field="identifier") from error
        raise Invalid(f"Bluesky refused: {error.message}", field="app_password") from error


def _present_app_password(
    link: LinkedAccount, secrets: dict[str, Any], settings: Settings
) -> xrpc.Credentials:
    return xrpc.Bearer(str(secrets["access_jwt"]))


async def _renew_app_password(
    link: LinkedAccount, secrets: dict[str, Any], settings: Settings
) -> tuple[dict[str, Any], datetime | None]:
    try:
        out = await xrpc.call(
            link.service_url,
            "com.atproto.server.refreshSession",
            procedure=True,
            credentials=xrpc.Bearer(str(secrets["refresh_jwt"])),
            wait=settings.bluesky_timeout,
        )
    except xrpc.XrpcError:
        # The refresh token expired or was revoked: the kept app password opens a new session
        # (one createSession; refused if the person revoked the app password).
        try:
            out = await create_session(
                link.service_url, link.remote_id, str(secrets["app_password"]), settings
            )
        except Invalid as error:
            raise Expired(error.message) from error
    renewed = {**secrets, "access_jwt": out["accessJwt"], "refresh_jwt": out["refreshJwt"]}
    return renewed, jwt_expiry(out["accessJwt"])


async def _revoke_app_password(
    link: LinkedAccount, secrets: dict[str, Any], settings: Settings
) -> None:
    await xrpc.call(
        link.service_url,
        "com.atproto.server.deleteSession",
        procedure=True,
        credentials=xrpc.Bearer(str(secrets["refresh_jwt"])),
        wait=settings.bluesky_timeout,
    )


METHODS["app_password"] = Method(
    present=_present_app_password, renew=_renew_app_password, revoke=_revoke_app_password
)


# -- any method -------------------------------------------------------------------------------

_local_locks: dict[int, asyncio.Lock] = {}


async def _load(db: Database, link_id: int) -> LinkedAccount:
    async with db.read() as session:
        link = await session.get(LinkedAccount, link_id)
    if link is None:
        raise NotFound("this linked account is gone", field="bluesky")
    return link


def _fresh(link: LinkedAccount, now: datetime) -> bool:
    return link.access_expires_at is None or link.access_expires_at > now + EARLY


async def _renew(
    db: Database, link_id: int, sealer: Sealer, settings: Settings, stale: str | None
) -> LinkedAccount:
    """Renew the link's session unless someone else just did (its access token is fresh and
    not the ``stale`` one a PDS refused); one renewal at a time."""
    lock = _local_locks.setdefault(link_id, asyncio.Lock())
    async with lock:
        deadline = utcnow() + CLAIM
        while True:
            now = utcnow()
            async with db.write() as session:
                link = await session.get(LinkedAccount, link_id)
                if link is None:
                    raise NotFound("this linked account is gone", field="bluesky")
                if _fresh(link, now) and link.sealed != stale:
                    return link
                claimed = link.refreshing_until is None or link.refreshing_until <= now
                if claimed:
                    link.refreshing_until = now + CLAIM
            if claimed:
                break
            if now > deadline:
                raise Expired("another process is renewing this session; try again")
            await asyncio.sleep(0.2)
        secrets = sealer.open(link.owner, link.sealed)
        method = method_of(link)
        try:
            renewed, expires = await method.renew(link, secrets, settings)
        except BaseException:
            async with db.write() as session:
                row = await session.get(LinkedAccount, link_id)
                if row is not None:
                    row.refreshing_until = None
            raise
        async with db.write() as session:
            row = await session.get(LinkedAccount, link_id)
            if row is None:
                raise NotFound("this linked account is gone", field="bluesky")
            row.sealed = sealer.seal(row.owner, renewed)
            row.access_expires_at = expires
            row.refreshing_until = None
            row.updated_at = utcnow()
        return await _load(db, link_id)


async def open_session(
    db: Database, link_id: int, sealer: Sealer, settings: Settings, *, stale: str | None = None
) -> Opened:
    """The link's session, renewed first when its access token is (about to be) expired or
    is the ``stale`` one that a PDS just refused."""
    link = await _load(db, link_id)
    if stale is not None or not _fresh(link, utcnow()):
        link = await _renew(db, link_id, sealer, settings, stale)
    secrets = sealer.open(link.owner, link.sealed)
    return Opened(link, secrets, method_of(link).present(link, secrets, settings))


async def call_as(
    db: Database,
    link_id: int,
    sealer: Sealer,
    settings: Settings,
    nsid: str,
    *,
    params: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An XRPC call on the link's PDS as the linked person; an expired token is renewed and
    the call made once more."""
    opened = await open_session(db, link_id, sealer, settings)
    for attempt in range(2):
        try:
            return await xrpc.call(
                opened.link.service_url,
                nsid,
                params=params,
                body=body,
                credentials=opened.credentials,
                wait=settings.bluesky_timeout,
            )
        except xrpc.XrpcError as error:
            expired = error.status in (400, 401) and error.error in (
                "ExpiredToken",
                "InvalidToken",
                "invalid_token",
            )
            if not expired or attempt:
                raise
            opened = await open_session(db, link_id, sealer, settings, stale=opened.link.sealed)
    raise AssertionError("unreachable")


async def revoke(link: LinkedAccount, sealer: Sealer, settings: Settings) -> bool:
    """End the session at the PDS (best effort: False if it could not be told)."""
    from hashchat.bridges.sealing import Unsealable
    from hashchat.errors import DomainError

    try:
        secrets = sealer.open(link.owner, link.sealed)
        await method_of(link).revoke(link, secrets, settings)
    except (DomainError, xrpc.XrpcError, Unsealable, KeyError):
        return False
    return True
