"""Account pages: sign up, log in, log out, profiles, settings, OAuth consent and avatars."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from hashchat.accounts import images, oauth, service
from hashchat.accounts.validation import time_zones
from hashchat.errors import DomainError, NotFound
from hashchat.posts import timelines
from hashchat.posts.entities import render_statuses
from hashchat.web.deps import (
    SESSION_COOKIE,
    RuntimeDep,
    SessionDep,
    ViewerDep,
    client_ip,
    signed_in,
)
from hashchat.web.errors import error_headers
from hashchat.web.forms import read_form, safe_next, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/signup", response_class=HTMLResponse)
async def signup_form(request: Request, viewer: ViewerDep, next: str = "/") -> Response:
    if viewer is not None:
        return see_other(safe_next(next))
    return render(
        request,
        "accounts/signup.html",
        {"values": {}, "errors": {}, "next": next, "zones": sorted(time_zones())},
    )


@router.post("/signup", response_class=HTMLResponse)
async def signup(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    values = {k: form.get(k, "") for k in ("username", "email", "display_name", "time_zone")}
    try:
        if not rt.settings.registrations_open:
            raise DomainError("registrations are closed on this server")
        await rt.limiter.hit("sign_up", client_ip(request))
        account = await service.create_account(
            db=rt.db,
            handle=form.get("username", "").strip(),
            password=form.get("password", ""),
            email=form.get("email", "").strip() or None,
            display_name=form.get("display_name", ""),
            time_zone=form.get("time_zone") or "UTC",
        )
    except DomainError as exc:
        return render(
            request,
            "accounts/signup.html",
            {
                "values": values,
                "errors": {exc.field or "form": exc.message},
                "next": form.get("next", "/"),
                "zones": sorted(time_zones()),
            },
            status=exc.status,
            headers=error_headers(exc),
        )
    token = await service.start_web_session(db=rt.db, account_id=account.id)
    # A newcomer who came from the start page is offered the onboarding (topics, times, a few
    # chats to follow: /welcome, skippable); one who came from a room or a chat goes back there.
    goes = safe_next(form.get("next"), "/")
    return signed_in(
        see_other("/welcome" if goes == "/" else goes), token, secure=rt.settings.secure_cookies
    )


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, viewer: ViewerDep, next: str = "/") -> Response:
    if viewer is not None:
        return see_other(safe_next(next))
    return render(request, "accounts/login.html", {"values": {}, "errors": {}, "next": next})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    login_name = form.get("login", "").strip()
    try:
        await rt.limiter.hit("log_in", client_ip(request))
        account = await service.authenticate(
            db=rt.db,
            login=login_name,
            password=form.get("password", ""),
            guard=rt.limiter.log_in_guard(),
        )
        if account is None:
            raise DomainError("the handle or password is wrong", field="password")
    except DomainError as exc:
        return render(
            request,
            "accounts/login.html",
            {
                "values": {"login": login_name},
                "errors": {exc.field or "form": exc.message},
                "next": form.get("next", "/"),
            },
            status=exc.status if exc.status != 400 else 401,
            headers=error_headers(exc),
        )
    token = await service.start_web_session(db=rt.db, account_id=account.id)
    return signed_in(
        see_other(safe_next(form.get("next"), "/")), token, secure=rt.settings.secure_cookies
    )


@router.post("/logout")
async def logout(request: Request, rt: RuntimeDep) -> Response:
    await read_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await service.end_web_session(db=rt.db, token=token)
    response = see_other("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/@{handle}", response_class=HTMLResponse)
async def profile(
    handle: str, request: Request, session: SessionDep, viewer: ViewerDep, max_id: str = ""
) -> Response:
    account = await service.get_by_handle(session, handle)
    if account is None:
        raise NotFound(f"nobody here is called @{handle}")
    page = timelines.Page.parse(max_id=max_id or None)
    posts = await timelines.account_timeline(session, account_id=account.id, page=page)
    viewer_id = viewer.id if viewer else None
    statuses = await render_statuses(session, posts, viewer_id=viewer_id)
    following = bool(viewer) and await service.is_following(session, viewer_id or 0, account.id)
    return render(
        request,
        "accounts/profile.html",
        {
            "account": account,
            "statuses": statuses,
            "following": following,
            "next_max_id": posts[-1].id if len(posts) == page.limit else None,
        },
    )


@router.post("/@{handle}/follow")
async def follow_form(handle: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': f'/@{handle}'})}")
    async with rt.db.read() as session:
        account = await service.get_by_handle(session, handle)
    if account is None:
        raise NotFound(f"nobody here is called @{handle}")
    if form.get("action") == "unfollow":
        await service.unfollow(db=rt.db, follower_id=viewer.id, followee_id=account.id)
    else:
        await service.follow(db=rt.db, follower_id=viewer.id, followee_id=account.id)
    return see_other(f"/@{account.handle}")


@router.get("/settings/profile", response_class=HTMLResponse)
async def settings_form(request: Request, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other("/login?next=/settings/profile")
    values = {
        "display_name": viewer.display_name,
        "note": viewer.bio,
        "time_zone": viewer.time_zone,
        "website": viewer.website,
    }
    return render(
        request,
        "accounts/settings.html",
        {"values": values, "errors": {}, "zones": sorted(time_zones()), "saved": False},
    )


@router.post("/settings/profile", response_class=HTMLResponse)
async def settings_save(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other("/login?next=/settings/profile")
    values = {k: form.get(k, "") for k in ("display_name", "note", "time_zone", "website")}
    try:
        await service.update_profile(
            db=rt.db,
            account_id=viewer.id,
            display_name=values["display_name"],
            bio=values["note"],
            time_zone=values["time_zone"],
            website=values["website"],
        )
    except DomainError as exc:
        return render(
            request,
            "accounts/settings.html",
            {
                "values": values,
                "errors": {exc.field or "form": exc.message},
                "zones": sorted(time_zones()),
                "saved": False,
            },
            status=exc.status,
        )
    return see_other(f"/@{viewer.handle}")


# -- OAuth consent -------------------------------------------------------------------------------


@router.get("/oauth/authorize", response_class=HTMLResponse)
async def authorize_form(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    client_id: str = "",
    redirect_uri: str = "",
    scope: str = "read",
    state: str = "",
    response_type: str = "code",
    code_challenge: str = "",
    code_challenge_method: str = "",
) -> Response:
    app = await oauth.get_client(session, client_id, None)
    if redirect_uri not in app.redirect_uris.split():
        raise DomainError("redirect_uri is not registered for this app", field="redirect_uri")
    if response_type != "code":
        raise DomainError("response_type must be code", field="response_type")
    if code_challenge and code_challenge_method != "S256":
        raise DomainError("code_challenge_method must be S256", field="code_challenge_method")
    scopes = oauth.check_scopes(scope, allowed=app.scopes, field="scope")
    if viewer is None:
        return see_other(
            f"/login?{urlencode({'next': str(request.url.path) + '?' + request.url.query})}"
        )
    return render(
        request,
        "accounts/authorize.html",
        {
            "app": app,
            "scopes": scopes.split(),
            "params": {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": scopes,
                "state": state,
                "code_challenge": code_challenge,
            },
        },
    )


@router.post("/oauth/authorize", response_class=HTMLResponse)
async def authorize(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other("/login")
    async with rt.db.read() as session:
        app = await oauth.get_client(session, form.get("client_id"), None)
    redirect_uri = form.get("redirect_uri", "")
    state = form.get("state", "")
    if form.get("decision") != "allow":
        if redirect_uri == oauth.OOB:
            return see_other("/")
        return RedirectResponse(
            f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': state})}", 303
        )
    scopes = oauth.check_scopes(form.get("scope", "read"), allowed=app.scopes, field="scope")
    code = await oauth.create_code(
        db=rt.db,
        app=app,
        account_id=viewer.id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        code_challenge=form.get("code_challenge", ""),
    )
    if redirect_uri == oauth.OOB:
        return render(request, "accounts/code.html", {"code": code, "app": app})
    query: dict[str, Any] = {"code": code}
    if state:
        query["state"] = state
    join = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{join}{urlencode(query)}", 303)


# -- avatars -------------------------------------------------------------------------------------


@router.get("/avatars/{account_id}.svg")
async def avatar(account_id: int, session: SessionDep) -> Response:
    """A generated avatar: the person's initial on a colour picked from their id."""
    account = await service.get_account(session, account_id)
    colour = images.colour_of(account.id)
    initial = (account.display_name or account.handle)[:1].upper()
    from markupsafe import escape

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" rx="12" fill="{colour}"/>'
        '<text x="32" y="42" font-family="system-ui,sans-serif" font-size="30" '
        f'text-anchor="middle" fill="#fff">{escape(initial)}</text></svg>'
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


_PICTURE_HEADERS = {"Cache-Control": "public, max-age=3600"}


@router.get("/avatars/{account_id}.png")
async def avatar_png(account_id: int, session: SessionDep) -> Response:
    """The same avatar as PNG: the Account entity's ``avatar`` (native apps draw no SVG)."""
    account = await service.get_account(session, account_id)
    initial = (account.display_name or account.handle)[:1].upper()
    png = images.avatar_png(images.colour_of(account.id), initial)
    return Response(png, media_type="image/png", headers=_PICTURE_HEADERS)


@router.get("/headers/{account_id}.png")
async def header_png(account_id: int, session: SessionDep) -> Response:
    """A profile header in the avatar's colour: the Account entity's ``header``."""
    account = await service.get_account(session, account_id)
    png = images.header_png(images.colour_of(account.id))
    return Response(png, media_type="image/png", headers=_PICTURE_HEADERS)
