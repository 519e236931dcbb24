"""Mastodon's account mutes and blocks: mute (with ``notifications`` and ``duration``), unmute,
block, unblock, and the lists of muted and blocked people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hashchat.accounts import relations
from hashchat.accounts.api import _account, relationship
from hashchat.accounts.entities import account_entity
from hashchat.web.deps import FollowUser, ReadUser, RuntimeDep, SessionDep
from hashchat.web.params import read_params

router = APIRouter(tags=["accounts"])


def _flag(value: object, default: bool) -> bool:
    if value in (None, ""):
        return default
    return str(value).lower() in ("true", "1", "on")


async def _target(rt: RuntimeDep, account_id: str) -> int:
    async with rt.db.read() as session:
        return (await _account(session, account_id)).id


async def _relationship(rt: RuntimeDep, viewer_id: int, target_id: int) -> dict[str, Any]:
    async with rt.db.read() as session:
        return await relationship(session, viewer_id, target_id)


@router.post("/api/v1/accounts/{account_id}/mute")
async def mute(account_id: str, request: Request, rt: RuntimeDep, viewer: FollowUser) -> Any:
    """Their posts leave your timelines and rooms; ``notifications`` (default true) silences
    their notifications too; ``duration`` in seconds (0: for ever)."""
    params = await read_params(request)
    target = await _target(rt, account_id)
    await relations.mute(
        db=rt.db, account=viewer, target_id=target,
        notifications=_flag(params.get("notifications"), True),
        duration=relations.check_duration(params.get("duration")),
    )  # fmt: skip
    return await _relationship(rt, viewer.id, target)


@router.post("/api/v1/accounts/{account_id}/unmute")
async def unmute(account_id: str, rt: RuntimeDep, viewer: FollowUser) -> Any:
    target = await _target(rt, account_id)
    await relations.unmute(db=rt.db, account=viewer, target_id=target)
    return await _relationship(rt, viewer.id, target)


@router.post("/api/v1/accounts/{account_id}/block")
async def block(account_id: str, rt: RuntimeDep, viewer: FollowUser) -> Any:
    """As a mute, both ways, and any follow between you ends."""
    target = await _target(rt, account_id)
    await relations.block(db=rt.db, account=viewer, target_id=target)
    return await _relationship(rt, viewer.id, target)


@router.post("/api/v1/accounts/{account_id}/unblock")
async def unblock(account_id: str, rt: RuntimeDep, viewer: FollowUser) -> Any:
    target = await _target(rt, account_id)
    await relations.unblock(db=rt.db, account=viewer, target_id=target)
    return await _relationship(rt, viewer.id, target)


@router.get("/api/v1/mutes")
async def mutes(session: SessionDep, viewer: ReadUser) -> list[dict[str, Any]]:
    return [account_entity(a) for a in await relations.muted_accounts(session, viewer.id)]


@router.get("/api/v1/blocks")
async def blocks(session: SessionDep, viewer: ReadUser) -> list[dict[str, Any]]:
    return [account_entity(a) for a in await relations.blocked_accounts(session, viewer.id)]
