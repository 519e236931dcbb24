"""A linked Mastodon account: kept once the OAuth flow ends (oauth.py), its token sealed; opened
to read or post; marked broken, and its owner told, when its server stops accepting the token."""

from __future__ import annotations

from sqlalchemy import select, update

from hashchat.accounts.models import Account
from hashchat.bridges import linking
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.mastodon.oauth import Who
from hashchat.bridges.sealing import Sealer
from hashchat.errors import Conflict
from hashchat.notifications.service import notify
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

NETWORK = "mastodon"


def owner(account_id: int, actor: str) -> str:
    return f"{NETWORK}:{account_id}:{actor}"


async def store(
    *, db: Database, account_id: int, server: str, who: Who, token: str, sealer: Sealer
) -> LinkedAccount:
    """Keep the link: a new one, or the same account linked again (its token replaced, and a
    broken link mended). Another Mastodon account needs the first unlinked (409)."""
    async with db.write() as session:
        link = await linking.link_for(session, account_id, NETWORK)
        if link is not None and link.remote_id != who.actor:
            raise Conflict(f"you already linked {link.handle}: unlink it first", field="server")
        if link is None:
            link = LinkedAccount(account_id=account_id, network=NETWORK, remote_id=who.actor)
            session.add(link)
        link.handle = who.handle
        link.service_url = server
        link.method = "oauth"
        link.sealed = sealer.seal(owner(account_id, who.actor), {"token": token})
        link.access_expires_at = None  # Mastodon's tokens last until revoked
        link.broken = ""
        link.updated_at = utcnow()
        await session.flush()
        link_id = link.id
    linking.linked_authors.forget()
    async with db.read() as session:
        stored = await session.get(LinkedAccount, link_id)
    assert stored is not None
    return stored


def token_of(link: LinkedAccount, sealer: Sealer) -> str:
    """The link's token (raises Unsealable when no known key opens it)."""
    return str(sealer.open(link.owner, link.sealed)["token"])


async def mark_broken(*, db: Database, link_id: int, reason: str) -> bool:
    """The server refused the link's token: mark it broken and tell its owner (once). Answers
    whether it was working until now."""
    async with db.write() as session:
        result = await session.execute(
            update(LinkedAccount)
            .where(LinkedAccount.id == link_id, LinkedAccount.broken == "")
            .values(broken=reason[:300], updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return False
        row = (
            await session.execute(
                select(LinkedAccount, Account)
                .join(Account, Account.id == LinkedAccount.account_id)
                .where(LinkedAccount.id == link_id)
            )
        ).first()
        if row is not None:
            link, person = row
            await notify(
                session,
                recipient=person,
                type="bridge.broken",
                text=f"Your Mastodon account {link.handle} no longer works with hashchat "
                f"({reason[:150]}). Link it again in Settings › Linked accounts.",
            )
    linking.linked_authors.forget()
    return True
