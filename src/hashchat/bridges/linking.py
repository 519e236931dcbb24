"""Linked accounts, whatever the network: listing them (never their secrets) and unlinking,
which also ends the session at the other end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.sealing import Sealer
from hashchat.config import Settings
from hashchat.errors import NotFound
from hashchat.storage.engine import Database


def profile_url(link: LinkedAccount) -> str:
    if link.network == "bluesky":
        return f"https://bsky.app/profile/{link.remote_id}"
    return link.service_url


def link_entity(link: LinkedAccount) -> dict[str, Any]:
    """A linked account as the API shows it: who, where, how; no token, no password."""
    return {
        "id": str(link.id),
        "network": link.network,
        "did": link.remote_id if link.network == "bluesky" else None,
        "handle": link.handle,
        "service": link.service_url,
        "method": link.method,
        "url": profile_url(link),
        "created_at": link.created_at.isoformat().replace("+00:00", "Z"),
    }


async def list_links(session: AsyncSession, account_id: int) -> list[LinkedAccount]:
    rows = await session.scalars(
        select(LinkedAccount)
        .where(LinkedAccount.account_id == account_id)
        .order_by(LinkedAccount.network, LinkedAccount.id)
    )
    return list(rows)


async def link_for(session: AsyncSession, account_id: int, network: str) -> LinkedAccount | None:
    found: LinkedAccount | None = await session.scalar(
        select(LinkedAccount).where(
            LinkedAccount.account_id == account_id, LinkedAccount.network == network
        )
    )
    return found


async def check_unlink(session: AsyncSession, *, account_id: int, link_id: int) -> LinkedAccount:
    link = await session.get(LinkedAccount, link_id)
    if link is None or link.account_id != account_id:
        raise NotFound("no such linked account", field="id")
    return link


async def do_unlink(
    *, db: Database, account_id: int, link_id: int, sealer: Sealer, settings: Settings
) -> dict[str, Any]:
    """Forget the linked account; its session is ended at the other end first (best effort:
    ``revoked`` says whether that end heard it). Someone else's id is NotFound."""
    async with db.read() as session:
        link = await check_unlink(session, account_id=account_id, link_id=link_id)
    from hashchat.bridges.bluesky import sessions

    revoked = await sessions.revoke(link, sealer, settings)
    async with db.write() as session:
        row = await session.get(LinkedAccount, link_id)
        if row is not None:
            await session.delete(row)
    from hashchat.bridges.bluesky.posting import linked_authors

    linked_authors.forget()
    return {**link_entity(link), "revoked": revoked}


async def reseal_all(db: Database, sealer: Sealer) -> tuple[int, int]:
    """Seal every link's secrets under the sealer's current key: (resealed, unopenable)."""
    from hashchat.bridges.sealing import Unsealable

    done = lost = 0
    async with db.write() as session:
        for link in await session.scalars(select(LinkedAccount)):
            try:
                link.sealed = sealer.reseal(link.sealed)
                done += 1
            except Unsealable:
                lost += 1
    return done, lost
