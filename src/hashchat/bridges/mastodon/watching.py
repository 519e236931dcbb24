"""Which Mastodon servers a chat reads, and with whose account.

The fediverse has no global view of a hashtag: each server shows what reaches it, and since
Mastodon 4.2 its hashtag stream needs a user's token. So a chat's host names the servers to
read (``bridges: ["mastodon:https://server", ...]``) and each is read with the linked account
of one of the chat's hosts on that server; when the host allows it (``bridge_lenders``), with a
follower's who agreed (``lends_reading``) when no host has one. Registered with the directory
(directory/bridging.py): the names are read by :func:`check_target`, and a chat whose server no
host can read is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.mastodon.servers import check_server
from hashchat.directory.models import Chat, ChatFollow, ChatHost
from hashchat.errors import Invalid

NETWORK = "mastodon"


def check_target(place: str) -> str:
    return check_server(place, field="bridges")


async def check_readable(session: AsyncSession, chat: Chat) -> None:
    """Every server the chat names can be read: a host linked an account there, or the host
    lets followers lend theirs."""
    servers = chat.mastodon_servers
    if not servers or chat.bridge_lenders:
        return
    linked = set(
        await session.scalars(
            select(LinkedAccount.service_url)
            .join(ChatHost, ChatHost.account_id == LinkedAccount.account_id)
            .where(
                ChatHost.chat_id == chat.id,
                LinkedAccount.network == NETWORK,
                LinkedAccount.broken == "",
            )
        )
    )
    for server in servers:
        if server not in linked:
            raise Invalid(
                f"no host of #{chat.hashtag} has a working Mastodon account linked on {server} "
                "(Settings › Linked accounts), and a server is read with one; or let followers "
                "who offer theirs read it (bridge_lenders)",
                field="bridges",
            )


@dataclass(frozen=True, slots=True)
class Watch:
    """One server read for one chat."""

    chat_id: int
    tag_key: str
    hashtag: str
    server: str

    @property
    def source(self) -> str:
        return f"mastodon:{self.server}#{self.tag_key}"[:300]


async def reader_link(session: AsyncSession, chat: Chat, server: str) -> LinkedAccount | None:
    """The account to read ``server`` with for ``chat``: a host's (the first host first), else,
    if allowed, a follower's who agreed; working links only."""
    working = (
        LinkedAccount.network == NETWORK,
        LinkedAccount.service_url == server,
        LinkedAccount.broken == "",
    )
    host: LinkedAccount | None = await session.scalar(
        select(LinkedAccount)
        .join(ChatHost, ChatHost.account_id == LinkedAccount.account_id)
        .where(ChatHost.chat_id == chat.id, *working)
        .order_by(ChatHost.position, LinkedAccount.id)
        .limit(1)
    )
    if host is not None or not chat.bridge_lenders:
        return host
    lender: LinkedAccount | None = await session.scalar(
        select(LinkedAccount)
        .join(ChatFollow, ChatFollow.account_id == LinkedAccount.account_id)
        .where(ChatFollow.chat_id == chat.id, LinkedAccount.lends_reading.is_(True), *working)
        .order_by(LinkedAccount.id)
        .limit(1)
    )
    return lender


def register() -> None:
    from hashchat.directory import bridging

    bridging.targets[NETWORK] = check_target
    if check_readable not in bridging.checks:
        bridging.checks.append(check_readable)
