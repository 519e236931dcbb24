"""Linked accounts' secrets (sessions, tokens, app passwords, DPoP keys) sealed at rest.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a key derived from the server's
secret key with HKDF-SHA256, so that a copy of the database alone opens nothing. The sealed JSON
names the linked account it belongs to, so a sealed value copied onto another row is refused.

Rotation: set the new HASHCHAT_SECRET_KEY and list the old one in HASHCHAT_SECRET_KEY_PREVIOUS;
values sealed under either open (MultiFernet), new ones are sealed under the current key, and
`hashchat bridges reseal` moves every stored value to it. Then the old key can go.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"hashchat bridges: linked account secrets, v1"


class Unsealable(Exception):
    """A sealed value that no known key opens, or that belongs to another linked account."""


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class Sealer:
    def __init__(self, secret: str, previous: list[str] | tuple[str, ...] = ()) -> None:
        self._keys = MultiFernet([_fernet(secret), *(_fernet(p) for p in previous)])

    def seal(self, owner: str, data: dict[str, Any]) -> str:
        """``data`` as an opaque string only this server opens, bound to ``owner``."""
        return self._keys.encrypt(orjson.dumps({"owner": owner, "data": data})).decode()

    def open(self, owner: str, sealed: str) -> dict[str, Any]:
        try:
            box = orjson.loads(self._keys.decrypt(sealed.encode()))
        except (InvalidToken, orjson.JSONDecodeError) as error:
            raise Unsealable("no known secret key opens this value") from error
        if box.get("owner") != owner:
            raise Unsealable("this value was sealed for another linked account")
        data: dict[str, Any] = box["data"]
        return data

    def reseal(self, sealed: str) -> str:
        """The same value sealed under the current key (rotation)."""
        try:
            return self._keys.rotate(sealed.encode()).decode()
        except InvalidToken as error:
            raise Unsealable("no known secret key opens this value") from error


@lru_cache(maxsize=8)
def sealer_for(secret: str, previous: tuple[str, ...] = ()) -> Sealer:
    """The process's sealer for this secret key (and the earlier ones still accepted)."""
    return Sealer(secret, previous)
