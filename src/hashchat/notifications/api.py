"""Mastodon's notifications and markers API: GET /api/v1/notifications (with its paging and
type filters), one notification, dismiss, clear, the unread count, and read markers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hashchat.errors import Forbidden, Unauthorized
from hashchat.notifications import push, service
from hashchat.web.deps import Auth, AuthDep, ReadUser, RuntimeDep, SessionDep, WriteUser
from hashchat.web.openapi import errors
from hashchat.web.params import read_params

router = APIRouter(tags=["notifications"])


@router.get("/api/v1/notifications")
async def list_notifications(
    request: Request, session: SessionDep, viewer: ReadUser
) -> JSONResponse:
    """Newest first; ``max_id``/``since_id``/``min_id``/``limit`` and ``types[]`` /
    ``exclude_types[]`` as in Mastodon, with a ``Link`` header. Mastodon's types unless
    ``types[]`` names hashchat's own (``chat.reminder`` ..., or ``chat.*`` for all of them)."""
    params = await read_params(request, body=False)
    page = service.parse_page(
        max_id=params.get("max_id"),
        since_id=params.get("since_id"),
        min_id=params.get("min_id"),
        limit=params.get("limit"),
    )
    listed = await service.list_notifications(
        session,
        account_id=viewer.id,
        page=page,
        types=_types(params),
    )
    headers = {}
    rows = listed.notifications
    if rows:
        base = str(request.url.remove_query_params(["max_id", "min_id", "since_id"]))
        join = "&" if "?" in base else "?"
        headers["Link"] = ", ".join(
            [
                f'<{base}{join}{urlencode({"max_id": rows[-1].id})}>; rel="next"',
                f'<{base}{join}{urlencode({"min_id": rows[0].id})}>; rel="prev"',
            ]
        )
    return JSONResponse(listed.entities(viewer), headers=headers)


def _types(params: dict[str, Any]) -> list[str]:
    return service.mastodon_types(
        service.check_types(params.get("types"), field="types"),
        service.check_types(params.get("exclude_types"), field="exclude_types"),
    )


@router.get("/api/v1/notifications/unread_count")
async def unread_count(request: Request, session: SessionDep, viewer: ReadUser) -> dict[str, int]:
    """Notifications newer than the ``notifications`` read marker (types as in the list)."""
    params = await read_params(request, body=False)
    count = await service.unread_count(session, account_id=viewer.id, types=_types(params))
    return {"count": count}


@router.post("/api/v1/notifications/clear")
async def clear(rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    await service.clear(db=rt.db, account_id=viewer.id)
    return {}


@router.get("/api/v1/notifications/{notification_id}")
async def get_notification(
    notification_id: str, session: SessionDep, viewer: ReadUser
) -> dict[str, Any]:
    listed = await service.get_notification(
        session, account_id=viewer.id, notification_id=notification_id
    )
    return listed.entities(viewer)[0]


@router.post("/api/v1/notifications/{notification_id}/dismiss")
async def dismiss(notification_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    await service.dismiss(db=rt.db, account_id=viewer.id, notification_id=notification_id)
    return {}


def _marker(marker: Any) -> dict[str, Any]:
    from hashchat.accounts.entities import _iso

    return {
        "last_read_id": str(marker.last_read_id),
        "version": marker.version,
        "updated_at": _iso(marker.updated_at),
    }


@router.get("/api/v1/markers")
async def get_markers(request: Request, session: SessionDep, viewer: ReadUser) -> dict[str, Any]:
    params = await read_params(request, body=False)
    wanted = params.get("timeline") or []
    markers = await service.get_markers(
        session, account_id=viewer.id, timelines=wanted if isinstance(wanted, list) else [wanted]
    )
    return {name: _marker(m) for name, m in markers.items()}


@router.post("/api/v1/markers")
async def save_markers(request: Request, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """``notifications[last_read_id]`` (form) or ``{"notifications": {"last_read_id": ..}}``."""
    params = await read_params(request)
    saved: dict[str, Any] = {}
    for timeline in service.TIMELINES:
        value = params.get(timeline)
        last = value.get("last_read_id") if isinstance(value, dict) else None
        last = last or params.get(f"{timeline}[last_read_id]")
        if last is not None:
            marker = await service.save_marker(
                db=rt.db, account_id=viewer.id, timeline=timeline, last_read_id=last
            )
            saved[timeline] = _marker(marker)
    return saved


# -- Web Push -------------------------------------------------------------------------------------


def _bearer(request: Request, auth: Auth) -> str:
    """Push subscriptions belong to an access token (Mastodon's rule), never to a cookie."""
    if auth.via != "token" or auth.account is None:
        raise Unauthorized("push subscriptions need an access token")
    if not auth.allows("push"):
        raise Forbidden("This action is outside the authorized scopes (push)")
    return request.headers["authorization"].partition(" ")[2].strip()


@router.post("/api/v1/push/subscription", responses=errors(403))
async def subscribe(request: Request, rt: RuntimeDep, auth: AuthDep) -> dict[str, Any]:
    """``subscription[endpoint]``, ``subscription[keys][p256dh]``, ``subscription[keys][auth]``,
    ``data[alerts][<type>]`` and ``data[policy]``; replaces the token's subscription."""
    token = _bearer(request, auth)
    assert auth.account is not None
    draft = push.check_subscription(await read_params(request), new=True)
    row = await push.subscribe(db=rt.db, token=token, account_id=auth.account.id, draft=draft)
    return push.subscription_entity(row, rt.settings)


@router.get("/api/v1/push/subscription", responses=errors(403, 404))
async def get_subscription(
    request: Request, rt: RuntimeDep, session: SessionDep, auth: AuthDep
) -> dict[str, Any]:
    row = await push.get(session, token=_bearer(request, auth))
    return push.subscription_entity(row, rt.settings)


@router.put("/api/v1/push/subscription", responses=errors(403, 404))
async def change_subscription(request: Request, rt: RuntimeDep, auth: AuthDep) -> dict[str, Any]:
    """Change ``data[alerts][<type>]`` and ``data[policy]``."""
    token = _bearer(request, auth)
    draft = push.check_subscription(await read_params(request), new=False)
    row = await push.change(db=rt.db, token=token, draft=draft)
    return push.subscription_entity(row, rt.settings)


@router.delete("/api/v1/push/subscription", responses=errors(403))
async def unsubscribe(request: Request, rt: RuntimeDep, auth: AuthDep) -> dict[str, Any]:
    await push.unsubscribe(db=rt.db, token=_bearer(request, auth))
    return {}
