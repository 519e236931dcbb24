"""/openapi.json declares the errors each operation answers, in the one shape they all have.

The codes follow from what a route is, read off the route itself rather than written by hand
on each of a hundred operations:

- every operation: 400 for a NUL character in the query string (web/early.py); 429 under
  ``/api/`` (web/apilimit.py);
- one that asks who is calling (``ViewerDep``, ``AuthDep``): 401 for a malformed or unknown
  token; one that needs a signed-in user (``ReadUser`` and the like): 401 and 403 (the
  token's scopes, and the roles the services check);
- one with a path parameter: 404 (nothing by that id or name);
- one with parameters or a body: 422 (a field at fault, named);
- one with a body: 400 (malformed JSON, or a content type it does not take) and 413
  (web/bodylimit.py).

A route adds what is particular to it (a 409 for a listed hashtag, oEmbed's 501) with
FastAPI's own ``responses=``, which is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from hashchat.web.apilimit import STREAMS
from hashchat.web.deps import USER_REQUIRED, get_auth

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "What is wrong, for a person to read."},
        "field": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "The parameter at fault, when one is.",
        },
    },
    "required": ["error", "field"],
}

REASONS = {
    400: "Malformed: JSON that does not parse, a content type not taken, NUL characters",
    401: "No valid access token (or session) where one is needed",
    403: "Not allowed: outside the token's scopes, or not the caller's to do",
    404: "Nothing by that id or name",
    405: "Not a method of this path",
    409: "In conflict with what exists",
    413: "The request body is over this route's limit",
    422: "A parameter is invalid: the error names it",
    429: "Over the rate limit: see Retry-After and the X-RateLimit-* headers",
    501: "Not offered (oEmbed: a format other than json)",
}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependants(sub)


def errors_of(route: APIRoute, method: str) -> set[int]:
    """The error codes ``route`` may answer to ``method``, from what the route is."""
    codes = {400}
    calls = [d.call for d in _dependants(route.dependant)]
    if route.path.startswith("/api/") and not route.path.startswith(STREAMS):
        codes.add(429)
    if get_auth in calls:
        codes.add(401)
    if any(call in USER_REQUIRED for call in calls):
        codes |= {401, 403}
    if route.dependant.path_params:
        codes.add(404)
    if route.dependant.query_params or route.dependant.path_params:
        codes.add(422)
    if method in ("POST", "PUT", "PATCH"):
        codes |= {413, 422}
    return codes


def _api_routes(app: FastAPI) -> Iterator[tuple[APIRoute, str]]:
    """(route, its path as /openapi.json writes it): FastAPI once copied every included route
    into ``app.routes``; newer releases keep included routers whole, and list what they hold
    through ``iter_route_contexts``."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route, route.path_format
        return
    for context in contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield route, context.path_format or route.path_format


def _operations(app: FastAPI) -> Iterator[tuple[APIRoute, str, str]]:
    for route, path in _api_routes(app):
        if route.include_in_schema:
            for method in sorted(route.methods or ()):
                yield route, path, method


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare each operation's errors (once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ERROR
        for route, path, method in _operations(app):
            operation = schema["paths"][path][method.lower()]
            responses = operation.setdefault("responses", {})
            # FastAPI's own 422 describes its validation errors' shape, not ours.
            for code in sorted(errors_of(route, method) | _declared(route)):
                described = responses.get(str(code), {})
                responses[str(code)] = {
                    "description": described.get("description") or REASONS.get(code, "Error"),
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _declared(route: APIRoute) -> set[int]:
    return {int(code) for code in route.responses if str(code).isdigit() and int(code) >= 400}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """What a route answers besides what :func:`errors_of` reads off it, for ``responses=``."""
    return {code: {"description": REASONS[code]} for code in codes}
