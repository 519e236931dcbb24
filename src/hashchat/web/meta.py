"""What a Mastodon client asks a server about itself: /api/v1/instance and /api/v2/instance."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Response

from hashchat import __version__
from hashchat.accounts.images import thumbnail_png
from hashchat.apps import instance
from hashchat.web.deps import RuntimeDep, SessionDep

router = APIRouter(tags=["instance"])

# Clients gate features on the Mastodon version they see; we speak 4.2's API.
MASTODON_VERSION = f"4.2.0 (compatible; hashchat {__version__})"


def _configuration(max_chars: int) -> dict[str, Any]:
    return {
        "statuses": {
            "max_characters": max_chars,
            "max_media_attachments": 0,
            "characters_reserved_per_url": 23,
        },
        "polls": {
            "max_options": 6,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2629746,
        },
        "accounts": {"max_featured_tags": 10},
        "media_attachments": {"supported_mime_types": []},
    }


def _thumbnail(base: str) -> str:
    return f"{base}/instance/thumbnail.png"


async def _stats(rt: RuntimeDep, session: SessionDep) -> dict[str, int]:
    counted = await instance.stats(session, key=rt.settings.resolved_database_url)
    return {
        "user_count": counted.user_count,
        "status_count": counted.status_count,
        "domain_count": counted.domain_count,
    }


@router.get("/instance/thumbnail.png", include_in_schema=False)
async def thumbnail() -> Response:
    return Response(
        thumbnail_png("hashchat"),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/api/v1/instance")
async def instance_v1(rt: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    base = rt.settings.public_url
    return {
        "uri": urlsplit(base).netloc,
        "title": "hashchat",
        "short_description": "Hashtag chats: find them, join them live, catch up afterwards.",
        "description": "A self-hosted platform for hashtag chats.",
        "email": "",
        "version": MASTODON_VERSION,
        "urls": {"streaming_api": base.replace("http", "ws", 1)},
        "stats": await _stats(rt, session),
        "thumbnail": _thumbnail(base),
        "languages": ["en"],
        "registrations": rt.settings.registrations_open,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": _configuration(rt.settings.post_max_length),
        "rules": [],
    }


@router.get("/api/v2/instance")
async def instance_v2(rt: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    base = rt.settings.public_url
    return {
        "domain": urlsplit(base).netloc,
        "title": "hashchat",
        "version": MASTODON_VERSION,
        "source_url": "https://example.invalid/hashchat",
        "description": "A self-hosted platform for hashtag chats.",
        "usage": {"users": {"active_month": (await _stats(rt, session))["user_count"]}},
        "thumbnail": {
            "url": _thumbnail(base),
            "blurhash": None,
            "versions": {"@1x": _thumbnail(base), "@2x": _thumbnail(base)},
        },
        "languages": ["en"],
        "configuration": {
            **_configuration(rt.settings.post_max_length),
            "urls": {"streaming": base.replace("http", "ws", 1)},
            "vapid": {"public_key": rt.settings.vapid_public_key()},
        },
        "registrations": {
            "enabled": rt.settings.registrations_open,
            "approval_required": False,
            "message": None,
        },
        "contact": {"email": "", "account": None},
        "rules": [],
    }
