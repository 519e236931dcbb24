"""DPoP (RFC 9449) proofs for atproto OAuth: an ES256 key per linked account, a fresh signed
proof per request (``htm``, ``htu`` without query, ``iat``, ``jti``; ``ath`` for a resource
request; the server's ``nonce`` once it gave one), and the Authorization header of a
DPoP-bound token. Signed with joserfc."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from joserfc import jwt
from joserfc.jwk import ECKey


def new_key() -> ECKey:
    return ECKey.generate_key("P-256")


def key_from(jwk: dict[str, Any]) -> ECKey:
    return ECKey.import_key(jwk)


def private_jwk(key: ECKey) -> dict[str, Any]:
    return dict(key.as_dict(private=True))


def b64url_sha256(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def proof(
    key: ECKey, method: str, url: str, *, nonce: str | None = None, token: str | None = None
) -> str:
    parts = urlsplit(url)
    claims: dict[str, Any] = {
        "jti": secrets.token_urlsafe(16),
        "htm": method.upper(),
        "htu": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "iat": int(time.time()),
    }
    if nonce:
        claims["nonce"] = nonce
    if token:
        claims["ath"] = b64url_sha256(token)
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key, algorithms=["ES256"])


# The latest DPoP nonce each server gave (by origin): a server's nonce is the same for every
# client key, so the next request to it carries one at once instead of being refused first.
_nonces: dict[str, str] = {}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class DPoP:
    """Credentials for xrpc.send/call: a DPoP-bound access token (or none, for the
    authorization server's own endpoints), remembering the server's latest nonce."""

    key: ECKey
    token: str | None = None
    nonce: str | None = None
    seen: list[str] = field(default_factory=list)
    origin: str = ""

    def headers(self, method: str, url: str) -> dict[str, str]:
        self.origin = _origin(url)
        nonce = _nonces.get(self.origin) or self.nonce
        out = {"DPoP": proof(self.key, method, url, nonce=nonce, token=self.token)}
        if self.token:
            out["Authorization"] = f"DPoP {self.token}"
        return out

    def take_nonce(self, nonce: str) -> None:
        self.nonce = nonce
        self.seen.append(nonce)
        if self.origin:
            _nonces[self.origin] = nonce
