"""The directory's pages: browse and search (/chats), the week's agenda, a chat's page with its
calendar links and follow form, the listing form, the person's chats and calendar feed, the
import page and the admins' review page. Calendar feeds (.ics) are served here too.

Every page works without JavaScript; chats.js only fills in the browser's time zone for guests
and tidies the recurrence picker.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from hashchat.accounts.models import Account
from hashchat.accounts.validation import time_zones
from hashchat.directory import (
    calendar,
    csvio,
    follows,
    health,
    hosts,
    links,
    listing,
    occurrences,
    plain,
    search,
    service,
)
from hashchat.directory.countdown import countdown, iso
from hashchat.directory.models import Chat, ChatHost, ChatTopic
from hashchat.directory.schedule import DAY_NAMES, WEEKDAYS, picked
from hashchat.directory.zones import zone_for
from hashchat.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from hashchat.parsing import parse_date
from hashchat.storage.base import utcnow
from hashchat.web.deps import RuntimeDep, SessionDep, ViewerDep
from hashchat.web.forms import read_form, safe_next, see_other
from hashchat.web.templating import render

router = APIRouter(include_in_schema=False)

REMIND_CHOICES = [(None, "No reminder"), (5, "5 minutes before"), (10, "10 minutes before")]
REMIND_CHOICES += [(15, "15 minutes before"), (30, "30 minutes before"), (60, "1 hour before")]
REMIND_CHOICES += [(180, "3 hours before"), (1440, "1 day before")]
ORDINAL_CHOICES = [(1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (-1, "last")]
SOON_HOURS = 3


# -- presentation helpers ------------------------------------------------------------------------


def when(iso: str | None, *, day: bool = True) -> str:
    """ "Thu 26 Feb, 01:00" from an ISO time that carries its offset (the viewer's zone)."""
    if not iso:
        return ""
    value = datetime.fromisoformat(iso)
    return f"{value:%a} {value.day} {value:%b}, {value:%H:%M}" if day else f"{value:%H:%M}"


def short_zone(zone: str) -> str:
    return zone.split("/")[-1].replace("_", " ")


def present(entity: dict[str, Any]) -> dict[str, Any]:
    """Display strings for a chat entity, in the viewer's zone it was built for."""
    upcoming = entity.get("next_occurrence")
    shown = dict(entity)
    shown["next_text"] = when(upcoming["viewer_start"]) if upcoming else ""
    shown["next_end_text"] = when(upcoming["viewer_end"], day=False) if upcoming else ""
    if upcoming:
        local = datetime.fromisoformat(upcoming["local_start"])
        shown["chat_time_text"] = (
            f"{local:%a} {local:%H:%M} {short_zone(entity['schedule']['time_zone'])}"
        )
    shown["path"] = links.chat_path(entity["hashtag"])
    return shown


def sparkline(recent: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars of posts per counted occurrence, scaled to the busiest, for an inline SVG (each bar
    labelled with its count; quiet ones, which count towards "may be inactive", in orange)."""
    counts = [int(r["posts"] or 0) for r in recent]
    top = max(counts, default=0) or 1
    width, gap, tall = 16, 5, 44
    bars = []
    for i, (count, row) in enumerate(zip(counts, recent, strict=True)):
        height = 2 + round(tall * count / top)
        day = date.fromisoformat(row["date"])
        bars.append(
            {
                "x": i * (width + gap),
                "y": 12 + tall + 2 - height,
                "height": height,
                "count": count,
                "quiet": count <= health.QUIET_POSTS,
                "label": f"{day.day} {day:%b}: {count} posts",
                "text_x": i * (width + gap) + width / 2,
                "text_y": 12 + tall - height - 1,
            }
        )
    first = date.fromisoformat(recent[0]["date"]) if recent else None
    last = date.fromisoformat(recent[-1]["date"]) if recent else None
    return {
        "bars": bars,
        "width": max(1, len(bars) * (width + gap) - gap),
        "height": 12 + tall + 2,
        "bar_width": width,
        "summary": ", ".join(str(b["label"]) for b in bars),
        "span": f"{first.day} {first:%b} – {last.day} {last:%b}" if first and last else "",
    }


def _zones() -> list[str]:
    return sorted(time_zones())


# The topic cloud and the language list cost a scan of every listing (tens of milliseconds at
# 10,000 chats): each process keeps them for a minute.
_CLOUD_SECONDS = 60.0
_cloud: dict[str, tuple[float, Any]] = {}


async def _cached(key: str, make: Any) -> Any:
    now = time.monotonic()
    hit = _cloud.get(key)
    if hit is not None and now - hit[0] < _CLOUD_SECONDS:
        return hit[1]
    value = await make()
    _cloud[key] = (now, value)
    return value


async def _topics(session: Any, limit: int = 24) -> list[tuple[str, int]]:
    async def make() -> list[tuple[str, int]]:
        rows = await session.execute(
            select(ChatTopic.key, func.count())
            .join(Chat, Chat.id == ChatTopic.chat_id)
            .where(Chat.review == "approved", Chat.status != "retired")
            .group_by(ChatTopic.key)
            .order_by(func.count().desc(), ChatTopic.key)
            .limit(limit)
        )
        return [(key, count) for key, count in rows]

    found: list[tuple[str, int]] = await _cached(f"topics:{session.get_bind().url}", make)
    return found


async def _languages(session: Any) -> list[str]:
    async def make() -> list[str]:
        rows = await session.scalars(
            select(Chat.language).where(Chat.language.is_not(None)).distinct()
        )
        return sorted(r for r in rows if r)

    found: list[str] = await _cached(f"languages:{session.get_bind().url}", make)
    return found


def _filter_context(filters: search.Filters, data: dict[str, str]) -> dict[str, Any]:
    part = data.get("time", "")
    custom = bool(data.get("from") or data.get("to"))
    return {
        "filters": filters,
        "values": data,
        "day_choices": list(zip([w.lower() for w in WEEKDAYS], DAY_NAMES, strict=True)),
        "chosen_days": {WEEKDAYS[d].lower() for d in filters.days},
        "time_part": "custom" if custom else part,
        "zones": _zones(),
    }


# -- the directory -------------------------------------------------------------------------------


@router.get("/chats", response_class=HTMLResponse)
async def directory(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    zone, source = zone_for(request, viewer)
    data = {k: v for k, v in request.query_params.items()}
    now = utcnow()
    errors: dict[str, str] = {}
    try:
        filters = search.parse_filters(_params(request), zone=zone)
    except Invalid as exc:
        errors[exc.field or "form"] = exc.message
        filters = search.Filters(zone=zone)
    found = await search.search_chats(session, filters, now=now)
    chats = [
        present(e)
        for e in await listing.render_chats(
            session, found.chats, viewer=viewer, zone=filters.zone, now=now, live=found.live_ids
        )
    ]
    searching = bool(set(request.query_params) - {"tz", "offset"})
    live = soon = []
    if not searching and filters.offset == 0:
        live = _slots(await search.live_now(session, now=now), filters.zone)
        soon = _slots(await search.starting_soon(session, now=now, hours=SOON_HOURS), filters.zone)
    keep = filters.query_items()
    pages = {}
    if filters.offset > 0:
        pages["previous"] = "?" + urlencode(
            {**keep, "offset": max(0, filters.offset - filters.limit)}
        )
    if filters.offset + filters.limit < found.total:
        pages["next"] = "?" + urlencode({**keep, "offset": filters.offset + filters.limit})
    return render(
        request,
        "directory/index.html",
        {
            "chats": chats,
            "total": found.total,
            "searching": searching,
            "live": live,
            "soon": soon,
            "soon_hours": SOON_HOURS,
            "zone": filters.zone,
            "zone_source": source,
            "topics": await _topics(session),
            "languages": await _languages(session),
            "pages": pages,
            "errors": errors,
            "agenda_link": "/chats/agenda?" + urlencode(keep),
            **_filter_context(filters, data),
        },
        status=422 if errors else 200,
    )


def _slots(rows: list[search.Happening], zone: str) -> list[dict[str, Any]]:
    here = ZoneInfo(zone)
    return [
        {
            "chat": h.chat,
            "path": links.chat_path(h.chat.hashtag),
            "start": f"{h.starts_at.astimezone(here):%H:%M}",
            "end": f"{h.ends_at.astimezone(here):%H:%M}",
            "inactive": h.chat.inactive_since is not None,
        }
        for h in rows
    ]


def _params(request: Request, *, leave: tuple[str, ...] = ()) -> dict[str, Any]:
    """Query parameters, with the repeatable ``day`` (checkboxes) gathered in a list."""
    params: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in ("day", "days"):
            params.setdefault("days", []).append(value)
        elif key not in leave:
            params[key] = value
    return params


@router.get("/chats/agenda", response_class=HTMLResponse)
async def agenda_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    zone, source = zone_for(request, viewer)
    errors: dict[str, str] = {}
    try:
        filters = search.parse_filters(
            _params(request, leave=("start", "offset", "limit")), zone=zone
        )
        start = (
            parse_date(request.query_params["start"], field="start")
            if request.query_params.get("start")
            else None
        )
    except Invalid as exc:
        errors["form"] = exc.message
        filters, start = search.Filters(zone=zone), None
    now = utcnow()
    found = await search.agenda(session, filters, start=start, now=now)
    keep = filters.query_items()
    return render(
        request,
        "directory/agenda.html",
        {
            "agenda": found,
            "grid": _grid(found, now),
            "zone": filters.zone,
            "zone_source": source,
            "errors": errors,
            "previous": "?" + urlencode({**keep, "start": found.previous.isoformat()}),
            "next": "?" + urlencode({**keep, "start": found.next.isoformat()}),
            "today": "?" + urlencode(keep),
            "list_link": "/chats?" + urlencode(keep),
            **_filter_context(filters, {k: v for k, v in request.query_params.items()}),
        },
        status=422 if errors else 200,
    )


def _grid(found: search.Agenda, now: datetime) -> dict[str, Any]:
    """Where each occurrence sits in the week's picture: hours run down, days across; clashing
    occurrences share their day's width side by side."""
    zone = ZoneInfo(found.zone)

    def span_of(slot: search.Slot) -> tuple[int, int]:
        """Minutes from the day's midnight; one continuing from the day before starts at 0."""
        if slot.continued:
            return 0, slot.local_end.hour * 60 + slot.local_end.minute
        start = slot.local_start.hour * 60 + slot.local_start.minute
        return start, min(
            24 * 60, start + int((slot.ends_at - slot.starts_at).total_seconds() // 60)
        )

    spans = [span_of(s) for day in found.days for s in day.slots]
    minutes = [a for a, _ in spans]
    ends = [b for _, b in spans]
    first = max(0, (min(minutes, default=18 * 60) // 60) - 1)
    last = min(24, -(-max(ends, default=22 * 60) // 60) + 1)
    if last - first < 8:
        first, last = max(0, min(first, 24 - 8)), max(last, min(24, first + 8))
    span = (last - first) * 60
    today = now.astimezone(zone).date()
    days = []
    for day in found.days:
        lanes: list[int] = []  # end minute of the last block in each lane
        placed = []
        for slot in day.slots:
            start, end = span_of(slot)
            end = min(24 * 60, max(end, start + 20))
            lane = next((i for i, busy in enumerate(lanes) if busy <= start), None)
            if lane is None:
                lanes.append(end)
                lane = len(lanes) - 1
            else:
                lanes[lane] = end
            placed.append((slot, start, end, lane))
        count = max(1, len(lanes))
        blocks = [
            {
                "slot": slot,
                "path": links.chat_path(slot.chat.hashtag),
                "top": round(100 * (start - first * 60) / span, 3),
                "height": round(100 * (end - start) / span, 3),
                "left": round(100 * lane / count, 3),
                "width": round(100 / count, 3),
                "time": (
                    f"{slot.local_start:%a %H:%M}"
                    if slot.continued
                    else f"{slot.local_start:%H:%M}"
                ),
                "end": f"{slot.local_end:%H:%M}",
                "inactive": slot.chat.inactive_since is not None,
            }
            for slot, start, end, lane in placed
        ]
        now_line = None
        if day.date == today:
            local = now.astimezone(zone)
            minute = local.hour * 60 + local.minute
            if first * 60 <= minute <= last * 60:
                now_line = round(100 * (minute - first * 60) / span, 3)
        days.append({"day": day, "blocks": blocks, "today": day.date == today, "now": now_line})
    return {
        "days": days,
        "hours": [
            {"label": f"{h:02d}:00", "top": round(100 * (h - first) * 60 / span, 3)}
            for h in range(first, last)
        ],
        "height_rem": round((last - first) * 3.2, 1),
    }


# -- a chat's page -------------------------------------------------------------------------------


async def _chat_context(
    session: Any, request: Request, chat: Chat, viewer: Account | None
) -> dict[str, Any]:
    zone, source = zone_for(request, viewer)
    now = utcnow()
    entity = await listing.render_chat(session, chat, viewer=viewer, zone=zone, now=now)
    schedule = (await listing.schedules_of(session, [chat]))[chat.id]
    here = ZoneInfo(zone)
    upcoming = []
    soonest: dict[str, str] | None = None  # on now or next: the countdown beside Follow
    if chat.status == "active" and chat.review == "approved":
        start = now - schedule.duration
        found = schedule.occurrences(start, start + timedelta(weeks=10), limit=8)
        for o in await occurrences.as_held(session, chat, found, now=now):
            if soonest is None and o.ends_at > now:
                soonest = {
                    "text": countdown(o.starts_at, o.ends_at, now),
                    "starts": iso(o.starts_at),
                    "ends": iso(o.ends_at),
                }
            mine = o.starts_at.astimezone(here)
            theirs = o.starts_at.astimezone(schedule.zone)
            upcoming.append(
                {
                    "date": o.local_date.isoformat(),
                    "mine": f"{mine:%a} {mine.day} {mine:%b}, {mine:%H:%M}",
                    "theirs": f"{theirs:%a} {theirs:%H:%M}",
                    "moved": o.moved,
                    "live": o.starts_at <= now < o.ends_at,
                    "local_value": o.local_start.strftime("%Y-%m-%dT%H:%M"),
                }
            )
    skipped = sorted(d for d in schedule.skipped if d >= now.astimezone(schedule.zone).date())
    manage = await service.can_manage(session, chat, viewer)
    follow = await follows.follow_of(session, viewer, chat)
    invitation = await hosts.invitation_for(session, chat, viewer)
    invited_by = None
    if invitation is not None and invitation.invited_by_id is not None:
        invited_by = await session.get(Account, invitation.invited_by_id)
    return {
        "invitation": invitation,
        "invited_by": invited_by,
        "invited": await hosts.invitations_of(session, chat.id) if manage else [],
        "chat": chat,
        "entity": present(entity),
        "zone": zone,
        "zone_source": source,
        "upcoming": upcoming,
        "countdown": soonest,
        "skipped": [{"date": d.isoformat(), "text": f"{d:%a} {d.day} {d:%b %Y}"} for d in skipped],
        "activity": sparkline(entity["health"]["recent"]),
        "manage": manage,
        "is_admin": bool(viewer and viewer.is_admin),
        "follow": follow,
        "remind_choices": REMIND_CHOICES,
        "quiet_posts": health.QUIET_POSTS,
        "quiet_run": health.QUIET_RUN,
        "webcal": entity["calendar"]["webcal"],
        "chat_sessions": await _sessions_around(session, chat, now),
    }


async def _sessions_around(session: Any, chat: Chat, now: datetime) -> list[Any]:
    """The chat's next few sessions and its latest past ones, in time order."""
    from hashchat.hosting.sessions import sessions_of

    found = await sessions_of(session, chat, limit=40)
    ahead = sorted((s for s in found if s.ends_at > now), key=lambda s: s.starts_at)[:3]
    past = [s for s in found if s.ends_at <= now][:5]
    return [*reversed(past), *ahead]


@router.get("/chats/new", response_class=HTMLResponse)
async def new_form(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other("/login?next=/chats/new")
    async with rt.db.read() as session:
        waits = not viewer.is_admin and await service.approval_required(
            session, default=rt.settings.chat_approval
        )
    today = utcnow().astimezone(ZoneInfo(viewer.time_zone)).date()
    values = {
        "starts_on": today.isoformat(),
        "start_time": "20:00",
        "time_zone": viewer.time_zone,
        "duration_minutes": "60",
        "repeat": "weekly",
        "weekday": WEEKDAYS[today.weekday()],
        "nth": "1",
        "bridge_when": "sessions",
        "bridged_in_exports": "on",
    }
    return _form(request, values, {}, editing=None, waits=waits)


def _form(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    editing: Chat | None,
    waits: bool = False,
    status: int = 200,
    conflict_url: str | None = None,
) -> Response:
    return render(
        request,
        "directory/form.html",
        {
            "values": values,
            "errors": errors,
            "editing": editing,
            "waits": waits,
            "zones": _zones(),
            "weekdays": list(zip(WEEKDAYS, DAY_NAMES, strict=True)),
            "ordinals": ORDINAL_CHOICES,
            "conflict_url": conflict_url,
        },
        status=status,
    )


FORM_FIELDS = (
    "hashtag",
    "title",
    "description",
    "topics",
    "language",
    "link",
    "hosts",
    "starts_on",
    "start_time",
    "time_zone",
    "duration_minutes",
    "repeat",
    "weekday",
    "nth",
    "rrule",
    "bridges",
    "bridge_when",
    "bridged_in_exports",
    "bridge_lenders",
    "mastodon_servers",  # folded into bridges by _form_data
)


def _form_data(form: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: form.get(k, "") for k in FORM_FIELDS}
    data.pop("mastodon_servers")
    if data["repeat"] != "custom":
        data.pop("rrule")
    if data["repeat"] != "monthly":
        data.pop("nth")
    if not form.get("bridge_form"):  # a form without the bridges' fieldset changes none of them
        for name in ("bridges", "bridge_when", "bridged_in_exports", "bridge_lenders"):
            data.pop(name)
    else:  # the Bluesky box and one Mastodon server a line
        servers = form.get("mastodon_servers", "").split()
        chosen = [data["bridges"]] if data["bridges"] else []
        data["bridges"] = chosen + [f"mastodon:{server}" for server in servers]
    return data


@router.post("/chats/new", response_class=HTMLResponse)
async def create(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other("/login?next=/chats/new")
    data = _form_data(form)
    if not data.get("hosts"):
        data["hosts"] = viewer.handle
    try:
        chat = await service.create_chat(
            db=rt.db, actor=viewer, data=data, approval_default=rt.settings.chat_approval
        )
    except DomainError as exc:
        url = exc.url if isinstance(exc, Conflict) else None
        values = {k: form.get(k, "") for k in FORM_FIELDS}
        return _form(
            request,
            values,
            {exc.field or "form": exc.message},
            editing=None,
            status=exc.status,
            conflict_url=url,
        )
    return see_other(links.chat_path(chat.hashtag))


@router.get("/chats/following", response_class=HTMLResponse)
async def following(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other("/login?next=/chats/following")
    return await _mine(request, session, viewer, token_url=None)


async def _mine(
    request: Request, session: Any, viewer: Account, *, token_url: str | None
) -> Response:
    zone, _ = zone_for(request, viewer)
    rows = await follows.followed_chats(session, viewer.id)
    chats = [
        present(e)
        for e in await listing.render_chats(
            session, [c for c, _ in rows], viewer=viewer, zone=zone, now=utcnow()
        )
    ]
    reminders = {c.id: f.remind_minutes for c, f in rows}
    hosted_ids = list(
        await session.scalars(select(ChatHost.chat_id).where(ChatHost.account_id == viewer.id))
    )
    hosted = list(
        await session.scalars(select(Chat).where(Chat.id.in_(hosted_ids)).order_by(Chat.tag_key))
    )
    return render(
        request,
        "directory/following.html",
        {
            "chats": chats,
            "reminders": reminders,
            "remind_labels": dict(REMIND_CHOICES),
            "hosted": hosted,
            "token_made": await follows.calendar_token_made(session, viewer.id),
            "token_url": token_url,
            "webcal": links.webcal(token_url) if token_url else None,
        },
    )


@router.post("/chats/following/calendar", response_class=HTMLResponse)
async def new_calendar(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """A new secret feed URL; shown on this answer only (only its hash is kept)."""
    await read_form(request)
    if viewer is None:
        return see_other("/login?next=/chats/following")
    token = await follows.new_calendar_token(db=rt.db, account_id=viewer.id)
    async with rt.db.read() as session:
        response = await _mine(request, session, viewer, token_url=links.personal_calendar(token))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/chats/import", response_class=HTMLResponse)
async def import_form(request: Request, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other("/login?next=/chats/import")
    if not viewer.is_admin:
        raise Forbidden("only admins import chats")
    return render(
        request,
        "directory/import.html",
        {
            "report": None,
            "failed": None,
            "columns": csvio.COLUMNS,
            "optional": csvio.OPTIONAL,
            "understood": plain.UNDERSTOOD,
            "asked": plain.ASKED,
        },
    )


@router.post("/chats/import", response_class=HTMLResponse)
async def import_upload(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    from hashchat.web import csrf
    from hashchat.web.forms import check_csrf_cookie

    # Who is asking first: nobody's upload is read (or spooled to disk) before we know that
    # they may import at all.
    check_csrf_cookie(request)
    if viewer is None:
        return see_other("/login?next=/chats/import")
    if not viewer.is_admin:
        raise Forbidden("only admins import chats")
    async with request.form(max_files=1) as form:  # closes the upload's temporary copy
        token = form.get(csrf.FIELD)
        csrf.check(
            getattr(request.state, "csrf_cookie", None),
            token if isinstance(token, str) else None,
            rt.secret_key,
        )
        upload = form.get("file")
        partial = form.get("partial") in ("on", "1", "true")
        raw = (
            await upload.read()
            if upload is not None and not isinstance(upload, str) and upload.filename
            else None
        )
    context: dict[str, Any] = {
        "report": None,
        "failed": None,
        "columns": csvio.COLUMNS,
        "optional": csvio.OPTIONAL,
        "understood": plain.UNDERSTOOD,
        "asked": plain.ASKED,
        "partial": partial,
    }
    if raw is None:
        context["failed"] = csvio.ImportFailed([csvio.RowError(0, "choose a CSV file to import")])
        return render(request, "directory/import.html", context, status=422)
    try:
        context["report"] = await csvio.import_chats(
            db=rt.db, actor=viewer, raw=raw, partial=partial
        )
    except csvio.ImportFailed as exc:
        context["failed"] = exc
        return render(request, "directory/import.html", context, status=422)
    return render(request, "directory/import.html", context)


@router.get("/chats/export.csv")
async def export_csv(session: SessionDep) -> Response:
    filters = search.Filters()
    chats = list(
        await session.scalars(
            select(Chat).where(*search.status_clause(filters)).order_by(Chat.tag_key)
        )
    )
    body = csvio.to_csv(await csvio.export_rows(session, chats))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="chats.csv"'},
    )


@router.get("/chats/export.json")
async def export_json(session: SessionDep) -> Response:
    filters = search.Filters()
    chats = list(
        await session.scalars(
            select(Chat).where(*search.status_clause(filters)).order_by(Chat.tag_key)
        )
    )
    entities = await listing.render_chats(session, chats, viewer=None, zone="UTC", now=utcnow())
    return Response(
        csvio.to_json(entities),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="chats.json"'},
    )


@router.get("/admin/chats", response_class=HTMLResponse)
async def review_page(
    request: Request, rt: RuntimeDep, session: SessionDep, viewer: ViewerDep
) -> Response:
    if viewer is None:
        return see_other("/login?next=/admin/chats")
    if not viewer.is_admin:
        raise Forbidden("only admins review submitted chats")
    zone, _ = zone_for(request, viewer)
    pending = list(
        await session.scalars(
            select(Chat).where(Chat.review == "pending").order_by(Chat.created_at)
        )
    )
    return render(
        request,
        "directory/review.html",
        {
            "pending": [
                present(e)
                for e in await listing.render_chats(
                    session, pending, viewer=viewer, zone=zone, now=utcnow()
                )
            ],
            "approval_required": await service.approval_required(
                session, default=rt.settings.chat_approval
            ),
        },
    )


@router.post("/admin/chats/approval")
async def review_setting(request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other("/login?next=/admin/chats")
    await service.set_approval_required(
        db=rt.db, actor=viewer, required=form.get("approval_required") == "on"
    )
    return see_other("/admin/chats")


@router.get("/calendar/{token}.ics")
async def personal_feed(token: str, request: Request, session: SessionDep) -> Response:
    account = await follows.account_for_calendar(session, token)
    rows = await follows.followed_chats(session, account.id)
    chats = [chat for chat, _ in rows if chat.review == "approved"]
    schedules = await listing.schedules_of(session, chats)
    minutes = {chat.id: follow.remind_minutes for chat, follow in rows}
    entries = [
        calendar.Entry(
            c,
            schedules[c.id],
            minutes[c.id] if minutes[c.id] is not None else calendar.DEFAULT_ALARM,
        )
        for c in chats
    ]
    body = calendar.feed(
        entries,
        name=f"hashchat: @{account.handle}'s chats",
        description="The chats you follow on hashchat",
        now=utcnow(),
    )
    return _ics(request, body, f"{account.handle}-chats.ics", private=True)


def _ics(request: Request, body: bytes, filename: str, *, private: bool) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Content-Disposition": f'inline; filename="{quote(filename)}"',
        "Cache-Control": ("private" if private else "public") + ", max-age=300",
    }
    if private:
        headers["Referrer-Policy"] = "no-referrer"
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get("/chats/{tag}.ics")
async def chat_feed(tag: str, request: Request, session: SessionDep, alarm: str = "") -> Response:
    chat = await service.visible_chat(session, tag, None)
    minutes: int | None = calendar.DEFAULT_ALARM
    if alarm:
        try:
            minutes = int(alarm)
        except ValueError:
            raise Invalid("alarm is a number of minutes (0: none)", field="alarm") from None
        if not 0 <= minutes <= 7 * 24 * 60:
            raise Invalid("alarm is between 0 minutes and 7 days", field="alarm")
        minutes = minutes or None
    schedule = (await listing.schedules_of(session, [chat]))[chat.id]
    body = calendar.feed(
        [calendar.Entry(chat, schedule, minutes)],
        name=f"#{chat.hashtag}",
        description=chat.title,
        now=utcnow(),
    )
    return _ics(request, body, f"{chat.hashtag}.ics", private=False)


@router.get("/chats/{tag}", response_class=HTMLResponse)
async def chat_page(tag: str, request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    chat = await service.visible_chat(session, tag, viewer)
    if chat.hashtag != tag.lstrip("#"):
        return see_other(links.chat_path(chat.hashtag))
    return render(
        request, "directory/chat.html", await _chat_context(session, request, chat, viewer)
    )


@router.get("/chats/{tag}/edit", response_class=HTMLResponse)
async def edit_form(tag: str, request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    if viewer is None:
        return see_other(f"/login?next={quote(links.chat_path(tag))}/edit")
    chat = await service.get_chat(session, tag)
    if not await service.can_manage(session, chat, viewer):
        raise Forbidden("only the chat's hosts or an admin can change it")
    current_hosts = (await service.hosts_of(session, [chat.id]))[chat.id]
    choice = picked(chat.rrule, chat.starts_on)
    values = {
        "hashtag": chat.hashtag,
        "title": chat.title,
        "description": chat.description,
        "topics": chat.topics,
        "language": chat.language or "",
        "link": chat.link,
        # Those invited and not yet answered stay in the list, so saving keeps them asked.
        "hosts": " ".join(
            "@" + a.handle
            for a, _ in [*current_hosts, *await hosts.invitations_of(session, chat.id)]
        ),
        "starts_on": chat.starts_on.isoformat(),
        "start_time": f"{chat.start_time:%H:%M}",
        "time_zone": chat.time_zone,
        "duration_minutes": str(chat.duration_minutes),
        "repeat": choice.repeat,
        "weekday": choice.weekday,
        "nth": str(choice.nth or 1),
        "rrule": chat.rrule,
        "bridges": chat.bridges,
        "bridge_when": chat.bridge_when,
        "bridged_in_exports": "on" if chat.bridged_in_exports else "",
        "bridge_lenders": "on" if chat.bridge_lenders else "",
        "mastodon_servers": "\n".join(chat.mastodon_servers),
    }
    return _form(request, values, {}, editing=chat)


@router.post("/chats/{tag}/edit", response_class=HTMLResponse)
async def edit(tag: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    if viewer is None:
        return see_other(f"/login?next={quote(links.chat_path(tag))}/edit")
    data = _form_data(form)
    data.pop("hashtag")
    try:
        chat = await service.update_chat(db=rt.db, actor=viewer, tag=tag, data=data)
    except (Invalid, Conflict) as exc:
        async with rt.db.read() as session:
            current = await service.get_chat(session, tag)
        values = {k: form.get(k, "") for k in FORM_FIELDS}
        values["hashtag"] = current.hashtag
        return _form(
            request, values, {exc.field or "form": exc.message}, editing=current, status=exc.status
        )
    return see_other(links.chat_path(chat.hashtag))


async def _back_with_error(
    request: Request, rt: Any, tag: str, viewer: Account | None, exc: DomainError
) -> Response:
    async with rt.db.read() as session:
        chat = await service.visible_chat(session, tag, viewer)
        context = await _chat_context(session, request, chat, viewer)
    context["errors"] = {exc.field or "form": exc.message}
    return render(request, "directory/chat.html", context, status=exc.status)


@router.post("/chats/{tag}/follow", response_class=HTMLResponse)
async def follow(tag: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    back = links.chat_path(tag)
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    try:
        if form.get("action") == "unfollow":
            await follows.unfollow_chat(db=rt.db, account=viewer, tag=tag)
        else:
            await follows.follow_chat(
                db=rt.db,
                account=viewer,
                tag=tag,
                remind_minutes=form.get("remind_minutes") or None,
                remind_by_email=form.get("remind_by_email") == "on",
            )
    except Invalid as exc:
        return await _back_with_error(request, rt, tag, viewer, exc)
    return see_other(safe_next(form.get("next"), back))


@router.post("/chats/{tag}/hosts/{answer}", response_class=HTMLResponse)
async def answer_invitation(
    tag: str, answer: str, request: Request, rt: RuntimeDep, viewer: ViewerDep
) -> Response:
    """Accept or decline an invitation to host the chat."""
    await read_form(request)
    back = links.chat_path(tag)
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    if answer not in ("accept", "decline"):
        raise NotFound("no such answer", field="answer")
    await hosts.answer(db=rt.db, account=viewer, tag=tag, accept=answer == "accept")
    return see_other(back)


@router.post("/chats/{tag}/manage", response_class=HTMLResponse)
async def manage(tag: str, request: Request, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """The hosts' buttons: pause, resume, retire, confirm active; skip, move and restore one
    occurrence; and the admins' approve and reject."""
    form = await read_form(request)
    back = links.chat_path(tag)
    if viewer is None:
        return see_other(f"/login?{urlencode({'next': back})}")
    action = form.get("action", "")
    try:
        if action in ("active", "paused", "retired"):
            await service.set_status(db=rt.db, actor=viewer, tag=tag, status=action)
        elif action == "confirm":
            await service.confirm_active(db=rt.db, actor=viewer, tag=tag)
        elif action == "skip":
            await service.skip_occurrence(db=rt.db, actor=viewer, tag=tag, day=form.get("date", ""))
        elif action == "move":
            await service.move_occurrence(
                db=rt.db, actor=viewer, tag=tag, day=form.get("date", ""), to=form.get("to", "")
            )
        elif action == "restore":
            await service.restore_occurrence(
                db=rt.db, actor=viewer, tag=tag, day=form.get("date", "")
            )
        elif action in ("approve", "reject"):
            chat = await service.review(
                db=rt.db,
                actor=viewer,
                tag=tag,
                approve=action == "approve",
                reason=form.get("reason", ""),
            )
            if chat is None:
                return see_other("/admin/chats")
        else:
            raise NotFound("no such action")
    except (Invalid, Conflict) as exc:
        return await _back_with_error(request, rt, tag, viewer, exc)
    return see_other(safe_next(form.get("next"), back))
