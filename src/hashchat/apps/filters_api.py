"""Mastodon's filters API (v2): filters with their keywords, and v1's list for old apps."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hashchat.apps import filters
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, WriteUser
from hashchat.web.params import read_params

router = APIRouter(tags=["filters"])


async def _params(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    params = await read_params(request)
    form: list[tuple[str, str]] = list(request.query_params.multi_items())
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form += [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    return params, filters.keyword_params(params, form)


async def _one(rt: RuntimeDep, account_id: int, filter_id: object) -> dict[str, Any]:
    async with rt.db.read() as session:
        [(row, keywords)] = await filters.filters_of(session, account_id, filter_id=filter_id)
    return filters.filter_entity(row, keywords)


@router.get("/api/v2/filters")
async def list_filters(session: SessionDep, viewer: ReadUser) -> list[dict[str, Any]]:
    return [filters.filter_entity(r, k) for r, k in await filters.filters_of(session, viewer.id)]


@router.post("/api/v2/filters")
async def create_filter(request: Request, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """``title``, ``context[]``, ``filter_action`` (warn, hide, blur), ``expires_in``,
    ``keywords_attributes[]`` (``keyword``, ``whole_word``)."""
    params, keywords = await _params(request)
    draft = filters.check_filter(params, keywords, new=True)
    made = await filters.save_filter(db=rt.db, account_id=viewer.id, draft=draft)
    return await _one(rt, viewer.id, made)


@router.get("/api/v2/filters/{filter_id}")
async def get_filter(filter_id: str, rt: RuntimeDep, viewer: ReadUser) -> dict[str, Any]:
    return await _one(rt, viewer.id, filter_id)


@router.put("/api/v2/filters/{filter_id}")
async def update_filter(
    filter_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """As creating; ``keywords_attributes[]`` with ``id`` change a keyword, with ``_destroy``
    remove it."""
    params, keywords = await _params(request)
    draft = filters.check_filter(params, keywords, new=False)
    await filters.save_filter(db=rt.db, account_id=viewer.id, draft=draft, filter_id=filter_id)
    return await _one(rt, viewer.id, filter_id)


@router.delete("/api/v2/filters/{filter_id}")
async def delete_filter(filter_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    await filters.delete_filter(db=rt.db, account_id=viewer.id, filter_id=filter_id)
    return {}


@router.get("/api/v2/filters/{filter_id}/keywords")
async def list_keywords(filter_id: str, rt: RuntimeDep, viewer: ReadUser) -> list[Any]:
    return list((await _one(rt, viewer.id, filter_id))["keywords"])


@router.post("/api/v2/filters/{filter_id}/keywords")
async def add_keyword(
    filter_id: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    params = await read_params(request)
    change = filters.check_keyword(params, index=0)
    draft = filters.FilterDraft(None, None, None, None, [change])
    await filters.save_filter(db=rt.db, account_id=viewer.id, draft=draft, filter_id=filter_id)
    keywords = (await _one(rt, viewer.id, filter_id))["keywords"]
    return dict(keywords[-1])


@router.get("/api/v2/filters/keywords/{keyword_id}")
async def get_keyword(keyword_id: str, session: SessionDep, viewer: ReadUser) -> dict[str, Any]:
    keyword = await filters.get_keyword(session, account_id=viewer.id, keyword_id=keyword_id)
    return filters.keyword_entity(keyword)


@router.delete("/api/v2/filters/keywords/{keyword_id}")
async def delete_keyword(keyword_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    await filters.delete_keyword(db=rt.db, account_id=viewer.id, keyword_id=keyword_id)
    return {}


@router.get("/api/v2/filters/{filter_id}/statuses")
async def filter_statuses(filter_id: str, rt: RuntimeDep, viewer: ReadUser) -> list[Any]:
    """Filters by single posts are not kept here: always none."""
    await _one(rt, viewer.id, filter_id)
    return []


@router.get("/api/v1/filters")
async def filters_v1(viewer: ReadUser) -> list[Any]:
    """Mastodon 3's filters: apps that still ask get none (use /api/v2/filters)."""
    return []
