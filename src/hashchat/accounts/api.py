"""The accounts API: Mastodon's apps, OAuth tokens, accounts, follows and followed tags."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from hashchat.accounts import oauth, service
from hashchat.accounts.entities import account_entity
from hashchat.accounts.models import Account, AccountBlock, AccountMute, Follow, OAuthApp
from hashchat.accounts.schemas import AppIn, ProfileIn, SignUpIn, TokenIn
from hashchat.config import get_settings
from hashchat.errors import Forbidden, Invalid, NotFound, Unauthorized
from hashchat.parsing import check_id, find_id
from hashchat.posts.entities import tag_entity
from hashchat.posts.models import Tag
from hashchat.storage.base import utcnow
from hashchat.text import normalize_tag
from hashchat.web.deps import (
    AuthDep,
    FollowUser,
    ReadUser,
    RuntimeDep,
    SessionDep,
    ViewerDep,
    WriteUser,
    client_ip,
)
from hashchat.web.openapi import errors
from hashchat.web.params import body_doc, read_params, validate

router = APIRouter(tags=["accounts"])


def app_entity(app: Any, secret: str | None = None) -> dict[str, Any]:
    entity = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website or None,
        "redirect_uri": app.redirect_uris,
        "redirect_uris": app.redirect_uris.split(),
        "scopes": app.scopes.split(),
        "client_id": app.client_id,
        "vapid_key": get_settings().vapid_public_key(),
    }
    if secret is not None:
        entity["client_secret"] = secret
    return entity


def token_entity(token: str, row: Any) -> dict[str, Any]:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "scope": row.scopes,
        "created_at": int(row.created_at.timestamp()),
    }


@router.post("/api/v1/apps", openapi_extra=body_doc(AppIn), responses=errors(429))
async def create_app(request: Request, rt: RuntimeDep) -> dict[str, Any]:
    """Register a client application (Mastodon: POST /api/v1/apps)."""
    await rt.limiter.hit("token", client_ip(request))
    body = validate(AppIn, await read_params(request))
    made = await oauth.create_app(
        db=rt.db,
        name=body.client_name,
        redirect_uris=body.redirect_uris,
        scopes=body.scopes,
        website=body.website or "",
    )
    return app_entity(made.app, made.client_secret)


@router.get("/api/v1/apps/verify_credentials")
async def verify_app(session: SessionDep, auth: AuthDep) -> dict[str, Any]:
    if auth.via != "token" or auth.app_id is None:
        raise Unauthorized("The access token is invalid")
    app = await session.get(OAuthApp, auth.app_id)
    if app is None:
        raise Unauthorized("The access token is invalid")
    return app_entity(app)


@router.post("/oauth/token", openapi_extra=body_doc(TokenIn), responses=errors(401, 429))
async def token(request: Request, rt: RuntimeDep) -> JSONResponse:
    """Issue a bearer token: password, authorization_code or client_credentials grant."""
    await rt.limiter.hit("token", client_ip(request))
    body = validate(TokenIn, await read_params(request))
    async with rt.db.read() as session:
        app = await oauth.get_client(session, body.client_id, body.client_secret or "")
    if body.grant_type == "client_credentials":
        scopes = oauth.check_scopes(body.scope or "read", allowed=app.scopes, field="scope")
        raw, row = await oauth.issue_token(db=rt.db, app_id=app.id, account_id=None, scopes=scopes)
    elif body.grant_type == "password":
        await rt.limiter.hit("log_in", client_ip(request))
        if not body.username or not body.password:
            raise Invalid("username and password are required", field="username")
        account = await service.authenticate(
            db=rt.db,
            login=body.username,
            password=body.password,
            guard=rt.limiter.log_in_guard(),
        )
        if account is None:
            return JSONResponse(
                {
                    "error": "invalid_grant",
                    "error_description": "the username or password is wrong",
                    "field": "password",
                },
                status_code=400,
            )
        scopes = oauth.check_scopes(body.scope or "read", allowed=app.scopes, field="scope")
        raw, row = await oauth.issue_token(
            db=rt.db, app_id=app.id, account_id=account.id, scopes=scopes
        )
    elif body.grant_type == "authorization_code":
        raw, row = await oauth.redeem_code(
            db=rt.db,
            app=app,
            code=body.code,
            redirect_uri=body.redirect_uri,
            code_verifier=body.code_verifier,
        )
    else:
        raise Invalid(
            "grant_type is password, authorization_code or client_credentials", field="grant_type"
        )
    return JSONResponse(token_entity(raw, row), headers={"Cache-Control": "no-store"})


@router.post("/oauth/revoke", responses=errors(401, 403))
async def revoke(request: Request, rt: RuntimeDep) -> dict[str, Any]:
    """Revoke a token (RFC 7009): only the client it was issued to may, with its secret."""
    params = await read_params(request)
    async with rt.db.read() as session:
        app = await oauth.get_client(
            session, params.get("client_id"), params.get("client_secret", "")
        )
    token_value = params.get("token")
    if not isinstance(token_value, str) or not token_value:
        raise Invalid("token is required", field="token")
    await oauth.revoke(db=rt.db, token=token_value, app_id=app.id)
    return {}


@router.post("/api/v1/accounts", openapi_extra=body_doc(SignUpIn), responses=errors(409))
async def sign_up(request: Request, rt: RuntimeDep, auth: AuthDep) -> JSONResponse:
    """Register an account with an app token (client credentials); answers a user token."""
    if auth.via != "token" or auth.app_id is None:
        raise Unauthorized("sign-up needs an app token (client_credentials grant)")
    if not rt.settings.registrations_open:
        raise Forbidden("registrations are closed on this server")
    await rt.limiter.hit("sign_up", client_ip(request))
    body = validate(SignUpIn, await read_params(request))
    if body.agreement is False:
        raise Invalid("you must accept the server's rules", field="agreement")
    account = await service.create_account(
        db=rt.db,
        handle=body.username,
        password=body.password,
        email=body.email,
        time_zone=body.time_zone or "UTC",
    )
    raw, row = await oauth.issue_token(
        db=rt.db, app_id=auth.app_id, account_id=account.id, scopes=" ".join(sorted(auth.scopes))
    )
    return JSONResponse(token_entity(raw, row), headers={"Cache-Control": "no-store"})


@router.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(viewer: ReadUser) -> dict[str, Any]:
    return account_entity(viewer, source=True)


@router.patch("/api/v1/accounts/update_credentials", openapi_extra=body_doc(ProfileIn))
async def update_credentials(request: Request, rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Change the fields given (display_name, note, time_zone, website); at least one."""
    body = validate(ProfileIn, await read_params(request))
    if not body.model_fields_set & set(ProfileIn.model_fields):
        raise Invalid(
            "give at least one of display_name, note, time_zone and website to change",
            field=None,
        )
    account = await service.update_profile(
        db=rt.db,
        account_id=viewer.id,
        display_name=body.display_name,
        bio=body.note,
        time_zone=body.time_zone,
        website=body.website,
    )
    return account_entity(account, source=True)


@router.get("/api/v1/accounts/lookup", responses=errors(404))
async def lookup(session: SessionDep, acct: str = "") -> dict[str, Any]:
    account = await service.get_by_handle(session, acct.lstrip("@").split("@")[0])
    if account is None:
        raise NotFound("Record not found", field="acct")
    return account_entity(account)


@router.get("/api/v1/accounts/relationships")
async def relationships(request: Request, session: SessionDep, viewer: ReadUser) -> list[Any]:
    params = await read_params(request)
    ids = params.get("id", [])
    ids = ids if isinstance(ids, list) else [ids]
    result = []
    for raw in ids[:40]:
        other = check_id(raw, field="id", message="id must be an account id")
        if other is None:
            raise Invalid("id must be an account id", field="id")
        result.append(await relationship(session, viewer.id, other))
    return result


async def relationship(session: Any, viewer_id: int, other_id: int) -> dict[str, Any]:
    mine = await session.get(Follow, (viewer_id, other_id))
    followed_by = await service.is_following(session, other_id, viewer_id)
    mute = await session.get(AccountMute, (viewer_id, other_id))
    if mute is not None and mute.expires_at is not None and mute.expires_at <= utcnow():
        mute = None
    return {
        "id": str(other_id),
        "following": mine is not None,
        "showing_reblogs": mine is not None,
        "notifying": bool(mine and mine.notify),
        "followed_by": followed_by,
        "blocking": await session.get(AccountBlock, (viewer_id, other_id)) is not None,
        "blocked_by": await session.get(AccountBlock, (other_id, viewer_id)) is not None,
        "muting": mute is not None,
        "muting_notifications": bool(mute and mute.notifications),
        "requested": False,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


async def _account(session: Any, account_id: str) -> Account:
    return await service.get_account(
        session, find_id(account_id, field="id", message="Record not found")
    )


@router.get("/api/v1/accounts/{account_id}")
async def get_account(account_id: str, session: SessionDep) -> dict[str, Any]:
    return account_entity(await _account(session, account_id))


@router.post("/api/v1/accounts/{account_id}/follow")
async def follow(
    account_id: str, request: Request, rt: RuntimeDep, viewer: FollowUser
) -> dict[str, Any]:
    """Follow; ``notify=true`` asks to be notified of each of their posts (``status``)."""
    params = await read_params(request)
    notify = params.get("notify")
    async with rt.db.read() as session:
        other = await _account(session, account_id)
    await service.follow(
        db=rt.db,
        follower_id=viewer.id,
        followee_id=other.id,
        notify=None if notify in (None, "") else str(notify).lower() in ("true", "1", "on"),
    )
    async with rt.db.read() as session:
        return await relationship(session, viewer.id, other.id)


@router.post("/api/v1/accounts/{account_id}/unfollow")
async def unfollow(account_id: str, rt: RuntimeDep, viewer: FollowUser) -> dict[str, Any]:
    async with rt.db.read() as session:
        other = await _account(session, account_id)
    await service.unfollow(db=rt.db, follower_id=viewer.id, followee_id=other.id)
    async with rt.db.read() as session:
        return await relationship(session, viewer.id, other.id)


async def _follow_list(session: Any, account_id: str, *, followers: bool) -> list[Any]:
    account = await _account(session, account_id)
    if followers:
        query = (
            select(Account)
            .join(Follow, Follow.follower_id == Account.id)
            .where(Follow.followee_id == account.id)
        )
    else:
        query = (
            select(Account)
            .join(Follow, Follow.followee_id == Account.id)
            .where(Follow.follower_id == account.id)
        )
    rows = await session.scalars(query.order_by(Follow.created_at.desc()).limit(80))
    return [account_entity(a) for a in rows]


@router.get("/api/v1/accounts/{account_id}/followers")
async def followers(account_id: str, session: SessionDep) -> list[Any]:
    return await _follow_list(session, account_id, followers=True)


@router.get("/api/v1/accounts/{account_id}/following")
async def following(account_id: str, session: SessionDep) -> list[Any]:
    return await _follow_list(session, account_id, followers=False)


# -- hashtags ------------------------------------------------------------------------------------


@router.get("/api/v1/followed_tags")
async def followed_tags(session: SessionDep, viewer: ReadUser) -> list[Any]:
    return [
        tag_entity(t.name, following=True) for t in await service.followed_tags(session, viewer.id)
    ]


@router.get("/api/v1/tags/{name}")
async def get_tag(name: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    tag = await session.scalar(select(Tag).where(Tag.key == normalize_tag(name)))
    if tag is None:
        raise NotFound("Record not found", field="name")
    following = None
    if viewer is not None:
        following = await service.follows_tag(session, viewer.id, tag.id)
    return tag_entity(tag.name, following=following)


@router.post("/api/v1/tags/{name}/follow")
async def follow_tag(name: str, rt: RuntimeDep, viewer: FollowUser) -> dict[str, Any]:
    tag = await service.follow_tag(db=rt.db, account_id=viewer.id, name=name)
    return tag_entity(tag.name, following=True)


@router.post("/api/v1/tags/{name}/unfollow")
async def unfollow_tag(name: str, rt: RuntimeDep, viewer: FollowUser) -> dict[str, Any]:
    tag = await service.unfollow_tag(db=rt.db, account_id=viewer.id, name=name)
    return tag_entity(tag.name, following=False)
