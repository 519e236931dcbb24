"""create_app(): the FastAPI application with every feature's routers and the shared runtime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from hashchat import __version__, logs
from hashchat.config import Settings, get_settings
from hashchat.posts import fastpath
from hashchat.posts.fastpath import wants_fast_path
from hashchat.realtime.api import public_stream, serve_public_stream
from hashchat.realtime.wire import RAW_SEND
from hashchat.runtime import Runtime
from hashchat.storage import faults
from hashchat.web import apilimit, cors, early, errors, openapi
from hashchat.web.bodylimit import serve_limited
from hashchat.web.csrf import CSRFCookieMiddleware
from hashchat.web.headers import SecurityHeadersMiddleware
from hashchat.web.protocol import EARLY_ANSWER, Answer

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger(__name__)


class App(FastAPI):
    """FastAPI, keeping the server's own ``send`` in the scope: the streams' fast path reaches
    the socket through it (realtime/wire.py)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[RAW_SEND] = send  # the server's own: streams write to its transport
        if scope["type"] != "http":
            await self._route(scope, receive, send)
            return
        crossing = await cors.handle(scope, receive, send)
        if crossing is None:  # a preflight, answered (web/cors.py)
            return
        send = crossing  # the answer carries the CORS headers, whoever gives it
        scope["app"] = self  # for the pages of early answers, before Starlette sets it
        if await early.refuse_nul(scope, receive, send):
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            # Every request body, the fast paths' included, stops at its route's limit.
            await serve_limited(scope, receive, tracked, self._counted)
        except Exception as exc:
            # The routes answered already (errors.on_unexpected) and the server would log a
            # traceback; the fast paths have not. A storage failure is an outage to report in
            # one line, not a defect to trace.
            failure = faults.classify(exc)
            if failure is None:
                raise
            if not started:
                await errors.answer_failure(scope, receive, send, exc)
            log.warning("%s %s: %s (%s)", scope["method"], scope["path"], failure.message, exc)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self.state.runtime
        if runtime.limiter.enabled and apilimit.counted(scope):
            await apilimit.serve_counted(scope, receive, send, self._route, runtime)
            return
        await self._route(scope, receive, send)

    def early_answer(self, scope: Scope) -> Answer | None:
        """The answer to a request from its headers alone, given by the HTTP protocol before
        it makes a task for the request (web/protocol.py): a post the writer refuses now."""
        answer = fastpath.refusal(scope, self.state.runtime)
        if answer is None:
            return None
        status, headers, body = answer
        return status, cors.answer_headers(scope, headers), body

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if wants_fast_path(scope):
            # A post with a poll goes on to the full route (``super().__call__``).
            await fastpath.create_status(scope, receive, send, self.state.runtime, super().__call__)
            return
        stream = public_stream(scope)
        if stream is not None:
            await serve_public_stream(scope, receive, send, self.state.runtime, stream)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.install()
    runtime = Runtime.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        await runtime.start()
        try:
            # The server's protocol finds the early answer in the lifespan's state.
            yield {EARLY_ANSWER: app.early_answer} if isinstance(app, App) else {}
        finally:
            await runtime.stop()

    app = App(
        title="hashchat",
        version=__version__,
        description="Hashtag chats, with a Mastodon-compatible API.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    errors.install(app)
    app.add_middleware(CSRFCookieMiddleware, secure=settings.secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware)

    from hashchat.accounts import api as accounts_api
    from hashchat.accounts import pages as accounts_pages
    from hashchat.accounts import relations_api
    from hashchat.apps import api as apps_api
    from hashchat.apps import filters_api, lists_api, nodeinfo, startup_api
    from hashchat.directory import api as directory_api
    from hashchat.directory import pages as directory_pages
    from hashchat.hosting import api as hosting_api
    from hashchat.hosting import pages as hosting_pages
    from hashchat.live import api as live_api
    from hashchat.live import pages as live_pages
    from hashchat.notifications import api as notifications_api
    from hashchat.notifications import pages as notifications_pages
    from hashchat.posts import api as posts_api
    from hashchat.posts import pages as posts_pages
    from hashchat.realtime import api as realtime_api
    from hashchat.web import meta

    for router in (
        meta.router,
        apps_api.router,  # before the accounts': /api/v1/accounts/search is no account id
        nodeinfo.router,
        startup_api.router,  # before the accounts' /api/v1/accounts/{id} too
        filters_api.router,
        lists_api.router,
        accounts_api.router,
        relations_api.router,
        posts_api.router,
        realtime_api.router,
        hosting_api.router,  # before the directory's: /api/v1/chats/sessions/... is not a tag
        directory_api.router,
        notifications_api.router,
        accounts_pages.router,
        posts_pages.router,
        live_api.router,
        live_pages.router,
        hosting_pages.router,
        directory_pages.router,
        notifications_pages.router,
    ):
        app.include_router(router)
    from hashchat.hosting import moderation_api, moderation_pages
    from hashchat.hosting.visibility import hidden_under_tags
    from hashchat.posts.timelines import register_tag_rule

    app.include_router(moderation_api.router)
    app.include_router(moderation_pages.router)
    # A hashtag's page and timeline leave out what its chat's moderation hides (posts/ may
    # not import hosting/: the rule is registered with it).
    register_tag_rule(hidden_under_tags)
    from hashchat.hosting import board_api, polls_api

    app.include_router(board_api.router)
    app.include_router(polls_api.router)
    from hashchat.analytics import api as analytics_api
    from hashchat.analytics import pages as analytics_pages
    from hashchat.catchup import api as catchup_api
    from hashchat.catchup import pages as catchup_pages

    app.include_router(analytics_api.router)
    app.include_router(analytics_pages.router)
    app.include_router(catchup_api.router)
    app.include_router(catchup_pages.router)
    from hashchat.transcripts import api as transcripts_api
    from hashchat.transcripts import pages as transcripts_pages

    app.include_router(transcripts_api.router)
    app.include_router(transcripts_pages.router)
    from hashchat.bridges import api as bridges_api
    from hashchat.bridges import oauth_pages as bridges_oauth
    from hashchat.bridges import pages as bridges_pages
    from hashchat.bridges.mastodon import login_pages as mastodon_login_pages
    from hashchat.bridges.mastodon import pages as mastodon_pages

    app.include_router(bridges_api.router)
    app.include_router(bridges_pages.router)
    app.include_router(bridges_oauth.router)
    app.include_router(mastodon_pages.router)
    app.include_router(mastodon_login_pages.router)
    from hashchat.directory import landing, welcome

    app.include_router(landing.router)  # "/": live now and starting soon
    app.include_router(welcome.router)  # a newcomer's topics, times and first chats
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app)
    return app
