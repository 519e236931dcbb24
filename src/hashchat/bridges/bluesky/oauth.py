"""atproto OAuth for linking (and signing in with) a Bluesky account: PAR, PKCE S256, DPoP with
the servers' nonces, as the atproto OAuth profile requires (atproto-website specs/oauth).

hashchat is its own client. With an https public URL it is a confidential client: its client
metadata is served at ``/bridges/bluesky/client-metadata.json`` (the ``client_id``), it
authenticates with ``private_key_jwt`` (ES256) and publishes its key at
``/bridges/bluesky/jwks.json``. Otherwise, served on a loopback address (127.0.0.1, [::1]), it is
the development "loopback client": ``client_id = http://localhost?redirect_uri=...&scope=...``,
a public client. Any other http address cannot use OAuth (app passwords still work).

The flow: the identifier's PDS names its authorization server; PAR with PKCE and a DPoP key of
the link's own; the person signs in at the server and comes back to the callback, where the
state, the issuer (``iss``) and, after the token request, ``sub`` are checked: ``sub`` must be
the DID we asked for, or, with no identifier given, a DID whose PDS names this very issuer.
Refresh tokens are single-use: renewing is serialised by sessions.py.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
from joserfc import jwt
from joserfc.jwk import ECKey

from hashchat.bridges.bluesky import dpop, identity, sessions, xrpc
from hashchat.bridges.linked import LinkedAccount
from hashchat.config import Settings
from hashchat.errors import BadGateway, Invalid

SCOPE = "atproto transition:generic"
METADATA_PATH = "/bridges/bluesky/client-metadata.json"
JWKS_PATH = "/bridges/bluesky/jwks.json"
CALLBACK_PATH = "/bridges/bluesky/oauth/callback"
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")
REQUEST_TTL = 600  # seconds a person has to sign in at their server


@dataclass(frozen=True)
class Client:
    client_id: str
    redirect_uri: str
    confidential: bool


def client_for(settings: Settings) -> Client | None:
    """This server as an OAuth client, or None when its public URL allows no OAuth."""
    base = settings.public_url
    parts = urlsplit(base)
    redirect = base + CALLBACK_PATH
    if parts.scheme == "https":
        return Client(base + METADATA_PATH, redirect, confidential=True)
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1"):
        query = urlencode({"redirect_uri": redirect, "scope": SCOPE})
        return Client(f"http://localhost?{query}", redirect, confidential=False)
    return None


def require_client(settings: Settings) -> Client:
    client = client_for(settings)
    if client is None:
        raise Invalid(
            "signing in with Bluesky needs hashchat on an https address (HASHCHAT_BASE_URL) or "
            "on 127.0.0.1; link with an app password instead",
            field="identifier",
        )
    return client


def client_key(settings: Settings) -> ECKey:
    """The confidential client's signing key, made on first use and kept under data_dir."""
    path = Path(settings.data_dir) / "bluesky_oauth_key.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        made = dpop.private_jwk(dpop.new_key())
        made["kid"] = f"hashchat-{int(time.time())}"
        try:  # O_EXCL: two processes starting together keep one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                json.dump(made, handle)
    return ECKey.import_key(json.loads(path.read_text()))


def jwks(settings: Settings) -> dict[str, Any]:
    key = client_key(settings)
    public: dict[str, Any] = dict(key.as_dict(private=False))
    public.update({"kid": key.kid, "use": "sig", "alg": "ES256"})
    return {"keys": [public]}


def client_metadata(settings: Settings) -> dict[str, Any]:
    """The client metadata document (its URL is the confidential client's ``client_id``)."""
    base = settings.public_url
    client = Client(base + METADATA_PATH, base + CALLBACK_PATH, confidential=True)
    return {
        "client_id": client.client_id,
        "client_name": "hashchat",
        "client_uri": base,
        "application_type": "web",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "redirect_uris": [client.redirect_uri],
        "scope": SCOPE,
        "dpop_bound_access_tokens": True,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks_uri": base + JWKS_PATH,
    }


# -- talking to the authorization server ---------------------------------------------------------


@dataclass(frozen=True)
class Server:
    issuer: str
    par: str
    authorize: str
    token: str
    revoke: str | None


async def _json(url: str, settings: Settings) -> dict[str, Any]:
    response = await xrpc.send("GET", url, wait=settings.bluesky_timeout, what="Bluesky")
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        raise BadGateway(f"Bluesky ({xrpc.host_of(url)}) gave no usable OAuth metadata")
    return data


async def server_for_pds(pds: str, settings: Settings) -> Server:
    """The authorization server that a PDS names, from both metadata documents."""
    resource = await _json(f"{pds}/.well-known/oauth-protected-resource", settings)
    servers = resource.get("authorization_servers") or []
    if not servers or not isinstance(servers[0], str):
        raise BadGateway(f"Bluesky ({xrpc.host_of(pds)}) names no authorization server")
    issuer = servers[0].rstrip("/")
    meta = await _json(f"{issuer}/.well-known/oauth-authorization-server", settings)
    if meta.get("issuer") != issuer:
        raise BadGateway(f"Bluesky ({xrpc.host_of(issuer)}) gave metadata for another issuer")
    try:
        return Server(
            issuer=issuer,
            par=str(meta["pushed_authorization_request_endpoint"]),
            authorize=str(meta["authorization_endpoint"]),
            token=str(meta["token_endpoint"]),
            revoke=str(meta["revocation_endpoint"]) if meta.get("revocation_endpoint") else None,
        )
    except KeyError as missing:
        raise BadGateway(f"Bluesky ({xrpc.host_of(issuer)}) lacks {missing} for OAuth") from None


def _client_auth(client: Client, issuer: str, settings: Settings) -> dict[str, str]:
    if not client.confidential:
        return {"client_id": client.client_id}
    key = client_key(settings)
    now = int(time.time())
    assertion = jwt.encode(
        {"alg": "ES256", "kid": key.kid},
        {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": issuer,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        },
        key,
        algorithms=["ES256"],
    )
    return {
        "client_id": client.client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }


async def _post(
    url: str,
    form: dict[str, str],
    proof_key: dpop.DPoP,
    client: Client,
    issuer: str,
    settings: Settings,
) -> dict[str, Any]:
    """A form POST to the authorization server with a DPoP proof (and client auth), taking
    up its nonce once; its JSON, or XrpcError with the OAuth error."""
    for attempt in range(2):
        body = {**form, **_client_auth(client, issuer, settings)}
        response = await xrpc.send(
            "POST",
            url,
            wait=settings.bluesky_timeout,
            what="Bluesky",
            data=body,
            headers=proof_key.headers("POST", url),
        )
        nonce = response.headers.get("dpop-nonce")
        if nonce:
            proof_key.take_nonce(nonce)
        if attempt == 0 and xrpc.wants_nonce(response):
            continue
        try:
            data = orjson.loads(response.content) if response.content else {}
        except orjson.JSONDecodeError:
            data = {}
        if response.status_code >= 400:
            raise xrpc.XrpcError(
                response.status_code,
                str(data.get("error") or "error"),
                str(data.get("error_description") or response.reason_phrase),
            )
        return data if isinstance(data, dict) else {}
    raise AssertionError("unreachable")


# -- the flow -----------------------------------------------------------------------------------


async def start(identifier: str, settings: Settings) -> tuple[str, dict[str, Any]]:
    """Begin: the URL to send the person to, and what the callback needs (kept sealed in a
    cookie until then)."""
    client = require_client(settings)
    who = await identity.resolve(identity.parse_identifier(identifier), settings)
    server = await server_for_pds(who.pds, settings)
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(24)
    key = dpop.DPoP(dpop.new_key())
    form = {
        "response_type": "code",
        "redirect_uri": client.redirect_uri,
        "scope": SCOPE,
        "state": state,
        "code_challenge": dpop.b64url_sha256(verifier),
        "code_challenge_method": "S256",
    }
    form["login_hint"] = who.handle if who.handle != "handle.invalid" else who.did
    try:
        pushed = await _post(server.par, form, key, client, server.issuer, settings)
    except xrpc.XrpcError as error:
        raise BadGateway(f"Bluesky refused to start signing in: {error.message}") from error
    request_uri = pushed.get("request_uri")
    if not isinstance(request_uri, str):
        raise BadGateway("Bluesky gave no request_uri")
    query = urlencode({"client_id": client.client_id, "request_uri": request_uri})
    url = f"{server.authorize}?{query}"
    pending = {
        "state": state,
        "verifier": verifier,
        "dpop_jwk": dpop.private_jwk(key.key),
        "as_nonce": key.nonce,
        "issuer": server.issuer,
        "token_endpoint": server.token,
        "revocation_endpoint": server.revoke,
        "did": who.did,
        "started": int(time.time()),
    }
    return url, pending


async def finish(
    pending: dict[str, Any], params: dict[str, str], settings: Settings
) -> tuple[identity.Identity, dict[str, Any], datetime | None]:
    """The callback: check what came back, exchange the code, check ``sub``. Answers the
    identity, the secrets to seal and when the access token expires."""
    if params.get("error"):
        reason = params.get("error_description") or params["error"]
        raise Invalid(f"Bluesky did not link the account: {reason}", field="identifier")
    if not pending or not secrets.compare_digest(
        str(pending.get("state")), params.get("state", "")
    ):
        raise Invalid("this sign-in is not the one hashchat started; try again", field="identifier")
    if time.time() - int(pending.get("started", 0)) > REQUEST_TTL:
        raise Invalid("this sign-in took too long; try again", field="identifier")
    if params.get("iss") != pending["issuer"]:
        raise Invalid("the answer came from another server than asked", field="identifier")
    code = params.get("code", "")
    if not code:
        raise Invalid("Bluesky sent no authorization code", field="identifier")
    client = require_client(settings)
    key = dpop.DPoP(dpop.key_from(pending["dpop_jwk"]), nonce=pending.get("as_nonce"))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": pending["verifier"],
    }
    try:
        tokens = await _post(
            pending["token_endpoint"], form, key, client, pending["issuer"], settings
        )
    except xrpc.XrpcError as error:
        raise Invalid(
            f"Bluesky refused the sign-in: {error.message}", field="identifier"
        ) from error
    sub = tokens.get("sub")
    if tokens.get("token_type", "").lower() != "dpop" or not isinstance(sub, str):
        raise BadGateway("Bluesky answered with a token hashchat cannot use")
    if "atproto" not in str(tokens.get("scope", "")).split():
        raise Invalid("Bluesky did not grant the atproto scope", field="identifier")
    if pending.get("did") and sub != pending["did"]:
        raise Invalid("you signed in as another account than the one named", field="identifier")
    who = await identity.resolve(sub, settings)
    if (await server_for_pds(who.pds, settings)).issuer != pending["issuer"]:
        raise Invalid("that account's PDS does not trust this server", field="identifier")
    expires = None
    if isinstance(tokens.get("expires_in"), int):
        expires = datetime.now(UTC) + timedelta(seconds=int(tokens["expires_in"]))
    secrets_ = {
        "access_token": tokens["access_token"],
        "refresh_token": tokens.get("refresh_token"),
        "dpop_jwk": pending["dpop_jwk"],
        "issuer": pending["issuer"],
        "token_endpoint": pending["token_endpoint"],
        "revocation_endpoint": pending.get("revocation_endpoint"),
        "as_nonce": key.nonce,
        "client_id": client.client_id,
    }
    return who, secrets_, expires


# -- the session of a link made by OAuth (sessions.py's "oauth" method) ---------------------------


def _present(link: LinkedAccount, secrets_: dict[str, Any], settings: Settings) -> xrpc.Credentials:
    return dpop.DPoP(
        dpop.key_from(secrets_["dpop_jwk"]),
        token=str(secrets_["access_token"]),
        nonce=secrets_.get("pds_nonce"),
    )


def _client_of(secrets_: dict[str, Any], settings: Settings) -> Client:
    client = require_client(settings)
    if client.client_id != secrets_.get("client_id"):
        # The server's address changed since the link was made: its tokens belong to the
        # old client_id, so the person must link again.
        raise sessions.Expired("hashchat's address changed since you linked; link again")
    return client


async def _renew(
    link: LinkedAccount, secrets_: dict[str, Any], settings: Settings
) -> tuple[dict[str, Any], datetime | None]:
    if not secrets_.get("refresh_token"):
        raise sessions.Expired("Bluesky gave no refresh token; link again")
    client = _client_of(secrets_, settings)
    key = dpop.DPoP(dpop.key_from(secrets_["dpop_jwk"]), nonce=secrets_.get("as_nonce"))
    form = {"grant_type": "refresh_token", "refresh_token": str(secrets_["refresh_token"])}
    try:
        tokens = await _post(
            secrets_["token_endpoint"], form, key, client, secrets_["issuer"], settings
        )
    except xrpc.XrpcError as error:
        raise sessions.Expired(
            f"Bluesky ended the session ({error.message}); link again"
        ) from error
    if tokens.get("sub") != link.remote_id:
        raise sessions.Expired("Bluesky renewed the session for another account; link again")
    expires = None
    if isinstance(tokens.get("expires_in"), int):
        expires = datetime.now(UTC) + timedelta(seconds=int(tokens["expires_in"]))
    renewed = {
        **secrets_,
        "access_token": tokens["access_token"],
        "refresh_token": tokens.get("refresh_token") or secrets_["refresh_token"],
        "as_nonce": key.nonce,
    }
    return renewed, expires


async def _revoke(link: LinkedAccount, secrets_: dict[str, Any], settings: Settings) -> None:
    endpoint = secrets_.get("revocation_endpoint")
    if not endpoint:
        return
    client = _client_of(secrets_, settings)
    key = dpop.DPoP(dpop.key_from(secrets_["dpop_jwk"]), nonce=secrets_.get("as_nonce"))
    for token in (secrets_.get("refresh_token"), secrets_.get("access_token")):
        if token:
            await _post(endpoint, {"token": str(token)}, key, client, secrets_["issuer"], settings)


sessions.METHODS["oauth"] = sessions.Method(present=_present, renew=_renew, revoke=_revoke)
