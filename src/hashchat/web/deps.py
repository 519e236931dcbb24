"""Typed dependencies: the runtime, read sessions, and who is asking (bearer token or cookie)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.accounts import oauth
from hashchat.accounts.models import Account
from hashchat.accounts.service import WEB_SESSION_DAYS, account_for_web_session
from hashchat.errors import Forbidden, Unauthorized
from hashchat.web import cors, csrf

if TYPE_CHECKING:
    from hashchat.runtime import Runtime

SESSION_COOKIE = "hc_session"


def signed_in(response: Response, token: str, *, secure: bool) -> Response:
    """``response`` carrying a new browser session's cookie (its secret from
    accounts.service.start_web_session): whichever way a person logged in."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=WEB_SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return response


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def runtime_dependency(request: Request) -> Runtime:
    # async: FastAPI runs a plain function dependency in a thread pool, a needless thread hop
    # on every request.
    return get_runtime(request)


RuntimeDep = Annotated["Runtime", Depends(runtime_dependency)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_runtime(request).db.read() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class Auth:
    """Who is asking. ``via`` is "token", "cookie" or "none"; scopes only limit tokens."""

    account: Account | None
    via: str
    scopes: frozenset[str] = frozenset()
    app_id: int | None = None

    def allows(self, scope: str) -> bool:
        if self.via != "token":
            return True
        family = scope.split(":")[0]
        if scope in self.scopes or family in self.scopes:
            return True
        # Mastodon's legacy "follow" scope covers the follow/block families.
        return scope in ("read:follows", "write:follows") and "follow" in self.scopes


async def get_auth(request: Request) -> Auth:
    """Who is asking. Reads with a session of its own, closed at once: a request that then
    waits (for the post writer, say) must not hold a database connection meanwhile."""
    cached: Auth | None = getattr(request.state, "auth", None)
    if cached is not None:
        return cached
    auth = Auth(account=None, via="none")
    header = request.headers.get("authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        bearer = await oauth.authenticate(get_runtime(request).db, token.strip())
        if bearer is None:
            raise Unauthorized("The access token is invalid")
        auth = Auth(bearer.account, "token", bearer.scopes, bearer.app_id)
    elif cookie and not cors.foreign_origin(
        request.headers.get("origin"),
        request.headers.get("host"),
        get_runtime(request).settings.public_url,
    ):  # a cookie never counts across origins (web/cors.py)
        async with get_runtime(request).db.read() as session:
            account = await account_for_web_session(session, cookie)
        if account is not None:
            auth = Auth(account, "cookie")
    request.state.auth = auth
    return auth


AuthDep = Annotated[Auth, Depends(get_auth)]


async def get_viewer(auth: AuthDep) -> Account | None:
    return auth.account


ViewerDep = Annotated[Account | None, Depends(get_viewer)]


#: The dependencies that need a signed-in user (web/openapi.py declares their 401 and 403).
USER_REQUIRED: set[object] = set()


def require_user(scope: str) -> object:
    """A dependency: the signed-in account, holding ``scope`` when it came with a token. A
    cookie-authenticated API call that changes something must carry the CSRF header."""

    async def dependency(request: Request, auth: AuthDep) -> Account:
        if auth.account is None:
            raise Unauthorized("This method requires an authenticated user")
        if not auth.allows(scope):
            raise Forbidden(f"This action is outside the authorized scopes ({scope})")
        if auth.via == "cookie" and request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.check(
                request.state.csrf_cookie,
                request.headers.get(csrf.HEADER),
                get_runtime(request).secret_key,
            )
        return auth.account

    USER_REQUIRED.add(dependency)
    return Depends(dependency)


ReadUser = Annotated[Account, require_user("read")]
WriteUser = Annotated[Account, require_user("write")]
FollowUser = Annotated[Account, require_user("write:follows")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
