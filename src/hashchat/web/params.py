"""Request parameters the way Mastodon clients send them: query string, form or JSON body, with
Rails-style ``name[]`` arrays, validated by a pydantic model into one clear error."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError

from hashchat.errors import Invalid

M = TypeVar("M", bound=BaseModel)


class BadRequest(Invalid):
    status = 400


def _merge(target: dict[str, Any], items: list[tuple[str, Any]]) -> None:
    for key, value in items:
        if key.endswith("[]"):
            target.setdefault(key[:-2], []).append(value)
        else:
            target[key] = value


async def read_params(request: Request, *, body: bool = True) -> dict[str, Any]:
    """Merge the query string and, for a body-carrying request, the form or JSON body."""
    data: dict[str, Any] = {}
    _merge(data, list(request.query_params.multi_items()))
    if not body or request.method in ("GET", "HEAD", "DELETE"):
        return data
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()  # at most the route's limit (web/bodylimit.py)
    if not raw:
        return data
    if content_type == "application/json":
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"malformed JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise BadRequest("the JSON body must be an object")
        data.update(parsed)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Parameters are text: a file part is refused (400) before it is spooled anywhere.
        form = await request.form(max_files=0)
        _merge(data, [(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    else:
        raise BadRequest(
            f"unsupported content type {content_type or '(none)'}: send JSON or a form"
        )
    return check_no_nul(data)


def check_no_nul(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` unless a text in it holds NUL, which no field of ours takes (and PostgreSQL
    refuses to store): Invalid naming the field."""

    def holds_nul(value: Any) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
        if isinstance(value, list):
            return any(holds_nul(v) for v in value)
        return False

    for key, value in data.items():
        if holds_nul(key) or holds_nul(value):
            raise Invalid(f"{key} may not contain NUL characters", field=key.replace("\x00", ""))
    return data


def validate(model: type[M], data: dict[str, Any]) -> M:
    """``model`` from ``data``, or Invalid naming the first field at fault and why."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or None
        message = error["msg"]
        if error["type"] == "missing":
            message = f"{field} is required"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        raise Invalid(message, field=field) from None


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its nested models (``$defs``) written in place of their references."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a route that reads its body through ``read_params``."""
    schema = _inline(model.model_json_schema())
    return {
        "requestBody": {
            "content": {
                "application/json": {"schema": schema},
                "application/x-www-form-urlencoded": {"schema": schema},
            },
            "required": True,
        }
    }
