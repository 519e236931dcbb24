"""Logging in with a linked Mastodon account: the OAuth round trip (flow.py, oauth.py) proves
the person holds an account on a server; the hashchat account that linked that account (the
server and its actor id, as the link keeps them) is signed in. Signing in never creates an
account, and a server cannot claim someone else's: the link is looked up with the server the
token came from.

The token got only to sign in is not kept: it is revoked at the server at once (best effort),
and the link keeps the token it had. It is kept in one case only: when the link is broken (its
token was revoked there), it mends the link, as linking again would.
"""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts import service as accounts
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.mastodon import link as mastodon_link
from hashchat.bridges.mastodon import oauth
from hashchat.bridges.mastodon.oauth import Who
from hashchat.bridges.sealing import Sealer, Unsealable
from hashchat.config import Settings
from hashchat.errors import Conflict, DomainError, Invalid
from hashchat.storage.engine import Database

FIELD = "mastodon"  # where the log-in page says what went wrong


async def check_log_in(session: AsyncSession, *, server: str, who: Who) -> LinkedAccount:
    """The link of the hashchat account to sign in: the one that linked ``who`` on ``server``.
    None is Invalid (log in another way, link it first); several (two hashchat accounts linked
    one Mastodon account) is a Conflict: hashchat will not guess between them."""
    rows = list(
        await session.scalars(
            select(LinkedAccount)
            .where(
                LinkedAccount.network == mastodon_link.NETWORK,
                LinkedAccount.service_url == server,
                LinkedAccount.remote_id == who.actor,
            )
            .limit(2)
        )
    )
    if not rows:
        raise Invalid(
            f"no hashchat account has linked {who.handle} yet: log in another way (or sign "
            "up), then link it in Settings › Linked accounts",
            field=FIELD,
        )
    if len(rows) > 1:
        raise Conflict(
            f"more than one hashchat account linked {who.handle}: log in another way",
            field=FIELD,
        )
    return rows[0]


def _kept(link: LinkedAccount, token: str, sealer: Sealer) -> bool:
    """Whether ``token`` is the very one the link keeps (a server may hand the same token to
    the same app and account again): then it must not be revoked."""
    try:
        return hmac.compare_digest(mastodon_link.token_of(link, sealer), token)
    except (Unsealable, KeyError):
        return False


async def do_log_in(
    *, db: Database, server: str, who: Who, token: str, sealer: Sealer, settings: Settings
) -> str:
    """Sign in the hashchat account that linked ``who`` on ``server``: answers the new browser
    session's secret (a new one every time, never one the browser brought). The token is kept
    only to mend a broken link; otherwise it is revoked at ``server``, also when the log-in is
    refused."""
    try:
        async with db.read() as session:
            link = await check_log_in(session, server=server, who=who)
    except DomainError:
        await oauth.revoke(db, server, token, sealer, settings)
        raise
    if link.broken:
        await mastodon_link.store(
            db=db, account_id=link.account_id, server=server, who=who, token=token, sealer=sealer
        )
    elif not _kept(link, token, sealer):
        await oauth.revoke(db, server, token, sealer, settings)
    return await accounts.start_web_session(db=db, account_id=link.account_id)
