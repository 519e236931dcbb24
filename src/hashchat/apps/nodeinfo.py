"""NodeInfo (/.well-known/nodeinfo, schema 2.0 and 2.1): what software this server runs, its
people and posts. Apps such as Whalebird and Fedistar (through megalodon's detector) read it
to choose which API to speak: hashchat names itself, with Mastodon as its upstream."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hashchat import __version__
from hashchat.apps import instance
from hashchat.web.deps import RuntimeDep, SessionDep

router = APIRouter(tags=["instance"])

SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{}"
VERSIONS = ("2.0", "2.1")
MASTODON_VERSION = "4.2.0"  # the API hashchat speaks (web/meta.py)


@router.get("/.well-known/nodeinfo")
async def discovery(rt: RuntimeDep) -> dict[str, Any]:
    base = rt.settings.public_url
    return {"links": [{"rel": SCHEMA.format(v), "href": f"{base}/nodeinfo/{v}"} for v in VERSIONS]}


@router.get("/nodeinfo/{version}")
async def nodeinfo(version: str, rt: RuntimeDep, session: SessionDep) -> JSONResponse:
    if version not in VERSIONS:
        return JSONResponse(
            {"error": f"nodeinfo {version} is not served; ask for 2.0 or 2.1", "field": "version"},
            status_code=404,
        )
    counted = await instance.stats(session, key=rt.settings.resolved_database_url)
    software: dict[str, Any] = {"name": "hashchat", "version": __version__}
    if version == "2.1":
        software["homepage"] = rt.settings.public_url
    body = {
        "version": version,
        "software": software,
        "protocols": [],  # no federation protocol: its Mastodon API is for clients
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": rt.settings.registrations_open,
        "usage": {
            "users": {
                "total": counted.user_count,
                "activeMonth": counted.user_count,
                "activeHalfyear": counted.user_count,
            },
            "localPosts": counted.status_count,
        },
        "metadata": {
            "nodeName": "hashchat",
            "upstream": {"name": "mastodon", "version": MASTODON_VERSION},
        },
    }
    profile = f'application/json; profile="{SCHEMA.format(version)}#"'
    return JSONResponse(body, media_type=profile)
