"""Request bodies of the accounts API (Mastodon's parameter names)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AppIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client_name: str = Field(min_length=1, max_length=100)
    redirect_uris: str | list[str]
    scopes: str = "read"
    website: str | None = None


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    grant_type: str
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    username: str | None = None
    password: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None


class SignUpIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    username: str
    email: str | None = None
    password: str
    agreement: bool | None = None
    locale: str | None = None
    reason: str | None = None
    time_zone: str | None = None


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    display_name: str | None = None
    note: str | None = None
    time_zone: str | None = None
    website: str | None = None
