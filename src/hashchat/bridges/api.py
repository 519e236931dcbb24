"""The bridges API: a person's linked accounts on other networks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hashchat.bridges import linking
from hashchat.bridges.bluesky import link as bluesky_link
from hashchat.bridges.schemas import LinkIn
from hashchat.bridges.sealing import Sealer, sealer_for
from hashchat.errors import NotFound
from hashchat.runtime import Runtime
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, WriteUser
from hashchat.web.params import body_doc, read_params, validate

router = APIRouter(tags=["bridges"])


def sealer_of(rt: Runtime) -> Sealer:
    return sealer_for(rt.secret_key, tuple(rt.settings.previous_secret_keys))


@router.get("/api/v1/chats/{tag:chat_tag}/bridges")
async def chat_bridges(tag: str, session: SessionDep, rt: RuntimeDep) -> dict[str, Any]:
    """How each bridge open now for the chat reads its network (``connected``,
    ``reconnecting``, ...): what the room says when it is opened; ``bridge`` events on the
    chat's stream say each change after that. Public, as the room is."""
    from hashchat.bridges.status import room_states
    from hashchat.directory.service import get_chat

    chat = await get_chat(session, tag)
    return {"bridges": await room_states(session, rt.settings, chat.tag_key)}


@router.get("/api/v1/bridges/accounts")
async def list_accounts(session: SessionDep, viewer: ReadUser) -> list[dict[str, Any]]:
    """The accounts you linked on other networks (no secret is ever shown)."""
    from hashchat.bridges.mastodon.posting import limits

    links = await linking.list_links(session, viewer.id)
    most = await limits(session, {x.service_url for x in links if x.network == "mastodon"})
    return [
        linking.link_entity(x)
        | ({"max_characters": most.get(x.service_url, 500)} if x.network == "mastodon" else {})
        for x in links
    ]


@router.post("/api/v1/bridges/accounts", status_code=201, openapi_extra=body_doc(LinkIn))
async def link_account(request: Request, rt: RuntimeDep, viewer: WriteUser) -> JSONResponse:
    """Link a Bluesky account with an app password (atproto OAuth: /bridges/bluesky/oauth)."""
    body = validate(LinkIn, await read_params(request))
    bluesky_link.check_app_password(body.identifier, body.app_password)
    await rt.limiter.hit("bridge_link", str(viewer.id))
    link = await bluesky_link.link_with_app_password(
        db=rt.db,
        account_id=viewer.id,
        identifier=body.identifier,
        app_password=body.app_password,
        sealer=sealer_of(rt),
        settings=rt.settings,
    )
    return JSONResponse(linking.link_entity(link), status_code=201)


@router.delete("/api/v1/bridges/accounts/{link_id}")
async def unlink_account(link_id: str, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Unlink: the session is ended at the other network and its tokens forgotten."""
    if not link_id.isdigit() or len(link_id) > 19:
        raise NotFound("no such linked account", field="id")
    return await linking.do_unlink(
        db=rt.db,
        account_id=viewer.id,
        link_id=int(link_id),
        sealer=sealer_of(rt),
        settings=rt.settings,
    )


@router.get("/api/v1/bridges/posts/{post_id}")
async def outgoing_post(
    post_id: str, session: SessionDep, viewer: ReadUser, network: str = "bluesky"
) -> dict[str, Any]:
    """Where your post stands on its way out to ``network`` (bluesky, the default, or
    mastodon): waiting, sent (with its URI and web address), failed (with the reason) or
    cancelled."""
    from hashchat.bridges.bluesky.outbox import web_url
    from hashchat.bridges.bluesky.outbox_model import OutgoingPost
    from hashchat.bridges.mastodon.models import MastodonOutgoing
    from hashchat.posts.models import Post

    key = int(post_id) if post_id.isdigit() and len(post_id) < 19 else 0
    toot = await session.get(MastodonOutgoing, key) if key and network == "mastodon" else None
    if toot is not None:
        post = await session.get(Post, key)
        if post is not None and post.account_id == viewer.id:
            return {
                "id": str(toot.post_id),
                "network": "mastodon",
                "state": toot.state,
                "uri": post.origin_uri if toot.state in ("sent", "deleting", "deleted") else None,
                "url": toot.url if toot.state == "sent" else None,
                "visibility": toot.visibility,
                "error": toot.error or None,
                "attempts": toot.attempts,
            }
    row = await session.get(OutgoingPost, key) if key and network == "bluesky" else None
    post = await session.get(Post, key) if row is not None else None
    if row is None or post is None or post.account_id != viewer.id:
        raise NotFound(f"this post is not on its way to {network}", field="id")
    return {
        "id": str(row.post_id),
        "network": "bluesky",
        "state": row.state,
        "uri": row.uri,
        "cid": row.cid,
        "url": web_url(row.uri) if row.state == "sent" else None,
        "error": row.error or None,
        "attempts": row.attempts,
    }
