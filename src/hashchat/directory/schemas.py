"""Request bodies of the chats API. Values are checked by the services (which name the field
at fault in words a person understands); these models say what is accepted, for OpenAPI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Repeat = Literal["once", "weekly", "fortnightly", "monthly", "custom"]


class ChatFieldsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str | None = Field(None, description="At most 120 characters.")
    description: str | None = Field(None, description="Markdown (raw HTML is shown as text).")
    topics: list[str] | str | None = Field(None, description="A list, or comma-separated.")
    language: str | None = Field(None, description="ISO 639 code, such as en.")
    link: str | None = None
    hosts: list[str] | str | None = Field(
        None, description="@handles; the first is the host, the others co-hosts."
    )
    starts_on: str | None = Field(None, description="Date of the first occurrence, YYYY-MM-DD.")
    start_time: str | None = Field(None, description="Wall-clock start in time_zone, HH:MM.")
    time_zone: str | None = Field(None, description="IANA zone, such as America/New_York.")
    duration_minutes: int | str | None = Field(None, description="5 to 1440.")
    repeat: Repeat | None = Field(None, description="The recurrence picker.")
    weekday: str | None = Field(None, description="MO..SU for weekly/fortnightly/monthly.")
    nth: int | str | None = Field(None, description="Week of the month: 1-4, or -1 (last).")
    rrule: str | None = Field(
        None, description="An RFC 5545 RRULE instead of the picker ('' for a one-off)."
    )
    bridges: list[str] | str | None = Field(
        None,
        description="Networks whose posts with the hashtag come into the room: "
        '["bluesky", "mastodon:https://mastodon.social"] (Mastodon: each server to read).',
    )
    bridge_when: str | None = Field(
        None, description='"sessions" (30 minutes before each session to its end) or "always".'
    )
    bridged_in_exports: bool | str | None = Field(
        None, description="Whether transcripts' exports include bridged posts (default true)."
    )
    bridge_lenders: bool | str | None = Field(
        None,
        description="Mastodon servers may also be read with the linked account of a follower "
        "who agreed (default false: the hosts' own linked accounts only).",
    )


class ChatIn(ChatFieldsIn):
    hashtag: str = Field(description="The chat's hashtag (one listing per hashtag).")
    title: str | None = Field(description="At most 120 characters.")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["active", "paused", "retired"]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    decision: Literal["approve", "reject"]
    reason: str = ""


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    to: str = Field(description="New local start in the chat's zone, YYYY-MM-DDTHH:MM.")


class FollowIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    remind_minutes: int | str | None = Field(
        None, description="Remind me this many minutes before (none: no reminder)."
    )
    remind_by_email: bool = True


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    approval_required: bool
