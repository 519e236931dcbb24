"""The onboarding after sign-up (``/welcome``): a newcomer picks topics and the days and times
that suit them (step 1), then follows a few of the chats suggested for them (step 2), with a
reminder before each. Every step is a plain form (GET for the picks, POST to follow), works
without JavaScript and can be skipped."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hashchat.accounts.models import Account
from hashchat.directory import follows, listing, suggestions
from hashchat.directory.pages import REMIND_CHOICES, present
from hashchat.directory.schedule import DAY_NAMES, WEEKDAYS
from hashchat.directory.zones import zone_for
from hashchat.errors import Invalid, NotFound
from hashchat.storage.base import utcnow
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.forms import read_form, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

PARTS = [
    ("", "Any time"),
    ("morning", "Mornings (06–12)"),
    ("afternoon", "Afternoons (12–17)"),
    ("evening", "Evenings (17–22)"),
    ("night", "Nights (22–06)"),
]


def _picks(request: Request) -> dict[str, Any]:
    """The query's picks, repeated parameters as lists (``topic``, ``day``)."""
    data: dict[str, Any] = {"topic": [], "day": []}
    for key, value in request.query_params.multi_items():
        if key in ("topic", "day"):
            data[key].append(value)
        elif key == "time":
            data[key] = value
    return data


async def _step_one(
    request: Request,
    session: Any,
    viewer: Account,
    data: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    zone, _ = zone_for(request, viewer)
    offered = await suggestions.popular_topics(session)
    chosen = [t.strip().lstrip("#") for t in data.get("topic", []) if t.strip()]
    extra = [t for t in chosen if t.casefold() not in offered]
    return render(
        request,
        "directory/welcome.html",
        {
            "step": 1,
            "topics": offered,
            "chosen_topics": {t.casefold() for t in chosen},
            "extra_topic": ", ".join(extra),
            "days": list(zip([w.lower() for w in WEEKDAYS], DAY_NAMES, strict=True)),
            "chosen_days": {d.lower() for d in data.get("day", [])},
            "parts": PARTS,
            "chosen_part": data.get("time", ""),
            "zone": zone,
            "errors": errors,
        },
        status=status,
    )


@router.get("/welcome", response_class=HTMLResponse)
async def welcome(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other("/login?next=/welcome")
    return await _step_one(request, session, viewer, _picks(request), {})


async def _step_two(
    request: Request,
    session: Any,
    viewer: Account,
    data: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    checked: set[str] | None = None,
    status: int = 200,
) -> Response:
    zone, _ = zone_for(request, viewer)
    # "Another topic" is a comma-separated field beside the checkboxes.
    data = dict(data)
    data["topic"] = [p for t in data.get("topic", []) for p in str(t).split(",")]
    try:
        wishes = suggestions.check_wishes(data, zone=zone)
    except Invalid as exc:
        return await _step_one(
            request, session, viewer, data, {exc.field or "form": exc.message}, status=422
        )
    now = utcnow()
    found = await suggestions.suggest_chats(session, wishes, now=now)
    chats = [
        present(e)
        for e in await listing.render_chats(session, found.chats, viewer=viewer, zone=zone, now=now)
    ]
    return render(
        request,
        "directory/welcome.html",
        {
            "step": 2,
            "chats": chats,
            "matched": found.matched,
            "wishes": wishes,
            "picks": wishes.query_items(),
            "back": "/welcome?" + urlencode(wishes.query_items()),
            "checked": checked or set(),
            "remind_choices": REMIND_CHOICES,
            "zone": zone,
            "errors": errors or {},
        },
        status=status,
    )


@router.get("/welcome/chats", response_class=HTMLResponse)
async def suggested(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other("/login?next=/welcome")
    return await _step_two(request, session, viewer, _picks(request))


@router.post("/welcome/follow", response_class=HTMLResponse)
async def follow_picked(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)  # the CSRF check; then the repeated fields, as lists
    if viewer is None:
        return see_other("/login?next=/welcome")
    sent = await request.form()  # Starlette keeps the form read once

    def many(name: str) -> list[str]:
        return [v for v in sent.getlist(name) if isinstance(v, str) and "\x00" not in v]

    picked = many("chat")
    try:
        await follows.follow_chats(
            db=rt.db,
            account=viewer,
            tags=picked,
            remind_minutes=form.get("remind_minutes") or None,
            remind_by_email=viewer.email is not None,
        )
    except (Invalid, NotFound) as exc:
        data: dict[str, Any] = {"topic": many("topic"), "day": many("day")}
        if form.get("time"):
            data["time"] = form["time"]
        async with rt.db.read() as session:
            return await _step_two(
                request,
                session,
                viewer,
                data,
                errors={exc.field or "form": exc.message},
                checked=set(picked),
                status=exc.status,
            )
    return see_other("/chats/following")
