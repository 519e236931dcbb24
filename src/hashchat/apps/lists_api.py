"""Mastodon's lists API: lists, their accounts, and the list timeline."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from hashchat.accounts.entities import account_entity
from hashchat.apps import lists
from hashchat.parsing import parse_id
from hashchat.posts.entities import render_statuses
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, WriteUser
from hashchat.web.paging import page_of, paged
from hashchat.web.params import BadRequest, read_params

router = APIRouter(tags=["lists"])


@router.get("/api/v1/lists")
async def all_lists(session: SessionDep, viewer: ReadUser) -> list[dict[str, Any]]:
    return [lists.list_entity(r) for r in await lists.lists_of(session, viewer.id)]


@router.post("/api/v1/lists")
async def create_list(request: Request, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """``title``, ``replies_policy`` (followed, list, none), ``exclusive``."""
    fields = lists.check_list(await read_params(request), new=True)
    return lists.list_entity(await lists.save_list(db=rt.db, account_id=viewer.id, fields=fields))


@router.get("/api/v1/lists/{list_id}")
async def get_list(list_id: str, session: SessionDep, viewer: ReadUser) -> dict[str, Any]:
    return lists.list_entity(await lists.own_list(session, list_id, viewer.id))


@router.put("/api/v1/lists/{list_id}")
async def update_list(
    list_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    fields = lists.check_list(await read_params(request), new=False)
    row = await lists.save_list(db=rt.db, account_id=viewer.id, fields=fields, list_id=list_id)
    return lists.list_entity(row)


@router.delete("/api/v1/lists/{list_id}")
async def delete_list(list_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    await lists.delete_list(db=rt.db, account_id=viewer.id, list_id=list_id)
    return {}


@router.get("/api/v1/lists/{list_id}/accounts")
async def list_accounts(list_id: str, session: SessionDep, viewer: ReadUser) -> list[Any]:
    row = await lists.own_list(session, list_id, viewer.id)
    return [account_entity(a) for a in await lists.members(session, row.id)]


@router.post("/api/v1/lists/{list_id}/accounts")
async def add_accounts(
    list_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    ids = lists.check_account_ids((await read_params(request)).get("account_ids"))
    await lists.add_members(db=rt.db, account_id=viewer.id, list_id=list_id, ids=ids)
    return {}


@router.delete("/api/v1/lists/{list_id}/accounts")
async def remove_accounts(
    list_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    params = await read_params(request)  # the query string; apps also send a body
    content_type = request.headers.get("content-type", "")
    if not params.get("account_ids") and content_type.startswith("application/json"):
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise BadRequest("malformed JSON") from None
        params = body if isinstance(body, dict) else {}
    elif not params.get("account_ids") and content_type:
        form = await request.form()
        params = {"account_ids": [v for v in form.getlist("account_ids[]") if isinstance(v, str)]}
    ids = lists.check_account_ids(params.get("account_ids"))
    await lists.remove_members(db=rt.db, account_id=viewer.id, list_id=list_id, ids=ids)
    return {}


@router.get("/api/v1/timelines/list/{list_id}")
async def list_timeline(
    list_id: str, request: Request, session: SessionDep, viewer: ReadUser
) -> Response:
    row = await lists.own_list(session, list_id, viewer.id)
    posts = await lists.list_timeline(session, row, page=page_of(request))
    return paged(request, posts, await render_statuses(session, posts, viewer_id=viewer.id))


@router.get("/api/v1/accounts/{account_id}/lists")
async def lists_holding(account_id: str, session: SessionDep, viewer: ReadUser) -> list[Any]:
    """The viewer's lists that hold this account."""
    holding = parse_id(account_id)
    if holding is None:
        return []
    return [lists.list_entity(r) for r in await lists.lists_of(session, viewer.id, holding=holding)]
