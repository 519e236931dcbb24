"""The notifications page: newest first, unread ones marked; dismiss one, clear all, mark read."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat.notifications import service
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.forms import read_form, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

LABELS = {
    "mention": "Mention",
    "status": "New post",
    "reblog": "Repost",
    "favourite": "Like",
    "follow": "Follow",
    "poll": "Poll ended",
    "update": "Edited",
    "chat.reminder": "Reminder",
    "chat.inactive": "Chat health",
    "chat.submitted": "To review",
    "chat.approved": "Listed",
    "chat.rejected": "Not listed",
}


def sentence(entity: dict[str, Any], viewer_id: str) -> str:
    """What happened, in words (hashchat's own types carry their sentence as ``text``)."""
    who = "@" + entity["account"]["acct"]
    status = entity.get("status") or {}
    match entity["type"]:
        case "mention" if status.get("in_reply_to_account_id") == viewer_id:
            return f"{who} replied to your post"
        case "mention":
            return f"{who} mentioned you"
        case "status":
            return f"{who} posted"
        case "reblog":
            return f"{who} reposted your post"
        case "favourite":
            return f"{who} liked your post"
        case "follow":
            return f"{who} followed you"
        case "poll":
            return "A poll you took part in has ended"
        case "update":
            return f"{who} edited a post you reposted"
    return str(entity.get("text") or "")


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(
    request: Request, session: SessionDep, viewer: ViewerDep, max_id: str = ""
) -> Response:
    if viewer is None:
        return see_other("/login?next=/notifications")
    page = service.parse_page(max_id=max_id or None, limit=40)
    listed = await service.list_notifications(session, account_id=viewer.id, page=page)
    markers = await service.get_markers(session, account_id=viewer.id, timelines=["notifications"])
    last_read = markers["notifications"].last_read_id if "notifications" in markers else 0
    zone = ZoneInfo(viewer.time_zone)
    viewer_id = str(viewer.id)
    items = []
    for entity, row in zip(listed.entities(viewer), listed.notifications, strict=True):
        at = datetime.fromisoformat(entity["created_at"].replace("Z", "+00:00")).astimezone(zone)
        items.append(
            {
                "entity": entity,
                "label": "Reply"
                if sentence(entity, viewer_id).endswith("replied to your post")
                else LABELS.get(row.type, row.type),
                "sentence": sentence(entity, viewer_id),
                "unread": row.id > last_read,
                "when": f"{at:%a} {at.day} {at:%b}, {at:%H:%M}",
            }
        )
    rows = listed.notifications
    return render(
        request,
        "notifications/index.html",
        {
            "items": items,
            "newest": rows[0].id if rows else None,
            "next_max_id": rows[-1].id if len(rows) == page.limit else None,
        },
    )


@router.post("/notifications/read")
async def mark_read(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other("/login?next=/notifications")
    if form.get("last_read_id"):
        await service.save_marker(
            db=rt.db,
            account_id=viewer.id,
            timeline="notifications",
            last_read_id=form["last_read_id"],
        )
    return see_other("/notifications")


@router.post("/notifications/clear")
async def clear(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    await read_form(request)
    if viewer is None:
        return see_other("/login?next=/notifications")
    await service.clear(db=rt.db, account_id=viewer.id)
    return see_other("/notifications")


@router.post("/notifications/{notification_id}/dismiss")
async def dismiss(
    notification_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    await read_form(request)
    if viewer is None:
        return see_other("/login?next=/notifications")
    await service.dismiss(db=rt.db, account_id=viewer.id, notification_id=notification_id)
    return see_other("/notifications")
