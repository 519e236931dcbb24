"""Request bodies of the hosting API, for the OpenAPI description. The services check every
value themselves (forms and the CLI reach them too); these models document the shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SessionEditIn(BaseModel):
    topic: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)
    grace_minutes: int | None = Field(None, ge=0, le=120)
    guests: list[str] | None = Field(None, description="handles of the session's guests")


class ExtendIn(BaseModel):
    minutes: int = Field(ge=1, le=240)


class QuestionIn(BaseModel):
    text: str
    offset_minutes: int | None = Field(None, ge=0, description="minutes after the start")


class ScriptIn(BaseModel):
    questions: list[QuestionIn]


class QuestionEditIn(BaseModel):
    text: str | None = None
    offset_minutes: int | None = Field(None, ge=0)


class OrderIn(BaseModel):
    order: list[str] = Field(description="ids of every question still waiting, in order")


class AskIn(BaseModel):
    text: str


class RoleIn(BaseModel):
    account: str = Field(description="the person's handle")
    role: str = Field(description="moderator or guest")
