"""Request bodies of the statuses API (Mastodon's parameter names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class PollIn(BaseModel):
    """Mastodon's ``poll``: a form sends ``poll[options][]``, ``poll[expires_in]``, ..."""

    model_config = ConfigDict(extra="ignore")
    options: list[str]
    expires_in: int | str
    multiple: bool | str | None = None
    hide_totals: bool | str | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: str
    in_reply_to_id: str | int | None = None
    language: str | None = None
    visibility: Literal["public", "unlisted"] | None = None
    sensitive: bool | None = None
    spoiler_text: str | None = None
    media_ids: list[str] | None = None
    poll: PollIn | None = None
    # hashchat's own: also post it from your linked account on these networks (["bluesky"]).
    bridges: list[str] | None = None
