"""Request bodies of the statuses API (Mastodon's parameter names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: str
    in_reply_to_id: str | int | None = None
    language: str | None = None
    visibility: Literal["public", "unlisted"] | None = None
    sensitive: bool | None = None
    spoiler_text: str | None = None
    media_ids: list[str] | None = None
