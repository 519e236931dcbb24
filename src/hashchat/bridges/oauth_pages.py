"""atproto OAuth in the browser: the client metadata document and keys at stable paths, the
"Link with Bluesky" and "Log in with Bluesky" buttons, and the callback.

What the callback needs (PKCE verifier, state, the link's DPoP key, the issuer) waits in a
sealed, HttpOnly cookie for ten minutes: no table, and nothing readable by the browser.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hashchat.accounts import service as accounts
from hashchat.bridges.api import sealer_of
from hashchat.bridges.bluesky import link as bluesky_link
from hashchat.bridges.bluesky import oauth
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.pages import PAGE, _page
from hashchat.bridges.signin import RoundTrip, log_in_again
from hashchat.errors import DomainError, Invalid
from hashchat.web.deps import SESSION_COOKIE, RuntimeDep, ViewerDep, client_ip
from hashchat.web.forms import read_form, safe_next, see_other

router = APIRouter(include_in_schema=False)
TRIP = RoundTrip(
    "hc_bluesky_oauth", "bluesky-oauth-request", "/bridges/bluesky/oauth", oauth.REQUEST_TTL
)


@router.get(oauth.METADATA_PATH)
async def client_metadata(rt: RuntimeDep) -> JSONResponse:
    return JSONResponse(
        oauth.client_metadata(rt.settings), headers={"Cache-Control": "max-age=300"}
    )


@router.get(oauth.JWKS_PATH)
async def jwks(rt: RuntimeDep) -> JSONResponse:
    return JSONResponse(oauth.jwks(rt.settings), headers={"Cache-Control": "max-age=300"})


async def _begin(
    request: Request,
    rt: Any,
    identifier: str,
    purpose: str,
    account_id: int | None,
    next: str = "/",
) -> Response:
    url, pending = await oauth.start(identifier, rt.settings)
    pending.update({"purpose": purpose, "account_id": account_id, "next": next})
    return TRIP.keep(see_other(url), rt, pending)


@router.post(f"{PAGE}/bluesky/oauth", response_class=HTMLResponse)
async def link_with_bluesky(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other(f"/login?next={PAGE}")
    identifier = form.get("identifier", "")
    try:
        await rt.limiter.hit("bridge_link", str(viewer.id))
        return await _begin(request, rt, identifier, "link", viewer.id)
    except DomainError as exc:
        errors = {exc.field or "form": exc.message}
        return await _page(
            request,
            rt,
            viewer.id,
            values={"identifier": identifier},
            errors=errors,
            status=exc.status,
        )


@router.post("/login/bluesky", response_class=HTMLResponse)
async def log_in_with_bluesky(request: Request, rt: RuntimeDep) -> Response:
    form = await read_form(request)
    identifier = form.get("identifier", "")
    goes = safe_next(form.get("next"), "/")
    try:
        await rt.limiter.hit("log_in", client_ip(request))
        return await _begin(request, rt, identifier, "login", None, goes)
    except DomainError as exc:
        return log_in_again(request, exc, network="bluesky", next=goes, given=identifier)


@router.get(oauth.CALLBACK_PATH, response_class=HTMLResponse)
async def callback(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    params = {k: v for k, v in request.query_params.items()}
    pending = TRIP.pending_of(request, rt)
    purpose = "link"
    response: Response
    try:
        purpose = str(pending.get("purpose", "link"))
        if params.get("error"):
            reason = params.get("error_description") or params["error"]
            raise Invalid(f"Bluesky did not link the account: {reason}", field="form")
        if not pending:
            raise Invalid("this sign-in is not the one hashchat started; try again", field="form")
        if purpose == "link" and (viewer is None or viewer.id != pending.get("account_id")):
            raise Invalid(
                "log in to hashchat as the person who started linking", field="identifier"
            )
        who, secrets, expires = await oauth.finish(pending, params, rt.settings)
        if purpose == "link":
            assert viewer is not None
            await bluesky_link.store(
                db=rt.db,
                account_id=viewer.id,
                who=who,
                method="oauth",
                secrets=secrets,
                expires=expires,
                sealer=sealer_of(rt),
            )
            response = see_other(f"{PAGE}?notice=linked")
        else:
            response = await _log_in(rt, who.did, safe_next(pending.get("next"), "/"))
    except DomainError as exc:
        errors = {"form": exc.message}
        if purpose == "login" or viewer is None:
            goes = safe_next(pending.get("next"), "/")
            response = log_in_again(request, exc, network="bluesky", next=goes)
        else:
            response = await _page(request, rt, viewer.id, errors=errors, status=exc.status)
    return TRIP.forget(response)


async def _log_in(rt: Any, did: str, next: str) -> Response:
    """Sign in the hashchat account that linked this DID (signing in never makes one)."""
    from sqlalchemy import select

    async with rt.db.read() as session:
        account_id = await session.scalar(
            select(LinkedAccount.account_id).where(
                LinkedAccount.network == "bluesky", LinkedAccount.remote_id == did
            )
        )
    if account_id is None:
        raise Invalid(
            "no hashchat account has linked this Bluesky account yet: sign up, then link it "
            "in Settings › Linked accounts",
            field="bluesky",
        )
    token = await accounts.start_web_session(db=rt.db, account_id=account_id)
    response = see_other(next)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=accounts.WEB_SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=rt.settings.secure_cookies,
        path="/",
    )
    return response
