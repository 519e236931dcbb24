"""Who hosts a listing, with their consent; and when its room may be moderated.

Anyone may list a chat and name its hosts, but naming someone makes them a host only once they
accept: until then they are *invited* (``host_invitations``), shown nowhere publicly and given
no role. The lister is a host at once, and so is whoever an admin or the operator names (they
already may do everything). Taking someone out of the list withdraws their invitation.

A listing says nothing about who may hide others' posts: its room's moderation (hide, mute,
ban) starts once it is *vouched for* (``chats.vouched_at``): an admin listed or approved it, or
its host had used the hashtag in a post before listing it. Running sessions needs neither.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatHost, HostInvitation
from hashchat.errors import NotFound
from hashchat.notifications.service import notify
from hashchat.posts.models import Post, PostTag, Tag
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.text import normalize_tag


async def write_hosts(
    session: AsyncSession, chat: Chat, hosts: list[Account], *, actor: Account | None,
    now: datetime,
) -> None:  # fmt: skip
    """Make ``hosts`` (in order, the first one "host") the listing's hosts: those who are
    hosts already stay, ``actor`` is one at once, and so is everyone an admin or the operator
    (``actor`` None) names; anyone else is invited and told. Invitations of people no longer
    named are withdrawn."""
    current = set(
        await session.scalars(select(ChatHost.account_id).where(ChatHost.chat_id == chat.id))
    )
    invited = {
        i.account_id: i
        for i in await session.scalars(
            select(HostInvitation).where(HostInvitation.chat_id == chat.id)
        )
    }
    trusted = actor is None or actor.is_admin
    await session.execute(delete(ChatHost).where(ChatHost.chat_id == chat.id))
    named = {a.id for a in hosts}
    for account_id, withdrawn in invited.items():
        if account_id not in named:
            await session.delete(withdrawn)
    for position, account in enumerate(hosts):
        role = "host" if position == 0 else "cohost"
        takes_it = (
            trusted or account.id in current or (actor is not None and account.id == actor.id)
        )
        if takes_it:
            if account.id in invited:
                await session.delete(invited[account.id])
            session.add(
                ChatHost(chat_id=chat.id, account_id=account.id, role=role, position=position)
            )
            continue
        pending = invited.get(account.id)
        if pending is not None:
            pending.role, pending.position = role, position
            continue
        session.add(
            HostInvitation(
                chat_id=chat.id, account_id=account.id, role=role, position=position,
                invited_by_id=actor.id if actor else None, created_at=now,
            )
        )  # fmt: skip
        who = f"@{actor.handle}" if actor else "Someone"
        await notify(
            session, recipient=account, type="chat.host_invited", from_account=actor, chat=chat,
            text=f"{who} named you a host of #{chat.hashtag} ({chat.title}). Accept or decline "
            "on the chat's page; until you accept you are not shown as one.", now=now,
        )  # fmt: skip
    await session.flush()


async def invitations_of(session: AsyncSession, chat_id: int) -> list[tuple[Account, str]]:
    """The people invited to host the chat and not yet answered, in the listing's order."""
    rows = await session.execute(
        select(Account, HostInvitation.role)
        .join(HostInvitation, HostInvitation.account_id == Account.id)
        .where(HostInvitation.chat_id == chat_id)
        .order_by(HostInvitation.position)
    )
    return [(account, role) for account, role in rows]


async def invitation_for(
    session: AsyncSession, chat: Chat, account: Account | None
) -> HostInvitation | None:
    if account is None:
        return None
    return await session.get(HostInvitation, (chat.id, account.id))


async def answer(*, db: Database, account: Account, tag: str, accept: bool) -> Chat:
    """Accept (the role takes effect) or decline (the invitation goes) an invitation to host
    the chat ``tag``. NotFound when there is none."""
    async with db.write() as session:
        chat = await session.scalar(
            select(Chat).where(Chat.tag_key == normalize_tag(tag.lstrip("#")))
        )
        invitation = await invitation_for(session, chat, account) if chat else None
        if chat is None or invitation is None:
            raise NotFound("you have no invitation to host this chat", field="hashtag")
        await session.delete(invitation)
        if accept:
            session.add(
                ChatHost(
                    chat_id=chat.id, account_id=account.id, role=invitation.role,
                    position=invitation.position,
                )
            )  # fmt: skip
    return chat


async def used_hashtag_before(
    session: AsyncSession, account: Account, tag_key: str, before: datetime
) -> bool:
    """Whether ``account`` posted with the hashtag before ``before`` (not a repost)."""
    found = await session.scalar(
        select(
            exists().where(
                Tag.key == tag_key,
                PostTag.tag_id == Tag.id,
                PostTag.reblog.is_(False),
                Post.id == PostTag.post_id,
                Post.account_id == account.id,
                Post.deleted_at.is_(None),
                Post.created_at < before,
            )
        )
    )
    return bool(found)


async def vouch_at_listing(
    session: AsyncSession, chat: Chat, *, actor: Account | None, hosts: list[Account],
    waits: bool, now: datetime,
) -> None:  # fmt: skip
    """Whether a new listing's room may be moderated from the start: listed by an admin or the
    operator, or its host (the lister, named first or not) used the hashtag before. A listing
    that waits for approval is vouched for when an admin approves it."""
    if actor is None or actor.is_admin:
        chat.vouched_at = None if waits else now
        return
    if actor.id in {h.id for h in hosts} and await used_hashtag_before(
        session, actor, chat.tag_key, now
    ):
        chat.vouched_at = now


def vouch(chat: Chat, now: datetime | None = None) -> None:
    """An admin approved the listing: its room may be moderated."""
    if chat.vouched_at is None:
        chat.vouched_at = now or utcnow()
