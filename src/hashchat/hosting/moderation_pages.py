"""The session page's moderation section, for a chat's hosts and moderators: who is muted or
banned now, and the moderation log with what would undo each action while it still holds; and
its buttons (unhide, unmute, unban), through the same services as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hashchat.accounts.models import Account
from hashchat.errors import DomainError, NotFound
from hashchat.hosting import moderation, sessions
from hashchat.hosting.models import HiddenPost
from hashchat.hosting.page_forms import again, form_and_back
from hashchat.web.deps import RuntimeDep, ViewerDep
from hashchat.web.forms import see_other

router = APIRouter(include_in_schema=False)


async def moderation_section(session: Any, chat: Any, viewer: Account) -> dict[str, Any]:
    """For moderators: the log, each entry with what would undo it while it still holds, and
    who is muted or banned now."""
    entries = (await moderation.audit_log(session, actor=viewer, tag=chat.hashtag)).entries
    restricted = await moderation.restrictions(session, actor=viewer, tag=chat.hashtag)
    now_kind = {r["account"]["id"]: ("mute" if r["muted"] else "ban") for r in restricted}
    posts = [int(e["target_status_id"]) for e in entries if e["action"] == "hide"]
    hidden = set()
    if posts:
        hidden = {
            str(i)
            for i in await session.scalars(
                select(HiddenPost.post_id).where(
                    HiddenPost.chat_id == chat.id, HiddenPost.post_id.in_(posts)
                )
            )
        }
    for entry in entries:
        target = (entry["target_account"] or {}).get("id")
        undo = None
        if entry["action"] == "hide" and entry["target_status_id"] in hidden:
            undo = "unhide"
        elif entry["action"] in ("mute", "ban") and now_kind.get(target) == entry["action"]:
            undo = "un" + entry["action"]
        entry["undo"] = undo
    return {"audit": entries, "restricted": restricted}


@router.post("/chats/{tag}/sessions/{session_id}/moderation", response_class=HTMLResponse)
async def moderation_action(
    tag: str, session_id: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """The moderation section's buttons: unhide a post, unmute or unban a person (the same
    services as the API, whose ``unhide`` events update open rooms)."""
    form, back = await form_and_back(request, rt, session_id, "#audit")
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    async with rt.db.read() as session:
        _chat_session, chat = await sessions.get_session(session, session_id)
    action = form.get("action", "")
    try:
        if action == "unhide":
            await moderation.unhide_post(
                db=rt.db, actor=viewer, tag=chat.hashtag, status_id=form.get("status_id", "")
            )
        elif action in ("unmute", "unban"):
            await moderation.lift(
                db=rt.db, actor=viewer, tag=chat.hashtag, kind=action[2:],
                account_id=form.get("account_id", ""),
            )  # fmt: skip
        else:
            raise NotFound("no such action", field="action")
    except DomainError as exc:
        return again(request, back, form, exc)
    return see_other(back)
