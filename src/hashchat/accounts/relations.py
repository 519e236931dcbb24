"""Mutes and blocks between people (Mastodon's account mutes and blocks).

A mute hides the muted person's posts (and reposts of them) from the muter's timelines and
rooms, and with ``notifications`` their notifications too, until it expires if given a
duration. A block does all that both ways and ends any follow between the two. Who is hidden
from a viewer is one subquery (:func:`hidden_from`) the timelines add to theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, delete, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account, AccountBlock, AccountMute, Follow
from hashchat.accounts.service import _bump_follow_counts, get_account
from hashchat.errors import Invalid
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database

MAX_MUTE_SECONDS = 365 * 24 * 3600


def check_duration(value: object) -> int:
    """A mute's length in seconds; 0 (or nothing) is for ever."""
    if value in (None, ""):
        return 0
    try:
        seconds = int(str(value))
    except ValueError:
        raise Invalid("duration is a number of seconds (0: for ever)", field="duration") from None
    if not 0 <= seconds <= MAX_MUTE_SECONDS:
        raise Invalid("duration is between 0 and a year, in seconds", field="duration")
    return seconds


async def _other(session: AsyncSession, account: Account, target_id: int) -> Account:
    if target_id == account.id:
        raise Invalid("that is you", field="id")
    return await get_account(session, target_id)


async def mute(
    *, db: Database, account: Account, target_id: int, notifications: bool = True, duration: int = 0
) -> None:
    """Mute ``target_id`` (again: the new settings replace the old)."""
    async with db.write() as session:
        await _other(session, account, target_id)
        row = await session.get(AccountMute, (account.id, target_id))
        if row is None:
            row = AccountMute(account_id=account.id, target_id=target_id)
            session.add(row)
        row.notifications = notifications
        row.expires_at = utcnow() + timedelta(seconds=duration) if duration else None


async def unmute(*, db: Database, account: Account, target_id: int) -> None:
    async with db.write() as session:
        await _other(session, account, target_id)
        await session.execute(
            delete(AccountMute).where(
                AccountMute.account_id == account.id, AccountMute.target_id == target_id
            )
        )


async def block(*, db: Database, account: Account, target_id: int) -> None:
    """Block ``target_id``: follows between the two end (with their counts)."""
    async with db.write() as session:
        await _other(session, account, target_id)
        if await session.get(AccountBlock, (account.id, target_id)) is None:
            session.add(AccountBlock(account_id=account.id, target_id=target_id))
        for follower, followee in ((account.id, target_id), (target_id, account.id)):
            removed = await session.execute(
                delete(Follow).where(Follow.follower_id == follower, Follow.followee_id == followee)
            )
            if getattr(removed, "rowcount", 0):
                await _bump_follow_counts(session, follower, followee, -1)


async def unblock(*, db: Database, account: Account, target_id: int) -> None:
    async with db.write() as session:
        await _other(session, account, target_id)
        await session.execute(
            delete(AccountBlock).where(
                AccountBlock.account_id == account.id, AccountBlock.target_id == target_id
            )
        )


def hidden_from(viewer_id: int, now: datetime | None = None) -> Select[tuple[int]]:
    """The ids of the accounts whose posts ``viewer_id`` does not see: muted (and not
    expired), blocked, or blocking them."""
    at = now or utcnow()
    muted = select(AccountMute.target_id).where(
        AccountMute.account_id == viewer_id,
        or_(AccountMute.expires_at.is_(None), AccountMute.expires_at > at),
    )
    blocked = select(AccountBlock.target_id).where(AccountBlock.account_id == viewer_id)
    blocking = select(AccountBlock.account_id).where(AccountBlock.target_id == viewer_id)
    return select(union(muted, blocked, blocking).subquery().c[0])


async def hidden_ids(session: AsyncSession, viewer_id: int) -> set[int]:
    return set(await session.scalars(hidden_from(viewer_id)))


async def muted_accounts(session: AsyncSession, account_id: int) -> list[Account]:
    rows = await session.scalars(
        select(Account)
        .join(AccountMute, AccountMute.target_id == Account.id)
        .where(
            AccountMute.account_id == account_id,
            or_(AccountMute.expires_at.is_(None), AccountMute.expires_at > utcnow()),
        )
        .order_by(AccountMute.created_at.desc())
        .limit(80)
    )
    return list(rows)


async def blocked_accounts(session: AsyncSession, account_id: int) -> list[Account]:
    rows = await session.scalars(
        select(Account)
        .join(AccountBlock, AccountBlock.target_id == Account.id)
        .where(AccountBlock.account_id == account_id)
        .order_by(AccountBlock.created_at.desc())
        .limit(80)
    )
    return list(rows)
