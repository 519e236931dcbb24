"""Linking a Bluesky account with an app password: resolve the identifier to its DID and PDS,
open a session there (com.atproto.server.createSession), keep it sealed. OAuth (oauth.py) ends
in :func:`store` too."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from hashchat.bridges import linking
from hashchat.bridges.bluesky import identity, sessions
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.sealing import Sealer
from hashchat.config import Settings
from hashchat.errors import Conflict, Invalid
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

# Bluesky's app passwords: four groups of four, e.g. "abcd-2345-efgh-6789".
APP_PASSWORD = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$")


def check_app_password(identifier: str, app_password: str) -> tuple[str, str]:
    """The parsed identifier and app password, or Invalid on the field at fault. A main
    password is refused: hashchat keeps what it is given, and an app password can be revoked."""
    parsed = identity.parse_identifier(identifier)
    app_password = app_password.strip().lower()
    if not app_password:
        raise Invalid("give an app password", field="app_password")
    if not APP_PASSWORD.match(app_password):
        raise Invalid(
            "use an app password (xxxx-xxxx-xxxx-xxxx, made in Bluesky's settings under "
            "Privacy and security > App passwords), not your account's password",
            field="app_password",
        )
    return parsed, app_password


async def check_not_linked_elsewhere(db: Database, account_id: int, did: str) -> None:
    async with db.read() as session:
        existing = await linking.link_for(session, account_id, "bluesky")
    if existing is not None and existing.remote_id != did:
        raise Conflict(f"you already linked {existing.handle}: unlink it first", field="identifier")


async def store(
    *,
    db: Database,
    account_id: int,
    who: identity.Identity,
    method: str,
    secrets: dict[str, Any],
    expires: datetime | None,
    sealer: Sealer,
) -> LinkedAccount:
    """Keep the link (a new one, or the same DID linked again: its session replaced)."""
    async with db.write() as session:
        link = await linking.link_for(session, account_id, "bluesky")
        if link is not None and link.remote_id != who.did:
            raise Conflict(f"you already linked {link.handle}: unlink it first", field="identifier")
        if link is None:
            link = LinkedAccount(account_id=account_id, network="bluesky", remote_id=who.did)
            session.add(link)
        link.handle = who.handle
        link.service_url = who.pds
        link.method = method
        link.sealed = sealer.seal(f"bluesky:{account_id}:{who.did}", secrets)
        link.access_expires_at = expires
        link.refreshing_until = None
        link.updated_at = utcnow()
        await session.flush()
        link_id = link.id
    linking.linked_authors.forget()
    async with db.read() as session:
        stored = await session.get(LinkedAccount, link_id)
    assert stored is not None
    return stored


async def link_with_app_password(
    *,
    db: Database,
    account_id: int,
    identifier: str,
    app_password: str,
    sealer: Sealer,
    settings: Settings,
) -> LinkedAccount:
    """Link the Bluesky account ``identifier`` (a handle or DID) to ``account_id``."""
    parsed, app_password = check_app_password(identifier, app_password)
    who = await identity.resolve(parsed, settings)
    await check_not_linked_elsewhere(db, account_id, who.did)
    opened = await sessions.create_session(who.pds, who.did, app_password, settings)
    if opened.get("did") != who.did:
        raise Invalid("the PDS answered for another account", field="identifier")
    secrets = {
        "access_jwt": opened["accessJwt"],
        "refresh_jwt": opened["refreshJwt"],
        "app_password": app_password,
    }
    return await store(
        db=db,
        account_id=account_id,
        who=who,
        method="app_password",
        secrets=secrets,
        expires=sessions.jwt_expiry(opened["accessJwt"]),
        sealer=sealer,
    )
