"""Listing chats: create, edit, pause and retire, skip and move occurrences, review
submissions. Every function checks all of its input first and then writes in one transaction,
so an error leaves nothing half-saved; roles are checked here, not only in the views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import orjson
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account
from hashchat.accounts.validation import handle_key
from hashchat.directory import bridging, links, occurrences, reminders
from hashchat.directory import hosts as hosting
from hashchat.directory.models import (
    Chat,
    ChatException,
    ChatHost,
    ChatTopic,
    SiteSetting,
)
from hashchat.directory.schedule import (
    Schedule,
    check_schedule,
    parse_date,
    parse_local,
    rule_from,
)
from hashchat.directory.validation import (
    check_bridge_when,
    check_bridges,
    check_chat_language,
    check_description,
    check_flag,
    check_hashtag,
    check_link,
    check_title,
    check_topics,
    host_handles,
    render_description,
    topic_key,
)
from hashchat.errors import Conflict, Forbidden, Invalid, NotFound
from hashchat.notifications.service import notify
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.text import normalize_tag

APPROVAL_KEY = "chats.approval_required"


@dataclass(frozen=True)
class ChatFields:
    """A listing's fields, checked (see :func:`check_fields`)."""

    hashtag: str
    tag_key: str
    title: str
    description: str
    topics: list[str]
    language: str | None
    link: str
    schedule: Schedule
    hosts: list[str] = field(default_factory=list)  # handles, the first is the host
    bridges: list[str] = field(default_factory=list)  # networks whose posts come in (bridges/)
    bridge_when: str = "sessions"
    bridged_in_exports: bool = True
    bridge_lenders: bool = False  # Mastodon: read with followers' accounts who agreed


def check_fields(data: Mapping[str, object], *, current: Chat | None = None) -> ChatFields:
    """Check a listing's fields; on an edit (``current``) a field left out keeps its value."""

    def pick(name: str, default: object) -> object:
        return data[name] if name in data and data[name] is not None else default

    if current is None:
        hashtag, key = check_hashtag(data.get("hashtag"))
        title = check_title(data.get("title"))
    else:
        hashtag, key = check_hashtag(pick("hashtag", current.hashtag))
        if key != current.tag_key:
            raise Invalid(
                "a chat's hashtag cannot change; list the new hashtag as a new chat",
                field="hashtag",
            )
        title = check_title(pick("title", current.title))
    description = check_description(pick("description", current.description if current else ""))
    topics = check_topics(pick("topics", current.topics if current else ""))
    language = check_chat_language(pick("language", current.language if current else None))
    link = check_link(pick("link", current.link if current else ""))
    hosts = host_handles(data.get("hosts"))
    starts_on = pick("starts_on", current.starts_on if current else None)
    if starts_on in (None, ""):
        raise Invalid("give the date of the first (or only) occurrence", field="starts_on")
    if current is None or "repeat" in data or "rrule" in data:
        rule = rule_from(
            repeat=data.get("repeat"),
            weekday=data.get("weekday"),
            nth=data.get("nth"),
            rrule=data.get("rrule"),
            starts_on=starts_on,
        )
    else:
        rule = current.rrule
    start_time = pick("start_time", current.start_time if current else None)
    if start_time in (None, ""):
        raise Invalid("give the time the chat starts, such as 20:00", field="start_time")
    schedule = check_schedule(
        starts_on=starts_on,
        start_time=start_time,
        time_zone=pick("time_zone", current.time_zone if current else None),
        duration_minutes=pick("duration_minutes", current.duration_minutes if current else 60),
        rrule=rule,
    )
    return ChatFields(
        hashtag, key, title, description, topics, language, link, schedule, hosts,
        bridges=check_bridges(pick("bridges", current.bridge_networks if current else [])),
        bridge_when=check_bridge_when(
            pick("bridge_when", current.bridge_when if current else "sessions")
        ),
        bridged_in_exports=check_flag(
            pick("bridged_in_exports", current.bridged_in_exports if current else True),
            "bridged_in_exports",
        ),
        bridge_lenders=check_flag(
            pick("bridge_lenders", current.bridge_lenders if current else False),
            "bridge_lenders",
        ),
    )  # fmt: skip


async def get_chat(session: AsyncSession, tag: str) -> Chat:
    """The listing for ``tag`` (any spelling, with or without #), else NotFound."""
    name = tag.strip().lstrip("#")
    chat = await session.scalar(select(Chat).where(Chat.tag_key == normalize_tag(name)))
    if chat is None:
        raise NotFound(f"#{name} is not listed", field="hashtag")
    return chat


async def hosts_of(
    session: AsyncSession, chat_ids: list[int]
) -> dict[int, list[tuple[Account, str]]]:
    """Each chat's hosts, in order: (account, "host" or "cohost")."""
    found: dict[int, list[tuple[Account, str]]] = {i: [] for i in chat_ids}
    if not chat_ids:
        return found
    rows = await session.execute(
        select(ChatHost, Account)
        .join(Account, Account.id == ChatHost.account_id)
        .where(ChatHost.chat_id.in_(chat_ids))
        .order_by(ChatHost.chat_id, ChatHost.position)
    )
    for host, account in rows:
        found[host.chat_id].append((account, host.role))
    return found


async def is_host(session: AsyncSession, chat: Chat, account: Account | None) -> bool:
    if account is None:
        return False
    return await session.get(ChatHost, (chat.id, account.id)) is not None


async def can_manage(session: AsyncSession, chat: Chat, account: Account | None) -> bool:
    """Hosts and admins manage a listing."""
    return account is not None and (account.is_admin or await is_host(session, chat, account))


async def visible_chat(session: AsyncSession, tag: str, viewer: Account | None) -> Chat:
    """The listing as ``viewer`` may see it: one awaiting approval only by its hosts, its
    submitter and admins (NotFound for anyone else)."""
    chat = await get_chat(session, tag)
    if chat.review != "approved":
        allowed = viewer is not None and (
            viewer.is_admin
            or viewer.id == chat.created_by_id
            or await is_host(session, chat, viewer)
            or await hosting.invitation_for(session, chat, viewer) is not None
        )
        if not allowed:
            raise NotFound(f"#{chat.hashtag} is not listed", field="hashtag")
    return chat


async def _require_manager(session: AsyncSession, chat: Chat, actor: Account) -> None:
    if not await can_manage(session, chat, actor):
        raise Forbidden("only the chat's hosts or an admin can change it")


async def _resolve_hosts(session: AsyncSession, handles: list[str]) -> list[Account]:
    if not handles:
        return []
    keys = [handle_key(h) for h in handles]
    found = {
        a.handle_key: a
        for a in await session.scalars(select(Account).where(Account.handle_key.in_(keys)))
    }
    missing = [h for h in handles if handle_key(h) not in found]
    if missing:
        raise Invalid(f"nobody here is called @{missing[0]}", field="hosts")
    return [found[k] for k in keys]


def _set_fields(chat: Chat, fields: ChatFields) -> None:
    chat.hashtag = fields.hashtag
    chat.title = fields.title
    chat.description = fields.description
    chat.description_html = render_description(fields.description)
    chat.topics = ", ".join(fields.topics)
    chat.language = fields.language
    chat.link = fields.link
    chat.starts_on = fields.schedule.starts_on
    chat.start_time = fields.schedule.start_time
    chat.time_zone = fields.schedule.time_zone
    chat.duration_minutes = fields.schedule.duration_minutes
    chat.rrule = fields.schedule.rrule
    chat.bridges = " ".join(fields.bridges)
    chat.bridge_when = fields.bridge_when
    chat.bridged_in_exports = fields.bridged_in_exports
    chat.bridge_lenders = fields.bridge_lenders


async def _write_topics(session: AsyncSession, chat_id: int, topics: list[str]) -> None:
    await session.execute(delete(ChatTopic).where(ChatTopic.chat_id == chat_id))
    session.add_all(ChatTopic(chat_id=chat_id, key=topic_key(t)) for t in topics)


async def approval_required(session: AsyncSession, *, default: bool) -> bool:
    """Whether new listings wait for an admin (the admins' setting, else the configured
    default)."""
    row = await session.get(SiteSetting, APPROVAL_KEY)
    return bool(orjson.loads(row.value)) if row is not None else default


async def set_approval_required(*, db: Database, actor: Account, required: bool) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins decide whether listings wait for approval")
    async with db.write() as session:
        row = await session.get(SiteSetting, APPROVAL_KEY)
        if row is None:
            session.add(SiteSetting(key=APPROVAL_KEY, value=orjson.dumps(required).decode()))
        else:
            row.value = orjson.dumps(required).decode()
            row.updated_at = utcnow()


async def _conflict_if_listed(session: AsyncSession, key: str, hashtag: str) -> None:
    existing = await session.scalar(select(Chat).where(Chat.tag_key == key))
    if existing is not None:
        waiting = " and waits for approval" if existing.review != "approved" else ""
        raise Conflict(
            f"#{existing.hashtag} is already listed{waiting}",
            field="hashtag",
            url=links.chat(existing.hashtag),
        )


async def create_chat(
    *,
    db: Database,
    actor: Account | None,
    data: Mapping[str, object],
    approval_default: bool = False,
    now: datetime | None = None,
) -> Chat:
    """List a chat. ``actor`` (None: the operator, from the command line) becomes its host
    unless ``hosts`` names others. A non-admin's listing waits for approval when the admins'
    setting says so. ``now`` is the clock (tests and the demo's history use it)."""
    fields = check_fields(data)
    async with db.write() as session:
        return await add_chat(
            session, actor=actor, fields=fields, approval_default=approval_default, now=now
        )


async def add_chat(
    session: AsyncSession,
    *,
    actor: Account | None,
    fields: ChatFields,
    approval_default: bool = False,
    now: datetime | None = None,
    default_host: bool = True,
) -> Chat:
    """:func:`create_chat` inside the caller's transaction (the CSV import writes many; its
    chats without hosts stay without, managed by admins, instead of the importer hosting all)."""
    now = now or utcnow()
    await _conflict_if_listed(session, fields.tag_key, fields.hashtag)
    hosts = await _resolve_hosts(session, fields.hosts)
    if not hosts and actor is not None and default_host:
        hosts = [actor]
    if actor is not None and not actor.is_admin and actor.id not in {h.id for h in hosts}:
        raise Invalid("you must be one of the chat's hosts to list it", field="hosts")
    waits = (
        actor is not None
        and not actor.is_admin
        and await approval_required(session, default=approval_default)
    )
    chat = Chat(
        tag_key=fields.tag_key,
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
        status="active",
        status_changed_at=now,
        review="pending" if waits else "approved",
        listed_at=None if waits else now,
    )
    _set_fields(chat, fields)
    session.add(chat)
    try:
        await session.flush()
    except IntegrityError:  # a listing racing ours took the hashtag
        raise Conflict(
            f"#{fields.hashtag} is already listed", field="hashtag", url=links.chat(fields.hashtag)
        ) from None
    await _write_topics(session, chat.id, fields.topics)
    await hosting.write_hosts(session, chat, hosts, actor=actor, now=now)
    await hosting.vouch_at_listing(session, chat, actor=actor, hosts=hosts, waits=waits, now=now)
    await occurrences.refresh(session, chat, fields.schedule, now=now)
    await session.flush()
    await bridging.run_checks(session, chat)
    if waits:
        for admin in await session.scalars(select(Account).where(Account.role == "admin")):
            await notify(
                session,
                recipient=admin,
                type="chat.submitted",
                text=f"#{chat.hashtag} ({chat.title}) waits for your approval.",
                from_account=actor,
                chat=chat,
                now=now,
            )
    return chat


async def update_chat(
    *,
    db: Database,
    actor: Account,
    tag: str,
    data: Mapping[str, object],
    now: datetime | None = None,
) -> Chat:
    """Change a listing (its hosts or an admin). Fields left out keep their values; skipped
    and moved occurrences that the new schedule no longer has are dropped."""
    now = now or utcnow()
    async with db.write() as session:
        chat = await get_chat(session, tag)
        await _require_manager(session, chat, actor)
        fields = check_fields(data, current=chat)
        exceptions = list(
            await session.scalars(select(ChatException).where(ChatException.chat_id == chat.id))
        )
        hosts = await _resolve_hosts(session, fields.hosts) if "hosts" in data else None
        if hosts is not None and not hosts:
            raise Invalid("a chat needs at least one host", field="hosts")
        if hosts is not None and not actor.is_admin and actor.id not in {h.id for h in hosts}:
            raise Invalid("you cannot remove yourself; ask another host or an admin", field="hosts")
        schedule = check_schedule(
            starts_on=fields.schedule.starts_on,
            start_time=fields.schedule.start_time,
            time_zone=fields.schedule.time_zone,
            duration_minutes=fields.schedule.duration_minutes,
            rrule=fields.schedule.rrule,
            skipped=frozenset(e.local_date for e in exceptions if e.moved_to is None),
            moved={e.local_date: e.moved_to for e in exceptions if e.moved_to is not None},
        )
        kept = schedule.skipped | set(schedule.moved)
        for exception in exceptions:
            if exception.local_date not in kept:
                await session.delete(exception)
        _set_fields(chat, replace(fields, schedule=schedule))
        chat.updated_at = now
        await _write_topics(session, chat.id, fields.topics)
        if hosts is not None:
            await hosting.write_hosts(session, chat, hosts, actor=actor, now=now)
        await occurrences.refresh(session, chat, schedule, now=now)
        await reminders.replan_chat(session, chat, now=now)
        await session.flush()
        await bridging.run_checks(session, chat)  # a bridge can be read (directory/bridging.py)
    return chat


async def set_status(
    *, db: Database, actor: Account, tag: str, status: str, now: datetime | None = None
) -> Chat:
    """Pause, retire or reactivate a chat. Paused and retired chats have no occurrences ahead
    (history stays); retired ones leave the default listing."""
    if status not in ("active", "paused", "retired"):
        raise Invalid("a chat is active, paused or retired", field="status")
    now = now or utcnow()
    async with db.write() as session:
        chat = await get_chat(session, tag)
        await _require_manager(session, chat, actor)
        if chat.status != status:
            chat.status = status
            chat.status_changed_at = now
            chat.updated_at = now
            if status == "active":
                # Back from a pause: quiet occurrences before it no longer count.
                chat.inactive_since = None
                chat.health_reset_at = now
            await occurrences.refresh(
                session, chat, await occurrences.load_schedule(session, chat), now=now
            )
            await reminders.replan_chat(session, chat, now=now)
    return chat


async def confirm_active(
    *, db: Database, actor: Account, tag: str, now: datetime | None = None
) -> Chat:
    """A host says the chat is alive: the "may be inactive" flag goes, and only occurrences
    from now on count towards the next one."""
    now = now or utcnow()
    async with db.write() as session:
        chat = await get_chat(session, tag)
        await _require_manager(session, chat, actor)
        chat.inactive_since = None
        chat.health_reset_at = now
        if chat.status == "paused":
            chat.status = "active"
            chat.status_changed_at = now
            await occurrences.refresh(
                session, chat, await occurrences.load_schedule(session, chat), now=now
            )
            await reminders.replan_chat(session, chat, now=now)
    return chat


async def review(
    *,
    db: Database,
    actor: Account,
    tag: str,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Chat | None:
    """An admin approves a submitted listing (it appears in the directory, and its room may
    be moderated) or rejects it (it is removed, freeing the hashtag; the submitter is told
    why). Approving a listed chat whose room may not be moderated yet vouches for it
    (directory/hosts.py)."""
    if not actor.is_admin:
        raise Forbidden("only admins review submitted chats")
    now = now or utcnow()
    reason = " ".join(reason.split())[:300]
    async with db.write() as session:
        chat = await get_chat(session, tag)
        if chat.review == "approved" and approve and chat.vouched_at is None:
            hosting.vouch(chat, now)
            return chat
        if chat.review == "approved":
            raise Conflict(
                f"#{chat.hashtag} is already listed", field="hashtag", url=links.chat(chat.hashtag)
            )
        submitter = await session.get(Account, chat.created_by_id) if chat.created_by_id else None
        if approve:
            chat.review = "approved"
            chat.listed_at = now
            hosting.vouch(chat, now)
            chat.updated_at = now
            await occurrences.refresh(
                session, chat, await occurrences.load_schedule(session, chat), now=now
            )
            if submitter is not None:
                await notify(
                    session,
                    recipient=submitter,
                    type="chat.approved",
                    text=f"#{chat.hashtag} is now listed in the directory.",
                    from_account=actor,
                    chat=chat,
                    now=now,
                )
            return chat
        if submitter is not None:
            because = f" Reason: {reason}" if reason else ""
            await notify(
                session,
                recipient=submitter,
                type="chat.rejected",
                text=f"Your listing of #{chat.hashtag} ({chat.title}) was not approved.{because}",
                from_account=actor,
                now=now,
            )
        await session.delete(chat)
    return None


# -- single occurrences --------------------------------------------------------------------------


async def _occurrence_change(
    session: AsyncSession, actor: Account, tag: str, day: object, now: datetime
) -> tuple[Chat, Schedule, date]:
    chat = await get_chat(session, tag)
    await _require_manager(session, chat, actor)
    local_date = parse_date(day, field="date")
    schedule = await occurrences.load_schedule(session, chat)
    if not schedule.is_occurrence_date(local_date):
        raise Invalid(f"#{chat.hashtag} has no occurrence on {local_date:%d %B %Y}", field="date")
    original = occurrences_start(schedule, local_date)
    if original <= now:
        raise Invalid("that occurrence has already started", field="date")
    return chat, schedule, local_date


def occurrences_start(schedule: Schedule, local_date: date) -> datetime:
    """The instant an occurrence starts now (its moved time if moved)."""
    from hashchat.directory.schedule import to_instant

    local = schedule.moved.get(local_date) or datetime.combine(local_date, schedule.start_time)
    return to_instant(local, schedule.zone)


async def _after_exception(session: AsyncSession, chat: Chat, now: datetime) -> None:
    chat.updated_at = now
    await session.flush()
    schedule = await occurrences.load_schedule(session, chat)
    await occurrences.refresh(session, chat, schedule, now=now)
    await reminders.replan_chat(session, chat, now=now)


async def skip_occurrence(
    *, db: Database, actor: Account, tag: str, day: object, now: datetime | None = None
) -> Chat:
    """Skip one occurrence (an EXDATE in the calendar feed)."""
    now = now or utcnow()
    async with db.write() as session:
        chat, _schedule, local_date = await _occurrence_change(session, actor, tag, day, now)
        row = await session.get(ChatException, (chat.id, local_date))
        if row is None:
            session.add(ChatException(chat_id=chat.id, local_date=local_date, moved_to=None))
        else:
            row.moved_to = None
        await _after_exception(session, chat, now)
    return chat


async def move_occurrence(
    *, db: Database, actor: Account, tag: str, day: object, to: object, now: datetime | None = None
) -> Chat:
    """Move one occurrence to another local date and time in the chat's zone."""
    now = now or utcnow()
    target = parse_local(to, field="to")
    async with db.write() as session:
        chat, schedule, local_date = await _occurrence_change(session, actor, tag, day, now)
        from hashchat.directory.schedule import to_instant

        starts_at = to_instant(target, schedule.zone)
        if starts_at <= now:
            raise Invalid("an occurrence can only move to a time still ahead", field="to")
        if abs(target - datetime.combine(local_date, schedule.start_time)) > timedelta(days=28):
            raise Invalid("an occurrence moves by four weeks at most; skip it instead", field="to")
        clash = [
            o
            for o in schedule.occurrences(
                starts_at - schedule.duration, starts_at + schedule.duration
            )
            if o.local_date != local_date and o.ends_at > starts_at
        ]
        if clash:
            raise Invalid(
                f"that would overlap the occurrence of {clash[0].local_start:%d %B %Y, %H:%M}",
                field="to",
            )
        row = await session.get(ChatException, (chat.id, local_date))
        if row is None:
            session.add(ChatException(chat_id=chat.id, local_date=local_date, moved_to=target))
        else:
            row.moved_to = target
        await _after_exception(session, chat, now)
    return chat


async def restore_occurrence(
    *, db: Database, actor: Account, tag: str, day: object, now: datetime | None = None
) -> Chat:
    """Undo a skip or a move."""
    now = now or utcnow()
    async with db.write() as session:
        chat = await get_chat(session, tag)
        await _require_manager(session, chat, actor)
        local_date = parse_date(day, field="date")
        row = await session.get(ChatException, (chat.id, local_date))
        if row is None:
            raise NotFound("that occurrence was neither skipped nor moved", field="date")
        await session.delete(row)
        await _after_exception(session, chat, now)
    return chat
