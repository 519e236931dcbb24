"""Accounts: creating, signing in, profiles and follows.

Every function that changes something opens its own write transaction on ``db`` and returns only
after it committed; checks run before anything is written, so an error leaves nothing behind.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts import validation as v
from hashchat.accounts.models import Account, Follow, TagFollow, WebSession
from hashchat.accounts.steps import Followed, account_steps
from hashchat.errors import Conflict, Invalid, NotFound
from hashchat.posts.models import Tag
from hashchat.posts.tags import check_tag
from hashchat.security import digest, hash_password, new_token, verify_password
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.storage.sequence import lock_ids
from hashchat.text import normalize_tag

WEB_SESSION_DAYS = 30


async def get_by_handle(session: AsyncSession, handle: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.handle_key == v.handle_key(handle)))


async def get_account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("no such account", field="id")
    return account


async def create_account(
    *,
    db: Database,
    handle: object,
    password: object,
    email: object = None,
    display_name: object = "",
    time_zone: object = "UTC",
    role: str = "member",
) -> Account:
    """Create an account, or raise Invalid/Conflict naming the field; nothing is written then."""
    handle = v.check_handle(handle)
    password = v.check_password(password)
    email = v.check_email(email)
    display_name = v.check_display_name(display_name)
    time_zone = v.check_time_zone(time_zone)
    if role not in ("admin", "member"):
        raise Invalid("a role is admin or member", field="role")
    async with db.read() as session:
        if await get_by_handle(session, handle):
            raise Conflict("this handle is taken", field="username")
        if email and await session.scalar(select(Account.id).where(Account.email == email)):
            raise Conflict("an account with this email exists", field="email")
    password_hash = await hash_password(password)
    account = Account(
        handle=handle,
        handle_key=v.handle_key(handle),
        email=email,
        password_hash=password_hash,
        display_name=display_name,
        time_zone=time_zone,
        role=role,
    )
    try:
        async with db.write() as session:
            session.add(account)
    except IntegrityError as exc:  # a sign-up racing ours took the handle or email
        field = "email" if "email" in str(exc.orig) else "username"
        what = "email" if field == "email" else "handle"
        raise Conflict(f"this {what} is taken", field=field) from exc
    return account


class LogInGuard(Protocol):
    """A throttle of log-ins per account (web/ratelimit.py provides one)."""

    async def before(self, key: str) -> None:
        """Raise (RateLimited) if ``key`` may not try now."""

    async def failed(self, key: str) -> None:
        """Count a failed attempt for ``key``."""


async def authenticate(
    *, db: Database, login: str, password: str, guard: LogInGuard | None = None
) -> Account | None:
    """The account whose handle or email is ``login`` and whose password matches, else None.
    Takes the same time whether or not the account exists. ``guard`` is asked before the
    password is checked and told of a failure, under one key per account (by handle and by
    email alike), or per login typed when there is no such account."""
    async with db.read() as session:
        if "@" in login.strip("@"):
            account = await session.scalar(
                select(Account).where(Account.email == login.strip().lower())
            )
        else:
            account = await get_by_handle(session, login.strip().lstrip("@"))
    key = f"account:{account.id}" if account else f"login:{login.strip().lstrip('@').lower()}"
    if guard is not None:
        await guard.before(key)
    ok = await verify_password(account.password_hash if account else None, password)
    if not (ok and account):
        if guard is not None:
            await guard.failed(key)
        return None
    return account


async def update_profile(
    *,
    db: Database,
    account_id: int,
    display_name: object = None,
    bio: object = None,
    time_zone: object = None,
    website: object = None,
) -> Account:
    """Change the fields given (None leaves a field as it is)."""
    values: dict[str, str] = {}
    if display_name is not None:
        values["display_name"] = v.check_display_name(display_name)
    if bio is not None:
        values["bio"] = v.check_bio(bio)
    if time_zone is not None:
        values["time_zone"] = v.check_time_zone(time_zone)
    if website is not None:
        values["website"] = v.check_website(website)
    async with db.write() as session:
        account = await get_account(session, account_id)
        for key, value in values.items():
            setattr(account, key, value)
    forget_cached(db, account_id)
    return account


def forget_cached(db: Database, account_id: int) -> None:
    """Cached copies of the account (its tokens') must not outlive a change to it."""
    from hashchat.accounts.oauth import bearer_cache

    bearer_cache(db).forget_account(account_id)


async def set_role(*, db: Database, account_id: int, role: str) -> None:
    if role not in ("admin", "member"):
        raise Invalid("a role is admin or member", field="role")
    async with db.write() as session:
        account = await get_account(session, account_id)
        account.role = role
    forget_cached(db, account_id)


# -- follows -------------------------------------------------------------------------------------


async def follow(
    *, db: Database, follower_id: int, followee_id: int, notify: bool | None = None
) -> bool:
    """Follow an account; True if this made a new follow. Following twice is harmless (and
    may change ``notify``: whether each new post of theirs notifies the follower). The steps
    other features registered (accounts/steps.py) run in the same transaction."""
    if follower_id == followee_id:
        raise Invalid("you cannot follow yourself", field="id")
    async with db.write() as session:
        await get_account(session, followee_id)
        existing = await session.get(Follow, (follower_id, followee_id))
        if existing is not None:
            if notify is not None:
                existing.notify = notify
            return False
        session.add(Follow(follower_id=follower_id, followee_id=followee_id, notify=bool(notify)))
        await _bump_follow_counts(session, follower_id, followee_id, 1)
        followed = Followed(session, follower_id, followee_id, utcnow())
        for step in account_steps.followed.values():
            await step(followed)
    return True


async def unfollow(*, db: Database, follower_id: int, followee_id: int) -> bool:
    async with db.write() as session:
        await get_account(session, followee_id)
        result = await session.execute(
            delete(Follow).where(
                Follow.follower_id == follower_id, Follow.followee_id == followee_id
            )
        )
        removed = bool(getattr(result, "rowcount", 0))
        if removed:
            await _bump_follow_counts(session, follower_id, followee_id, -1)
    return removed


async def _bump_follow_counts(
    session: AsyncSession, follower_id: int, followee_id: int, delta: int
) -> None:
    await lock_ids(session)  # before the accounts' rows: the post writer's order (sequence.py)
    await session.execute(
        update(Account)
        .where(Account.id == follower_id)
        .values(following_count=Account.following_count + delta)
    )
    await session.execute(
        update(Account)
        .where(Account.id == followee_id)
        .values(followers_count=Account.followers_count + delta)
    )


async def is_following(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    return await session.get(Follow, (follower_id, followee_id)) is not None


async def get_or_create_tag(session: AsyncSession, name: str) -> Tag:
    """The tag whose key matches ``name`` (created with this spelling if new)."""
    key = normalize_tag(name)
    tag = await session.scalar(select(Tag).where(Tag.key == key))
    if tag is None:
        tag = Tag(name=name, key=key)
        session.add(tag)
        await session.flush()
    return tag


async def follow_tag(*, db: Database, account_id: int, name: str) -> Tag:
    name, _ = check_tag(name, field="name")
    async with db.write() as session:
        tag = await get_or_create_tag(session, name)
        if not await session.get(TagFollow, (account_id, tag.id)):
            session.add(TagFollow(account_id=account_id, tag_id=tag.id))
    return tag


async def unfollow_tag(*, db: Database, account_id: int, name: str) -> Tag:
    async with db.write() as session:
        tag = await session.scalar(select(Tag).where(Tag.key == normalize_tag(name.lstrip("#"))))
        if tag is None:
            raise NotFound(f"#{name} has never been used", field="name")
        await session.execute(
            delete(TagFollow).where(TagFollow.account_id == account_id, TagFollow.tag_id == tag.id)
        )
    return tag


async def followed_tags(session: AsyncSession, account_id: int) -> list[Tag]:
    rows = await session.scalars(
        select(Tag)
        .join(TagFollow, TagFollow.tag_id == Tag.id)
        .where(TagFollow.account_id == account_id)
        .order_by(Tag.key)
    )
    return list(rows)


async def follows_tag(session: AsyncSession, account_id: int, tag_id: int) -> bool:
    return await session.get(TagFollow, (account_id, tag_id)) is not None


async def count_accounts(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


# -- browser sessions ----------------------------------------------------------------------------


async def start_web_session(*, db: Database, account_id: int) -> str:
    """A new signed-in browser session; returns the secret for the cookie (stored hashed)."""
    token = new_token()
    async with db.write() as session:
        session.add(
            WebSession(
                id_hash=digest(token),
                account_id=account_id,
                expires_at=utcnow() + timedelta(days=WEB_SESSION_DAYS),
            )
        )
    return token


async def account_for_web_session(session: AsyncSession, token: str) -> Account | None:
    row = await session.get(WebSession, digest(token))
    if row is None or row.expires_at < utcnow():
        return None
    return await session.get(Account, row.account_id)


async def end_web_session(*, db: Database, token: str) -> None:
    async with db.write() as session:
        await session.execute(delete(WebSession).where(WebSession.id_hash == digest(token)))
