"""Linked accounts, whatever the network: listing them (never their secrets), unlinking (which
also ends the session at the other end), and who has one (cached for the write path)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.sealing import Sealer
from hashchat.config import Settings
from hashchat.errors import NotFound
from hashchat.storage.engine import Database


class LinkedAuthors:
    """Who has a working linked account on each network, cached for a few seconds per process
    (lifted from the Bluesky bridge for both): most batches of posts are by people without one
    and ask for nothing, and then a posting-out step costs no query. A draft that asks to go
    out is always checked against the database itself; a link made or removed in this process
    is seen at once, one made in another within ``ttl`` seconds (its owner's questions go out
    from then on)."""

    ttl = 5.0

    def __init__(self) -> None:
        self.ids: dict[str, frozenset[int]] | None = None
        self.loaded = 0.0

    async def get(self, session: AsyncSession, network: str) -> frozenset[int]:
        if self.ids is None or time.monotonic() - self.loaded > self.ttl:
            rows = await session.execute(
                select(LinkedAccount.network, LinkedAccount.account_id).where(
                    LinkedAccount.broken == ""
                )
            )
            found: dict[str, set[int]] = {}
            for name, account_id in rows:
                found.setdefault(name, set()).add(account_id)
            self.ids = {name: frozenset(ids) for name, ids in found.items()}
            self.loaded = time.monotonic()
        return self.ids.get(network, frozenset())

    def forget(self) -> None:
        self.ids = None


linked_authors = LinkedAuthors()


def profile_url(link: LinkedAccount) -> str:
    if link.network == "bluesky":
        return f"https://bsky.app/profile/{link.remote_id}"
    return link.remote_id  # Mastodon: the actor's id, which is its profile's address too


def link_entity(link: LinkedAccount) -> dict[str, Any]:
    """A linked account as the API shows it: who, where, how; no token, no password."""
    return {
        "id": str(link.id),
        "network": link.network,
        "did": link.remote_id if link.network == "bluesky" else None,
        "actor": link.remote_id if link.network == "mastodon" else None,
        "handle": link.handle,
        "service": link.service_url,
        "method": link.method,
        "url": profile_url(link),
        "broken": link.broken or None,
        "lends_reading": link.lends_reading,
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
    revoked = await _revoke(db, link, sealer, settings)
    async with db.write() as session:
        row = await session.get(LinkedAccount, link_id)
        if row is not None:
            await session.delete(row)
    linked_authors.forget()
    return {**link_entity(link), "revoked": revoked}


async def _revoke(db: Database, link: LinkedAccount, sealer: Sealer, settings: Settings) -> bool:
    """End the link's session at its network (best effort)."""
    if link.network == "mastodon":
        from hashchat.bridges.mastodon import link as mastodon_link
        from hashchat.bridges.mastodon import oauth as mastodon_oauth
        from hashchat.bridges.sealing import Unsealable

        try:
            token = mastodon_link.token_of(link, sealer)
        except (Unsealable, KeyError):
            return False
        return await mastodon_oauth.revoke(db, link.service_url, token, sealer, settings)
    from hashchat.bridges.bluesky import sessions

    return await sessions.revoke(link, sealer, settings)


async def set_lending(*, db: Database, account_id: int, link_id: int, lends: bool) -> LinkedAccount:
    """Whether the person lets chats they follow read their hashtag with this link (their
    hosts must opt in too)."""
    async with db.write() as session:
        link = await check_unlink(session, account_id=account_id, link_id=link_id)
        link.lends_reading = lends
    return link


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
