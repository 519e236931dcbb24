"""Request bodies of the bridges API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    network: Literal["bluesky"] = "bluesky"
    identifier: str = Field(max_length=2048, description="A handle (alice.bsky.social) or DID")
    app_password: str = Field(max_length=200, description="An app password: xxxx-xxxx-xxxx-xxxx")
