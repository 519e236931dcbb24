"""One shape for every error the API answers: ``{"error": "...", "field": ...}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from hashchat.errors import Conflict, DomainError, RateLimited, Unavailable
from hashchat.storage import faults


def error_response(
    status: int,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    url: str | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"error": message, "field": field}
    if url:
        body["url"] = url
    return JSONResponse(body, status_code=status, headers=headers)


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo")):
        return True
    return "application/json" in request.headers.get("accept", "")


def error_headers(exc: DomainError) -> dict[str, str]:
    """The headers an error's answer carries, a page's as an API call's: when to try again
    after a 429, how to authenticate after a 401."""
    if isinstance(exc, RateLimited | Unavailable):
        return {"Retry-After": str(exc.retry_after)}
    if exc.status == 401:
        return {"WWW-Authenticate": 'Bearer realm="hashchat"'}
    return {}


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = error_headers(exc) or None
    if not wants_json(request):
        from hashchat.web.templating import render_error

        return render_error(request, exc.status, exc.message, headers=headers)
    url = exc.url if isinstance(exc, Conflict) else None
    return error_response(exc.status, exc.message, field=exc.field, headers=headers, url=url)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    error = exc.errors()[0]
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    if error.get("type") == "json_invalid":
        return error_response(400, "malformed JSON", field=None)
    message = error.get("msg", "invalid value")
    if error.get("type") == "missing":
        message = f"{field} is required"
    return error_response(422, message, field=field)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if wants_json(request):
        return error_response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
    from hashchat.web.templating import render_error

    return render_error(request, exc.status_code, str(exc.detail))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    """Anything no route handled: a storage failure is a 503 (507: the disk is full) with
    Retry-After, any other error a 500; as JSON in the API, the error page elsewhere."""
    failure = faults.classify(exc)
    if failure is not None:
        return await on_domain_error(request, failure)
    if wants_json(request):
        return error_response(500, "the server met an unexpected error")
    from hashchat.web.templating import render_error

    return render_error(request, 500, "Something went wrong on our side.")


async def answer_failure(scope: Scope, receive: Receive, send: Send, exc: Exception) -> bool:
    """For paths served outside the framework (the fast paths): answer a storage failure as
    the routes do. False when ``exc`` is not one."""
    failure = faults.classify(exc)
    if failure is None:
        return False
    response = error_response(
        failure.status, failure.message, headers={"Retry-After": str(failure.retry_after)}
    )
    await response(scope, receive, send)
    return True


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, on_unexpected)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
