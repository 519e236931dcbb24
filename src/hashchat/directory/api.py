"""The chats API (hashchat's own, under /api/v1/chats): the directory, its search and agenda,
listings and their occurrences, follows with reminders, import and export, and review."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.convertors import Convertor, register_url_convertor

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.directory import csvio, follows, hosts, links, listing, search, service
from hashchat.directory.entities import occurrence_entity
from hashchat.directory.models import Chat
from hashchat.directory.schedule import MAX_EXPANSION, parse_date, to_instant
from hashchat.directory.schemas import (
    ApprovalIn,
    ChatFieldsIn,
    ChatIn,
    FollowIn,
    MoveIn,
    ReviewIn,
    StatusIn,
)
from hashchat.directory.zones import zone_for
from hashchat.errors import Forbidden, Invalid
from hashchat.storage.base import utcnow
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, ViewerDep, WriteUser
from hashchat.web.openapi import errors
from hashchat.web.params import body_doc, read_params, validate

router = APIRouter(tags=["chats"])


class ChatTag(Convertor[str]):
    """A chat's hashtag where it is the last part of the path, other than the API's own names
    there: ``PUT /api/v1/chats/agenda`` is then a 405 (the agenda is read-only), not an edit
    of a chat called "agenda"."""

    regex = "(?!(?:agenda|followed|calendar_token|export|import|review)$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("chat_tag", ChatTag())


def _json(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON encoded once by orjson (FastAPI's own encoder walks every value of a long agenda
    in Python first)."""
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )


async def _one(rt: Any, tag: str, viewer: Account | None, zone: str) -> dict[str, Any]:
    async with rt.db.read() as session:
        chat = await service.visible_chat(session, tag, viewer)
        return await listing.render_chat(session, chat, viewer=viewer, zone=zone, now=utcnow())


@router.get("/api/v1/chats")
async def list_chats(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Search the directory: ``q`` (full text), ``topic``, ``language``, ``days`` and ``time``
    (morning, afternoon, evening, night) or ``from``/``to`` in the viewer's zone (``tz``, else
    the profile's), ``live``, ``within_hours``, ``status``; ``limit``/``offset`` pages."""
    zone, _ = zone_for(request, viewer)
    filters = search.parse_filters(dict(request.query_params), zone=zone)
    now = utcnow()
    found = await search.search_chats(session, filters, now=now)
    entities = await listing.render_chats(
        session, found.chats, viewer=viewer, zone=filters.zone, now=now, live=found.live_ids
    )
    headers = {"X-Total-Count": str(found.total)}
    if filters.offset + filters.limit < found.total:
        more = {**filters.query_items(), "limit": str(filters.limit)}
        more["offset"] = str(filters.offset + filters.limit)
        headers["Link"] = f'<{urls.base()}/api/v1/chats?{urlencode(more)}>; rel="next"'
    return _json(entities, headers=headers)


@router.post(
    "/api/v1/chats", status_code=201, openapi_extra=body_doc(ChatIn), responses=errors(409)
)
async def create_chat(request: Request, rt: RuntimeDep, viewer: WriteUser) -> JSONResponse:
    """List a chat. 409 (with the listing's ``url``) when its hashtag is listed already."""
    data = await read_params(request)
    validate(ChatIn, data)
    chat = await service.create_chat(
        db=rt.db, actor=viewer, data=data, approval_default=rt.settings.chat_approval
    )
    zone, _ = zone_for(request, viewer)
    entity = await _one(rt, chat.tag_key, viewer, zone)
    return JSONResponse(entity, status_code=201, headers={"Location": entity["url"]})


@router.get("/api/v1/chats/agenda")
async def agenda(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Seven days from ``start`` (a date; today by default) in the viewer's zone, with the
    same filters as the search; at most ``limit`` occurrences (200, at most 1000)."""
    zone, _ = zone_for(request, viewer)
    params = dict(request.query_params)
    filters = search.parse_filters({k: v for k, v in params.items() if k != "limit"}, zone=zone)
    start = parse_date(params["start"], field="start") if params.get("start") else None
    limit = search.AGENDA_LIMIT
    if params.get("limit"):
        try:
            limit = max(1, min(int(params["limit"]), search.MAX_AGENDA))
        except ValueError:
            raise Invalid("limit is a number", field="limit") from None
    now = utcnow()
    found = await search.agenda(session, filters, start=start, now=now, limit=limit)
    return _json(
        {
            "start": found.start.isoformat(),
            "time_zone": found.zone,
            "total": found.total,
            "shown": found.shown,
            "days": [
                {
                    "date": day.date.isoformat(),
                    "occurrences": [
                        occurrence_entity(
                            s.chat,
                            s.starts_at,
                            s.ends_at,
                            viewer_zone=found.zone,
                            moved=s.moved,
                            live=s.live,
                        )
                        for s in day.slots
                    ],
                }
                for day in found.days
            ],
        }
    )


@router.get("/api/v1/chats/followed")
async def followed(request: Request, session: SessionDep, viewer: ReadUser) -> list[dict[str, Any]]:
    """The chats I follow, soonest first, with my reminder settings."""
    zone, _ = zone_for(request, viewer)
    chats = [chat for chat, _follow in await follows.followed_chats(session, viewer.id)]
    return await listing.render_chats(session, chats, viewer=viewer, zone=zone, now=utcnow())


@router.post("/api/v1/chats/calendar_token")
async def calendar_token(rt: RuntimeDep, viewer: WriteUser) -> dict[str, str]:
    """A new secret URL for my calendar feed (the previous one stops working). Shown once."""
    token = await follows.new_calendar_token(db=rt.db, account_id=viewer.id)
    url = links.personal_calendar(token)
    return {"url": url, "webcal": links.webcal(url)}


@router.get("/api/v1/chats/export")
async def export(
    session: SessionDep, viewer: ViewerDep, format: str = "json", status: str = "listed"
) -> Response:
    """Every listed chat, as CSV (the spreadsheet's columns) or JSON (the chat entities)."""
    filters = search.parse_filters({"status": status, "limit": "100"}, zone="UTC")
    chats = await _all(session, filters)
    if format == "csv":
        body = csvio.to_csv(await csvio.export_rows(session, chats))
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="chats.csv"'},
        )
    if format != "json":
        raise Invalid("format is csv or json", field="format")
    entities = await listing.render_chats(session, chats, viewer=None, zone="UTC", now=utcnow())
    return Response(
        csvio.to_json(entities),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="chats.json"'},
    )


async def _all(session: Any, filters: search.Filters) -> list[Chat]:
    from sqlalchemy import select

    query = select(Chat).where(*search.status_clause(filters)).order_by(Chat.tag_key)
    return list(await session.scalars(query))


@router.post("/api/v1/chats/import")
async def import_chats(request: Request, rt: RuntimeDep, viewer: WriteUser) -> JSONResponse:
    """Import a CSV (admins): the raw file as the body (text/csv) or a form's ``file``;
    ``partial=true`` imports the good rows and reports the others. 422 lists every problem of
    every bad row (``rows``), or says the file itself cannot be read (``whole_file``)."""
    if not viewer.is_admin:
        raise Forbidden("only admins import chats")
    partial = request.query_params.get("partial", "").lower() in ("1", "true", "yes")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        async with request.form(max_files=1) as form:  # closes the upload's temporary copy
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise Invalid("attach the CSV file as 'file'", field="file")
            raw = await upload.read()
            partial = partial or str(form.get("partial", "")).lower() in ("1", "true", "yes", "on")
    else:
        raw = await request.body()
    try:
        report = await csvio.import_chats(db=rt.db, actor=viewer, raw=raw, partial=partial)
    except csvio.ImportFailed as exc:
        return JSONResponse(
            {
                "error": exc.message,
                "field": "file",
                "whole_file": exc.whole_file,
                "rows": _rows(exc.errors),
            },
            status_code=422,
        )
    return JSONResponse(
        {"imported": report.created, "rows": report.rows, "skipped": _rows(report.errors)},
        status_code=201 if report.created else 200,
    )


def _rows(errors: list[csvio.RowError]) -> list[dict[str, Any]]:
    return [{"line": e.line, "column": e.field, "error": e.message} for e in errors]


@router.get("/api/v1/chats/review")
async def pending(
    request: Request, rt: RuntimeDep, session: SessionDep, viewer: ReadUser
) -> dict[str, Any]:
    """Admins: whether listings wait for approval, and those waiting."""
    if not viewer.is_admin:
        raise Forbidden("only admins review submitted chats")
    from sqlalchemy import select

    chats = list(
        await session.scalars(
            select(Chat).where(Chat.review == "pending").order_by(Chat.created_at)
        )
    )
    zone, _ = zone_for(request, viewer)
    return {
        "approval_required": await service.approval_required(
            session, default=rt.settings.chat_approval
        ),
        "pending": await listing.render_chats(
            session, chats, viewer=viewer, zone=zone, now=utcnow()
        ),
    }


@router.post("/api/v1/chats/review", openapi_extra=body_doc(ApprovalIn))
async def set_approval(request: Request, rt: RuntimeDep, viewer: WriteUser) -> dict[str, bool]:
    body = validate(ApprovalIn, await read_params(request))
    await service.set_approval_required(db=rt.db, actor=viewer, required=body.approval_required)
    return {"approval_required": body.approval_required}


@router.get("/api/v1/chats/{tag:chat_tag}")
async def get_chat(tag: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> dict[str, Any]:
    zone, _ = zone_for(request, viewer)
    return await _one(rt, tag, viewer, zone)


@router.patch(
    "/api/v1/chats/{tag:chat_tag}", openapi_extra=body_doc(ChatFieldsIn), responses=errors(409)
)
@router.put(
    "/api/v1/chats/{tag:chat_tag}", openapi_extra=body_doc(ChatFieldsIn), include_in_schema=False
)
async def update_chat(
    tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Change a listing (its hosts or an admin); fields left out keep their values."""
    data = await read_params(request)
    validate(ChatFieldsIn, data)
    chat = await service.update_chat(db=rt.db, actor=viewer, tag=tag, data=data)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, chat.tag_key, viewer, zone)


@router.post("/api/v1/chats/{tag}/status", openapi_extra=body_doc(StatusIn))
async def set_status(
    tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Pause, retire or reactivate."""
    body = validate(StatusIn, await read_params(request))
    chat = await service.set_status(db=rt.db, actor=viewer, tag=tag, status=body.status)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, chat.tag_key, viewer, zone)


@router.post("/api/v1/chats/{tag}/hosts/accept")
async def accept_hosting(
    tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Accept an invitation to host the chat: the role takes effect (404 without one)."""
    chat = await hosts.answer(db=rt.db, account=viewer, tag=tag, accept=True)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, chat.tag_key, viewer, zone)


@router.post("/api/v1/chats/{tag}/hosts/decline")
async def decline_hosting(tag: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Decline an invitation to host the chat: it goes, and nothing else changes."""
    chat = await hosts.answer(db=rt.db, account=viewer, tag=tag, accept=False)
    return {"chat": chat.hashtag, "declined": True}


@router.post("/api/v1/chats/{tag}/confirm_active")
async def confirm_active(
    tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """A host says the chat is alive: the "may be inactive" flag goes."""
    chat = await service.confirm_active(db=rt.db, actor=viewer, tag=tag)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, chat.tag_key, viewer, zone)


@router.post("/api/v1/chats/{tag}/review", openapi_extra=body_doc(ReviewIn), responses=errors(409))
async def review(tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser) -> Response:
    """Admins approve or reject a submitted listing (a rejected one is removed)."""
    body = validate(ReviewIn, await read_params(request))
    chat = await service.review(
        db=rt.db, actor=viewer, tag=tag, approve=body.decision == "approve", reason=body.reason
    )
    if chat is None:
        return Response(status_code=204)
    zone, _ = zone_for(request, viewer)
    return JSONResponse(await _one(rt, chat.tag_key, viewer, zone))


@router.get("/api/v1/chats/{tag}/occurrences")
async def occurrences(
    tag: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> list[dict[str, Any]]:
    """Occurrences from ``from`` to ``to`` (dates, midnight in the viewer's zone; default: the
    next eight weeks), at most 1000, each with its times in the viewer's zone."""
    zone, _ = zone_for(request, viewer)
    chat = await service.visible_chat(session, tag, viewer)
    schedule = (await listing.schedules_of(session, [chat]))[chat.id]
    now = utcnow()
    params = request.query_params
    here = ZoneInfo(zone)

    def midnight(name: str) -> datetime:
        day = parse_date(params[name], field=name)
        return to_instant(datetime.combine(day, datetime.min.time()), here)

    start = midnight("from") if params.get("from") else now
    end = midnight("to") if params.get("to") else start + timedelta(weeks=8)
    if end <= start:
        raise Invalid("to is after from", field="to")
    if end - start > timedelta(days=366 * 2):
        raise Invalid("ask for two years at most", field="to")
    if chat.status != "active" or chat.review != "approved":
        return []
    return [
        occurrence_entity(
            chat,
            o.starts_at,
            o.ends_at,
            viewer_zone=zone,
            moved=o.moved,
            live=o.starts_at <= now < o.ends_at,
        )
        | {"date": o.local_date.isoformat()}
        for o in schedule.occurrences(start, end, limit=MAX_EXPANSION)
    ]


@router.post("/api/v1/chats/{tag}/occurrences/{day}/skip")
async def skip(
    tag: str, day: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Skip the occurrence of ``day`` (its original local date)."""
    chat = await service.skip_occurrence(db=rt.db, actor=viewer, tag=tag, day=day)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, chat.tag_key, viewer, zone)


@router.post("/api/v1/chats/{tag}/occurrences/{day}/move", openapi_extra=body_doc(MoveIn))
async def move(
    tag: str, day: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Move the occurrence of ``day`` to ``to`` (local, in the chat's zone)."""
    body = validate(MoveIn, await read_params(request))
    chat = await service.move_occurrence(db=rt.db, actor=viewer, tag=tag, day=day, to=body.to)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, chat.tag_key, viewer, zone)


@router.post("/api/v1/chats/{tag}/occurrences/{day}/restore")
async def restore(
    tag: str, day: str, request: Request, rt: RuntimeDep, viewer: WriteUser
) -> dict[str, Any]:
    """Undo a skip or a move."""
    chat = await service.restore_occurrence(db=rt.db, actor=viewer, tag=tag, day=day)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, chat.tag_key, viewer, zone)


@router.post("/api/v1/chats/{tag}/follow", openapi_extra=body_doc(FollowIn))
async def follow(tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Follow a chat; ``remind_minutes`` asks for a reminder that many minutes before each
    occurrence (in the app, and by email when the server sends email)."""
    body = validate(FollowIn, await read_params(request))
    await follows.follow_chat(
        db=rt.db,
        account=viewer,
        tag=tag,
        remind_minutes=body.remind_minutes,
        remind_by_email=body.remind_by_email,
    )
    zone, _ = zone_for(request, viewer)
    return await _one(rt, tag, viewer, zone)


@router.post("/api/v1/chats/{tag}/unfollow")
async def unfollow(tag: str, request: Request, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    await follows.unfollow_chat(db=rt.db, account=viewer, tag=tag)
    zone, _ = zone_for(request, viewer)
    return await _one(rt, tag, viewer, zone)
