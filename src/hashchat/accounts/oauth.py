"""OAuth 2 the way Mastodon does it: apps, and bearer tokens from the password,
authorization-code (with optional PKCE) and client-credentials grants."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import AccessToken, Account, AuthorizationCode, OAuthApp
from hashchat.errors import Forbidden, Invalid, Unauthorized
from hashchat.security import digest, new_token, same
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

OOB = "urn:ietf:wg:oauth:2.0:oob"
KNOWN_SCOPES = {
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:write",
}
CODE_MINUTES = 10


@dataclass(frozen=True, slots=True)
class NewApp:
    app: OAuthApp
    client_secret: str  # shown once, at creation; only its digest is kept


@dataclass(frozen=True, slots=True)
class Bearer:
    """Who a bearer token speaks for: an account (user token) or only an app."""

    token_id: int
    account: Account | None
    app_id: int | None
    scopes: frozenset[str]


MAX_SCOPES = 200
PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def check_scopes(scopes: str, *, allowed: str | None = None, field: str = "scopes") -> str:
    asked = scopes.split() or ["read"]
    for scope in asked:
        base = scope.split(":")[0]
        if scope not in KNOWN_SCOPES and base not in ("read", "write", "admin"):
            raise Invalid(f"unknown scope {scope!r}", field=field)
    if allowed is not None:
        permitted = set(allowed.split())
        for scope in asked:
            if scope not in permitted and scope.split(":")[0] not in permitted:
                raise Invalid(f"scope {scope!r} was not registered for this app", field=field)
    text = " ".join(dict.fromkeys(asked))  # each once, in the order asked
    if len(text) > MAX_SCOPES:  # the column's width
        raise Invalid(f"the scopes are at most {MAX_SCOPES} characters", field=field)
    return text


def check_redirect_uris(value: object) -> str:
    if isinstance(value, list):
        value = "\n".join(str(item) for item in value)
    if not isinstance(value, str) or not value.strip():
        raise Invalid("give at least one redirect URI", field="redirect_uris")
    uris = value.split()
    for uri in uris:
        if uri == OOB:
            continue
        parts = urlsplit(uri)
        if not parts.scheme or (parts.scheme in ("http", "https") and not parts.netloc):
            raise Invalid(f"{uri!r} is not an absolute URI", field="redirect_uris")
        if parts.scheme.lower() in ("javascript", "data", "vbscript"):
            raise Invalid(f"{uri!r} is not allowed as a redirect", field="redirect_uris")
    return "\n".join(uris)


async def create_app(
    *,
    db: Database,
    name: object,
    redirect_uris: object,
    scopes: object = "read",
    website: object = "",
) -> NewApp:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("give the app a name", field="client_name")
    if len(name) > 100:
        raise Invalid("an app name has at most 100 characters", field="client_name")
    uris = check_redirect_uris(redirect_uris)
    scope_text = check_scopes(scopes if isinstance(scopes, str) else "read")
    site = website if isinstance(website, str) else ""
    secret = new_token()
    app = OAuthApp(
        name=name.strip(),
        website=site[:200],
        redirect_uris=uris,
        scopes=scope_text,
        client_id=new_token(24),
        client_secret_hash=digest(secret),
    )
    async with db.write() as session:
        session.add(app)
    return NewApp(app=app, client_secret=secret)


async def get_client(
    session: AsyncSession, client_id: object, client_secret: object | None
) -> OAuthApp:
    """The app with this id; its secret is checked when one is given (or required)."""
    if not isinstance(client_id, str) or not client_id:
        raise Unauthorized("client_id is missing", field="client_id")
    app = await session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))
    if app is None:
        raise Unauthorized("unknown client", field="client_id")
    if client_secret is not None and not (
        isinstance(client_secret, str) and same(digest(client_secret), app.client_secret_hash)
    ):
        raise Unauthorized("wrong client secret", field="client_secret")
    return app


async def issue_token(
    *, db: Database, app_id: int | None, account_id: int | None, scopes: str
) -> tuple[str, AccessToken]:
    token = new_token()
    row = AccessToken(token_hash=digest(token), app_id=app_id, account_id=account_id, scopes=scopes)
    async with db.write() as session:
        session.add(row)
    return token, row


async def create_code(
    *,
    db: Database,
    app: OAuthApp,
    account_id: int,
    redirect_uri: str,
    scopes: str,
    code_challenge: str = "",
) -> str:
    if redirect_uri not in app.redirect_uris.split():
        raise Invalid("redirect_uri is not registered for this app", field="redirect_uri")
    if code_challenge and not PKCE_CHALLENGE.fullmatch(code_challenge):
        # RFC 7636 4.2: BASE64URL(SHA256(verifier)) is 43 characters; 43 to 128 are allowed.
        raise Invalid("code_challenge is 43 to 128 characters of base64url", field="code_challenge")
    code = new_token()
    async with db.write() as session:
        session.add(
            AuthorizationCode(
                code_hash=digest(code),
                app_id=app.id,
                account_id=account_id,
                redirect_uri=redirect_uri,
                scopes=scopes,
                code_challenge=code_challenge,
                expires_at=utcnow() + timedelta(minutes=CODE_MINUTES),
            )
        )
    return code


async def redeem_code(
    *,
    db: Database,
    app: OAuthApp,
    code: object,
    redirect_uri: object,
    code_verifier: object = None,
) -> tuple[str, AccessToken]:
    """Exchange a code for a token, once; a used, expired or foreign code is refused."""
    if not isinstance(code, str) or not code:
        raise Invalid("code is missing", field="code")
    async with db.write() as session:
        row = await session.get(AuthorizationCode, digest(code))
        if row is None or row.app_id != app.id or row.used_at or row.expires_at < utcnow():
            raise Invalid("the code is invalid, expired or used", field="code")
        if redirect_uri != row.redirect_uri:
            raise Invalid("redirect_uri does not match the authorization", field="redirect_uri")
        if row.code_challenge:
            if not isinstance(code_verifier, str):
                raise Invalid("code_verifier is missing", field="code_verifier")
            computed = base64.urlsafe_b64encode(
                hashlib.sha256(code_verifier.encode()).digest()
            ).rstrip(b"=")
            if not same(computed.decode(), row.code_challenge):
                raise Invalid("code_verifier does not match", field="code_verifier")
        # Marked used in the same transaction that checked it: two redemptions cannot both win.
        result = await session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == row.code_hash, AuthorizationCode.used_at.is_(None)
            )
            .values(used_at=utcnow())
        )
        if getattr(result, "rowcount", 0) != 1:
            raise Invalid("the code is invalid, expired or used", field="code")
        account_id, scopes = row.account_id, row.scopes
    return await issue_token(db=db, app_id=app.id, account_id=account_id, scopes=scopes)


async def resolve_bearer(session: AsyncSession, token: str) -> Bearer | None:
    """Who the token speaks for (one query), or None for an unknown or revoked token."""
    row = (
        await session.execute(
            select(AccessToken, Account)
            .outerjoin(Account, Account.id == AccessToken.account_id)
            .where(AccessToken.token_hash == digest(token))
        )
    ).first()
    if row is None or row[0].revoked_at is not None:
        return None
    access, account = row
    return Bearer(
        token_id=access.id,
        account=account,
        app_id=access.app_id,
        scopes=frozenset(access.scopes.split()),
    )


class BearerCache:
    """Recently resolved tokens, so that a busy client's every request does not cost a query.

    Entries live ``TTL`` seconds. Revoking a token, or changing an account's profile or role,
    forgets the entries at once in this process; another process may go on accepting a revoked
    token for at most ``TTL`` seconds (docs/architecture.md)."""

    TTL = 10.0
    MAX = 50_000

    def __init__(self) -> None:
        self.entries: dict[str, tuple[float, Bearer]] = {}

    def get(self, key: str) -> Bearer | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self.entries[key]
            return None
        return entry[1]

    def put(self, key: str, bearer: Bearer) -> None:
        if len(self.entries) >= self.MAX:
            self.entries.clear()
        self.entries[key] = (time.monotonic() + self.TTL, bearer)

    def forget_token(self, key: str) -> None:
        self.entries.pop(key, None)

    def forget_account(self, account_id: int) -> None:
        stale = [
            k for k, (_, b) in self.entries.items() if b.account and b.account.id == account_id
        ]
        for key in stale:
            del self.entries[key]


def bearer_cache(db: Database) -> BearerCache:
    cache = db.extensions.get("bearer_cache")
    if cache is None:
        cache = db.extensions["bearer_cache"] = BearerCache()
    assert isinstance(cache, BearerCache)
    return cache


async def authenticate(db: Database, token: str) -> Bearer | None:
    """The token's Bearer, from the cache or the database."""
    key = digest(token)
    cache = bearer_cache(db)
    bearer = cache.get(key)
    if bearer is None:
        async with db.read() as session:
            bearer = await resolve_bearer(session, token)
        if bearer is not None:
            cache.put(key, bearer)
    return bearer


async def revoke(*, db: Database, token: str, app_id: int) -> None:
    """Revoke ``token`` for the client ``app_id`` that was issued it (RFC 7009, 2.1): another
    client's token is refused (Forbidden); an unknown or revoked one is no error."""
    async with db.write() as session:
        row = await session.scalar(
            select(AccessToken).where(AccessToken.token_hash == digest(token)).with_for_update()
        )
        if row is None or row.revoked_at is not None:
            return
        if row.app_id != app_id:
            raise Forbidden("this token was issued to another client", field="token")
        row.revoked_at = utcnow()
    bearer_cache(db).forget_token(digest(token))
