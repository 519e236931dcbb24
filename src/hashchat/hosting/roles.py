"""Who may do what in a chat. Checked here, in the services, not only in the views.

Roles: host and co-host (the listing's hosts, directory), moderator and guest (per chat), and
guests of one session. Admins may do everything.

| capability | host, co-host | moderator | guest |
| --- | --- | --- | --- |
| ``run``: start, extend, end; the script; polls; slow mode and lock; details | yes | | |
| ``moderate``: hide posts, mute and ban; approve, reject, merge board questions | yes | yes | |
| ``pick``: put a board question to the chat | yes | | yes |
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.directory.models import Chat, ChatHost
from hashchat.errors import Forbidden, Invalid, NotFound
from hashchat.hosting.models import CHAT_ROLES, ChatRole, ChatSession, SessionGuest
from hashchat.storage.engine import Database
from hashchat.text import normalize_tag

CAPABILITIES: dict[str, frozenset[str]] = {
    "run": frozenset({"host", "cohost"}),
    "moderate": frozenset({"host", "cohost", "moderator"}),
    "pick": frozenset({"host", "cohost", "guest"}),
}
WHO = {"run": "hosts", "moderate": "hosts and moderators", "pick": "hosts and guests"}


async def roles_of(
    session: AsyncSession, chat_id: int, account_id: int, *, session_id: int | None = None
) -> set[str]:
    roles: set[str] = set()
    host = await session.get(ChatHost, (chat_id, account_id))
    if host is not None:
        roles.add(host.role)
    role = await session.get(ChatRole, (chat_id, account_id))
    if role is not None:
        roles.add(role.role)
    if session_id is not None:
        guest = await session.get(SessionGuest, (session_id, account_id))
        if guest is not None:
            roles.add("guest")
    return roles


async def can(
    session: AsyncSession, chat_id: int, account: Account | None, capability: str, *,
    session_id: int | None = None,
) -> bool:  # fmt: skip
    if account is None:
        return False
    if account.is_admin:
        return True
    roles = await roles_of(session, chat_id, account.id, session_id=session_id)
    return bool(roles & CAPABILITIES[capability])


async def require(
    session: AsyncSession, chat_id: int, account: Account, capability: str, *,
    session_id: int | None = None,
) -> None:  # fmt: skip
    """Forbidden unless ``account`` has ``capability`` in the chat (or the session)."""
    if not await can(session, chat_id, account, capability, session_id=session_id):
        raise Forbidden(f"only the chat's {WHO[capability]} can do that")


async def require_in_session(
    session: AsyncSession, chat_session: ChatSession, account: Account, capability: str
) -> None:
    await require(session, chat_session.chat_id, account, capability, session_id=chat_session.id)


async def people_with_roles(
    session: AsyncSession, chat_id: int, session_id: int | None = None
) -> dict[int, str]:
    """account id -> the role to show (host, co-host, guest, moderator) for a chat's room."""
    shown: dict[int, str] = {}
    for account_id, role in await session.execute(
        select(ChatHost.account_id, ChatHost.role).where(ChatHost.chat_id == chat_id)
    ):
        shown[account_id] = "co-host" if role == "cohost" else "host"
    for account_id, role in await session.execute(
        select(ChatRole.account_id, ChatRole.role).where(ChatRole.chat_id == chat_id)
    ):
        shown.setdefault(account_id, role)
    if session_id is not None:
        for account_id in await session.scalars(
            select(SessionGuest.account_id).where(SessionGuest.session_id == session_id)
        ):
            shown.setdefault(account_id, "guest")
    return shown


async def roles_for_tags(session: AsyncSession, tags: list[str]) -> dict[str, str]:
    """For a live room: account id (as a string) -> role, across the chats of ``tags``,
    including the guests of each chat's current or next session."""
    keys = [normalize_tag(t) for t in tags]
    chats = list(await session.scalars(select(Chat).where(Chat.tag_key.in_(keys))))
    shown: dict[str, str] = {}
    for chat in chats:
        current = await session.scalar(
            select(ChatSession.id)
            .where(ChatSession.chat_id == chat.id, ChatSession.state.in_(("live", "scheduled")))
            .order_by(ChatSession.starts_at)
            .limit(1)
        )
        for account_id, role in (await people_with_roles(session, chat.id, current)).items():
            shown.setdefault(str(account_id), role)
    return shown


ROLE_NAMES = {"host": "host", "cohost": "co-host", "moderator": "moderator", "guest": "guest"}


async def listing(session: AsyncSession, chat_id: int) -> list[dict[str, str]]:
    """Everyone with a role in the chat: hosts first, then moderators and guests."""
    people: list[dict[str, str]] = []
    rows = await session.execute(
        select(Account.handle, ChatHost.role)
        .join(ChatHost, ChatHost.account_id == Account.id)
        .where(ChatHost.chat_id == chat_id)
        .order_by(ChatHost.role.desc(), Account.handle_key)
    )
    people += [{"account": h, "role": ROLE_NAMES.get(r, r)} for h, r in rows]
    rows = await session.execute(
        select(Account.handle, ChatRole.role)
        .join(ChatRole, ChatRole.account_id == Account.id)
        .where(ChatRole.chat_id == chat_id)
        .order_by(ChatRole.role.desc(), Account.handle_key)
    )
    people += [{"account": h, "role": r} for h, r in rows]
    return people


async def grant(*, db: Database, actor: Account, tag: str, handle: object, role: object) -> None:
    """Make ``handle`` a moderator or a standing guest of the chat (hosts only). Hosts and
    co-hosts are the listing's own (directory), changed where the listing is edited."""
    from hashchat.accounts.service import get_by_handle
    from hashchat.directory.service import get_chat

    if role not in CHAT_ROLES:
        raise Invalid("a role is moderator or guest", field="role")
    if not isinstance(handle, str) or not handle.strip():
        raise Invalid("name the person by their handle", field="account")
    name = handle.strip().lstrip("@")
    async with db.write() as session:
        chat = await get_chat(session, tag)
        await require(session, chat.id, actor, "run")
        account = await get_by_handle(session, name)
        if account is None:
            raise Invalid(f"nobody here is called @{name}", field="account")
        if await session.get(ChatHost, (chat.id, account.id)) is not None:
            raise Invalid(f"@{account.handle} hosts the chat already", field="account")
        existing = await session.get(ChatRole, (chat.id, account.id))
        if existing is None:
            session.add(ChatRole(chat_id=chat.id, account_id=account.id, role=role))
        else:
            existing.role = str(role)


async def revoke(*, db: Database, actor: Account, tag: str, handle: str) -> None:
    from hashchat.accounts.service import get_by_handle
    from hashchat.directory.service import get_chat

    async with db.write() as session:
        chat = await get_chat(session, tag)
        await require(session, chat.id, actor, "run")
        account = await get_by_handle(session, handle.strip().lstrip("@"))
        row = await session.get(ChatRole, (chat.id, account.id)) if account else None
        if row is None:
            raise NotFound(f"@{handle.lstrip('@')} has no role in the chat", field="account")
        await session.delete(row)
