"""Lists: a person groups accounts and reads their posts as a timeline of its own (Mastodon's
lists). ``replies_policy`` says which replies show: to the list's members (``list``), to anyone
the owner follows (``followed``), or none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts.models import Account, Follow
from hashchat.apps.models import AccountList, ListMember
from hashchat.errors import Invalid, NotFound
from hashchat.parsing import find_id, parse_id
from hashchat.posts.models import Post
from hashchat.posts.service import insert_ignore
from hashchat.posts.timelines import Page, _run, not_hidden
from hashchat.storage.engine import Database

POLICIES = ("followed", "list", "none")
MAX_LISTS, MAX_MEMBERS = 100, 500


def check_list(params: dict[str, Any], *, new: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    title = params.get("title")
    if title is not None or new:
        if not isinstance(title, str) or not title.strip() or len(title) > 100:
            raise Invalid("a list needs a title of at most 100 characters", field="title")
        fields["title"] = title.strip()
    policy = params.get("replies_policy")
    if policy not in (None, ""):
        if policy not in POLICIES:
            raise Invalid(f"replies_policy is {', '.join(POLICIES)}", field="replies_policy")
        fields["replies_policy"] = policy
    exclusive = params.get("exclusive")
    if exclusive not in (None, ""):
        fields["exclusive"] = str(exclusive).lower() in ("true", "1", "on")
    return fields


def list_entity(row: AccountList) -> dict[str, Any]:
    return {"id": str(row.id), "title": row.title, "replies_policy": row.replies_policy,
            "exclusive": row.exclusive}  # fmt: skip


async def own_list(session: AsyncSession, list_id: object, account_id: int) -> AccountList:
    row = await session.get(AccountList, find_id(list_id, field="id", message="Record not found"))
    if row is None or row.account_id != account_id:
        raise NotFound("Record not found", field="id")
    return row


async def save_list(
    *, db: Database, account_id: int, fields: dict[str, Any], list_id: object = None
) -> AccountList:
    async with db.write() as session:
        if list_id is None:
            count = len(list(await session.scalars(
                select(AccountList.id).where(AccountList.account_id == account_id))))  # fmt: skip
            if count >= MAX_LISTS:
                raise Invalid(f"at most {MAX_LISTS} lists", field="title")
            row = AccountList(account_id=account_id, title="", replies_policy="list")
            row.exclusive = False
            session.add(row)
        else:
            row = await own_list(session, list_id, account_id)
        for name, value in fields.items():
            setattr(row, name, value)
        await session.flush()
        return row


async def delete_list(*, db: Database, account_id: int, list_id: object) -> None:
    async with db.write() as session:
        row = await own_list(session, list_id, account_id)
        await session.execute(delete(ListMember).where(ListMember.list_id == row.id))
        await session.delete(row)


def check_account_ids(value: object) -> list[int]:
    items = value if isinstance(value, list) else [value] if value not in (None, "") else []
    ids = [parse_id(i) for i in items]
    if any(i is None for i in ids):
        raise Invalid("account_ids are account ids", field="account_ids")
    found = [i for i in ids if i is not None]
    if not found:
        raise Invalid("account_ids names the accounts", field="account_ids")
    return found


async def add_members(*, db: Database, account_id: int, list_id: object, ids: list[int]) -> None:
    async with db.write() as session:
        row = await own_list(session, list_id, account_id)
        found = set(await session.scalars(select(Account.id).where(Account.id.in_(ids))))
        if found != set(ids):
            raise NotFound("no such account", field="account_ids")
        for member in ids:
            await session.execute(
                insert_ignore(session, ListMember).values(list_id=row.id, account_id=member)
            )
        members = await session.scalars(
            select(ListMember.account_id).where(ListMember.list_id == row.id)
        )
        if len(list(members)) > MAX_MEMBERS:
            raise Invalid(f"a list holds at most {MAX_MEMBERS} accounts", field="account_ids")


async def remove_members(*, db: Database, account_id: int, list_id: object, ids: list[int]) -> None:
    async with db.write() as session:
        row = await own_list(session, list_id, account_id)
        await session.execute(
            delete(ListMember).where(ListMember.list_id == row.id, ListMember.account_id.in_(ids))
        )


async def members(session: AsyncSession, list_id: int) -> list[Account]:
    rows = await session.scalars(
        select(Account).join(ListMember, ListMember.account_id == Account.id)
        .where(ListMember.list_id == list_id).order_by(Account.handle_key)
    )  # fmt: skip
    return list(rows)


async def lists_of(
    session: AsyncSession, account_id: int, *, holding: int | None = None
) -> list[AccountList]:
    query = select(AccountList).where(AccountList.account_id == account_id)
    if holding is not None:
        query = query.join(ListMember, ListMember.list_id == AccountList.id).where(
            ListMember.account_id == holding
        )
    return list(await session.scalars(query.order_by(AccountList.id)))


async def list_timeline(session: AsyncSession, row: AccountList, *, page: Page) -> list[Post]:
    """Posts and reposts by the list's members, with the replies its policy lets in."""
    in_list = select(ListMember.account_id).where(ListMember.list_id == row.id)
    query = select(Post.id.label("id")).where(
        Post.account_id.in_(in_list), Post.deleted_at.is_(None), *not_hidden(row.account_id)
    )
    if row.replies_policy == "none":
        query = query.where(Post.in_reply_to_id.is_(None))
    elif row.replies_policy == "list":
        query = query.where(
            or_(Post.in_reply_to_id.is_(None), Post.in_reply_to_account_id.in_(in_list),
                Post.in_reply_to_account_id == row.account_id)
        )  # fmt: skip
    else:
        followed = select(Follow.followee_id).where(Follow.follower_id == row.account_id)
        query = query.where(
            or_(Post.in_reply_to_id.is_(None), Post.in_reply_to_account_id.in_(followed),
                Post.in_reply_to_account_id == row.account_id)
        )  # fmt: skip
    return await _run(session, query, page)
