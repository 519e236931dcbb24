"""Signing in at a Mastodon server: hashchat's app there (registered on first use, cached per
server), the authorization-code flow with PKCE S256, and revocation.

The server's OAuth endpoints come from ``/.well-known/oauth-authorization-server`` (Mastodon 4.3
and later, RFC 8414); an older server has none, and its well-known paths (``/oauth/authorize``,
``/oauth/token``, ``/oauth/revoke``) are used. PKCE is sent unless the server's metadata lists
methods without S256; the app's client secret protects the exchange either way. What the
callback needs (the state, the verifier, the server) waits in a sealed, HttpOnly cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select

from hashchat.bridges.mastodon import client, instance
from hashchat.bridges.mastodon.models import MastodonApp
from hashchat.bridges.mastodon.servers import domain_of
from hashchat.bridges.sealing import Sealer, Unsealable
from hashchat.config import Settings
from hashchat.errors import BadGateway, Invalid
from hashchat.posts.service import insert_ignore
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

# Reading (the hashtag, the account, search for replies) and posting statuses; nothing else is
# written. "read" whole rather than read:statuses etc.: some servers (hashchat among them) grant
# their read endpoints to the whole scope only.
SCOPES = "read write:statuses"
CALLBACK_PATH = "/bridges/mastodon/oauth/callback"
APP_NAME = "hashchat"
REQUEST_TTL = 600  # seconds a sign-in may take


@dataclass(frozen=True, slots=True)
class Endpoints:
    authorize: str
    token: str
    revoke: str
    pkce: bool  # send a S256 challenge


@dataclass(frozen=True, slots=True)
class App:
    server: str
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class Who:
    """The account a token speaks for, as its server says (verify_credentials)."""

    actor: str  # its ActivityPub id (Account.uri; Account.url before Mastodon 4.2)
    handle: str  # user@domain
    url: str  # its profile page


def redirect_uri(settings: Settings) -> str:
    return settings.public_url + CALLBACK_PATH


def app_owner(server: str) -> str:
    return f"mastodon-app:{server}"


def _same_site(url: object, server: str) -> str | None:
    """``url`` when it is an http(s) address on ``server``'s host; else None."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(server).netloc:
        return None
    return url


async def endpoints(server: str) -> Endpoints:
    """The server's OAuth endpoints: from its metadata document, else Mastodon's paths."""
    fallback = Endpoints(
        f"{server}/oauth/authorize", f"{server}/oauth/token", f"{server}/oauth/revoke", True
    )
    try:
        meta = await client.get_json(server, "/.well-known/oauth-authorization-server")
    except client.Refused:
        meta = None
    if not isinstance(meta, dict):
        return fallback
    methods = meta.get("code_challenge_methods_supported")
    return Endpoints(
        _same_site(meta.get("authorization_endpoint"), server) or fallback.authorize,
        _same_site(meta.get("token_endpoint"), server) or fallback.token,
        _same_site(meta.get("revocation_endpoint"), server) or fallback.revoke,
        not isinstance(methods, list) or "S256" in methods,
    )


async def app_for(db: Database, server: str, settings: Settings, sealer: Sealer) -> App:
    """hashchat's app on ``server``: the one registered before (for this redirect URI), else a
    new one (``POST /api/v1/apps``), kept with what the server says of itself."""
    wanted = redirect_uri(settings)
    async with db.read() as session:
        row = await session.get(MastodonApp, server)
    if row is not None and row.redirect_uri == wanted:
        try:
            secret = sealer.open(app_owner(server), row.sealed)["client_secret"]
            return App(server, row.client_id, str(secret), wanted)
        except (Unsealable, KeyError):
            pass  # the key changed: register again
    try:
        made = client.body_of(
            await client.call(
                server,
                "POST",
                "/api/v1/apps",
                data={
                    "client_name": APP_NAME,
                    "redirect_uris": wanted,
                    "scopes": SCOPES,
                    "website": settings.public_url,
                },
            )
        )
    except client.Refused as error:
        message = f"{domain_of(server)} would not register hashchat: {error.message}"
        raise Invalid(message, field="server") from None
    if not isinstance(made, dict) or not made.get("client_id") or not made.get("client_secret"):
        message = f"{domain_of(server)} does not look like a Mastodon server"
        raise BadGateway(message, field="server")
    described = await instance.describe(server)
    values = {
        "client_id": str(made["client_id"])[:300],
        "sealed": sealer.seal(app_owner(server), {"client_secret": str(made["client_secret"])}),
        "redirect_uri": wanted,
        "streaming_url": described.streaming_url[:512],
        "max_characters": described.max_characters,
        "checked_at": utcnow(),
    }
    async with db.write() as session:
        await session.execute(insert_ignore(session, MastodonApp).values(server=server, **values))
        stored = await session.get(MastodonApp, server)
        assert stored is not None
        for key, value in values.items():
            setattr(stored, key, value)
    return App(server, str(made["client_id"])[:300], str(made["client_secret"]), wanted)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def start(
    db: Database, server: str, settings: Settings, sealer: Sealer
) -> tuple[str, dict[str, Any]]:
    """Where to send the person to sign in, and what the callback will need (to be sealed)."""
    app = await app_for(db, server, settings, sealer)
    found = await endpoints(server)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": SCOPES,
        "state": state,
    }
    if found.pkce:
        query |= {"code_challenge": _challenge(verifier), "code_challenge_method": "S256"}
    pending = {
        "server": server,
        "state": state,
        "verifier": verifier if found.pkce else "",
        "token_endpoint": found.token,
    }
    join = "&" if "?" in found.authorize else "?"
    return f"{found.authorize}{join}{urlencode(query)}", pending


async def who_is(server: str, token: str) -> Who:
    """The account ``token`` speaks for on ``server``."""
    data = await client.get_json(server, "/api/v1/accounts/verify_credentials", token=token)
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise BadGateway(f"{domain_of(server)} did not say whose token this is", field="server")
    actor = data.get("uri") if isinstance(data.get("uri"), str) else data["url"]
    acct = str(data.get("acct") or data.get("username") or "")
    handle = acct if "@" in acct else f"{acct}@{domain_of(server)}"
    return Who(str(actor)[:320], handle[:320], str(data["url"])[:512])


async def finish(
    db: Database,
    pending: dict[str, Any],
    params: dict[str, str],
    settings: Settings,
    sealer: Sealer,
    *,
    doing: str = "link the account",
) -> tuple[Who, str]:
    """Check the callback against what :func:`start` kept; exchange the code for a token and
    learn whose it is. Answers (who, token); a refusal says the server did not ``doing``."""
    state = params.get("state", "")
    if not state or not hmac.compare_digest(state, str(pending.get("state", ""))):
        raise Invalid("this sign-in is not the one hashchat started; try again", field="form")
    code = params.get("code", "")
    if not code:
        raise Invalid("the server sent no authorization code", field="form")
    server = str(pending["server"])
    app = await app_for(db, server, settings, sealer)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri,
        "scope": SCOPES,
    }
    if pending.get("verifier"):
        form["code_verifier"] = str(pending["verifier"])
    token_url = _same_site(pending.get("token_endpoint"), server) or f"{server}/oauth/token"
    try:
        answer = client.body_of(
            await client.call(server, "POST", token_url.removeprefix(server), data=form)
        )
    except (client.Refused, client.Revoked) as error:
        message = f"{domain_of(server)} did not {doing}: {error}"
        raise Invalid(message, field="form") from None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise BadGateway(f"{domain_of(server)} answered without a token", field="server")
    try:
        return await who_is(server, token), token
    except (client.Refused, client.Revoked) as error:
        message = f"{domain_of(server)} would not say whose account this is: {error}"
        raise Invalid(message, field="form") from None


async def revoke(db: Database, server: str, token: str, sealer: Sealer, settings: Settings) -> bool:
    """Revoke ``token`` at its server (RFC 7009 with hashchat's app there); False if the server
    could not be told."""
    async with db.read() as session:
        row = await session.scalar(select(MastodonApp).where(MastodonApp.server == server))
    try:
        if row is None:
            return False
        secret = sealer.open(app_owner(server), row.sealed)["client_secret"]
        found = await endpoints(server)
        await client.call(
            server,
            "POST",
            found.revoke.removeprefix(server),
            data={"client_id": row.client_id, "client_secret": secret, "token": token},
        )
    except (BadGateway, client.Refused, client.Revoked, Unsealable, KeyError):
        return False
    except Exception:  # a rate limit, say: the row goes anyway, and the answer says so
        return False
    return True
