"""The hosting pages: a session's page (its questions with their answers, and for its hosts the
console that runs it). Every change goes through the same services as the API."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
