"""The directory's pages, as a browser without JavaScript uses them: the listing form with its
recurrence picker and errors beside the fields, a chat's page, following with a reminder,
the hosts' buttons, the week, the import page and the admins' review page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import time_machine

from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, csrf_from
from tests.directory.conftest import MONDAY, MakeChat

FORM = {
    "hashtag": "WriteChat",
    "title": "Writers' chat",
    "description": "Hello <img src=x onerror=alert(1)> **friends**",
    "topics": "writing, fiction",
    "language": "en",
    "link": "",
    "hosts": "",
    "starts_on": "2026-02-23",
    "start_time": "20:00",
    "time_zone": "America/New_York",
    "duration_minutes": "60",
    "repeat": "monthly",
    "weekday": "FR",
    "nth": "-1",
    "rrule": "",
}


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


async def sign_in(client: httpx.AsyncClient, handle: str) -> str:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "login": handle,
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303
    return csrf_from((await client.get("/chats")).text)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_list_a_chat_with_the_form_and_see_its_page(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("maya", time_zone="Europe/London")
    assert (await client.get("/chats/new")).headers["location"] == "/login?next=/chats/new"
    csrf = await sign_in(client, "maya")
    form = await client.get("/chats/new")
    assert 'name="repeat" value="weekly" checked' in form.text
    assert '<option value="MO" selected>Monday</option>' in form.text  # today's weekday
    response = await client.post("/chats/new", data={**FORM, "csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/chats/WriteChat"
    page = await client.get("/chats/WriteChat")
    words = text_of(page.text)
    assert "Monthly on the last Friday, 20:00–21:00 America/New_York (1 hour)" in words
    # 27 February, 20:00 in New York is 01:00 on Saturday 28 February in London
    assert "Next: Sat 28 Feb, 01:00–02:00 your time (Europe/London)" in words
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and "<img src=x" not in page.text
    assert "<strong>friends</strong>" in page.text
    assert 'href="webcal://testserver/chats/WriteChat.ics"' in page.text
    assert 'href="http://testserver/chats/WriteChat.ics" download' in page.text
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page.text
    assert "Pause" in words and "Edit" in words  # the host's buttons
    assert (await client.get("/chats/writechat")).headers["location"] == "/chats/WriteChat"


async def test_form_errors_are_shown_beside_the_field_with_what_was_typed(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    await make_chat(maya, hashtag="WriteChat")
    csrf = await sign_in(client, "maya")
    bad = await client.post(
        "/chats/new",
        data={**FORM, "hashtag": "newchat", "time_zone": "Europe/Atlantis", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    assert re.search(
        r'<p class="field-error" id="time_zone-error" role="alert">&#39;Europe/Atlantis&#39; is not an IANA',
        bad.text,
    )
    assert 'value="newchat"' in bad.text and 'value="2026-02-23"' in bad.text
    taken = await client.post(
        "/chats/new", data={**FORM, "hashtag": "writechat", "csrf_token": csrf}
    )
    assert taken.status_code == 409
    assert 'id="hashtag-error"' in taken.text and "#WriteChat is already listed" in taken.text
    assert '<a href="http://testserver/chats/WriteChat">See the existing listing</a>' in taken.text
    gap = await client.post(
        "/chats/new",
        data={
            **FORM,
            "hashtag": "earlychat",
            "start_time": "02:30",
            "repeat": "weekly",
            "weekday": "SU",
            "csrf_token": csrf,
        },
    )
    assert gap.status_code == 303
    notes = text_of((await client.get("/chats/earlychat")).text)
    assert "On Sunday 8 March 2026, 02:30 does not exist in America/New_York" in notes
    custom = await client.post(
        "/chats/new",
        data={
            **FORM,
            "hashtag": "oddchat",
            "repeat": "custom",
            "rrule": "FREQ=WEEKLY;BYHOUR=9",
            "csrf_token": csrf,
        },
    )
    assert custom.status_code == 422 and 'id="rrule-error"' in custom.text
    assert (await client.post("/chats/new", data={**FORM, "hashtag": "nocsrf"})).status_code == 403


async def test_follow_with_a_reminder_and_the_hosts_buttons(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    maya = await make_account("maya")
    await make_account("fan", email="fan@example.org")
    await make_chat(maya, hashtag="WriteChat")
    csrf = await sign_in(client, "fan")
    page = await client.get("/chats/WriteChat")
    assert "Pause" not in text_of(page.text)  # not a host
    followed = await client.post(
        "/chats/WriteChat/follow",
        data={"remind_minutes": "60", "remind_by_email": "on", "csrf_token": csrf},
    )
    assert followed.status_code == 303
    page = await client.get("/chats/WriteChat")
    assert "You follow this chat" in page.text
    assert '<option value="60" selected>1 hour before</option>' in page.text
    mine = await client.get("/chats/following")
    assert "#WriteChat" in mine.text and "Following · reminder" in text_of(mine.text)
    wrong = await client.post(
        "/chats/WriteChat/follow", data={"remind_minutes": "-3", "csrf_token": csrf}
    )
    assert wrong.status_code == 422 and 'id="remind_minutes-error"' in wrong.text
    await client.post("/chats/WriteChat/follow", data={"action": "unfollow", "csrf_token": csrf})
    assert "Remind me" in (await client.get("/chats/WriteChat")).text
    # the host pauses it, skips and moves occurrences
    await client.post("/logout", data={"csrf_token": csrf})
    csrf = await sign_in(client, "maya")
    skipped = await client.post(
        "/chats/WriteChat/manage", data={"action": "skip", "date": "2026-02-25", "csrf_token": csrf}
    )
    assert skipped.status_code == 303
    assert "Skipped: Wed 25 Feb 2026" in text_of((await client.get("/chats/WriteChat")).text)
    clash = await client.post(
        "/chats/WriteChat/manage",
        data={"action": "move", "date": "2026-03-04", "to": "2026-03-11T20:00", "csrf_token": csrf},
    )
    assert clash.status_code == 422 and "would overlap" in clash.text
    await client.post("/chats/WriteChat/manage", data={"action": "paused", "csrf_token": csrf})
    assert "Not happening while paused" in text_of((await client.get("/chats/WriteChat")).text)


async def test_directory_filters_and_the_guests_zone(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="WriteChat", topics="writing", time_zone="America/New_York")
    await make_chat(
        host,
        hashtag="gardenchat",
        topics="gardening",
        time_zone="Asia/Tokyo",
        start_time="09:00",
        weekday="SA",
    )
    page = await client.get("/chats")
    assert "All chats (2)" in text_of(page.text)
    assert 'data-zone-source="default"' in page.text  # a guest, before the script ran
    client.cookies.set("hc_tz", "America/New_York")
    page = await client.get("/chats")
    assert 'data-zone-source="browser"' in page.text
    assert "Wed 25 Feb, 20:00–21:00" in text_of(page.text)
    found = await client.get("/chats?topic=gardening")
    assert (
        "1 chat found" in text_of(found.text)
        and "#gardenchat" in found.text
        and "#WriteChat" not in found.text
    )
    by_time = await client.get(
        "/chats?day=fri&day=sat&time=evening"
    )  # 09:00 Tokyo = 19:00 NY, Friday
    assert "#gardenchat" in by_time.text and "#WriteChat" not in by_time.text
    bad = await client.get("/chats?time=teatime")
    assert bad.status_code == 422 and "time is morning, afternoon, evening or night" in bad.text


async def test_the_week_page(
    client: httpx.AsyncClient, make_account: MakeAccount, make_chat: MakeChat
) -> None:
    host = await make_account("host")
    await make_chat(host, hashtag="WriteChat", time_zone="America/New_York")
    week = await client.get("/chats/agenda?tz=Europe/London&start=2026-03-09")
    words = text_of(week.text)
    assert "Mon 9 Mar – Sun 15 Mar 2026" in words and "1 occurrence." in words
    block = re.search(
        r'<li class="dir-block[^"]*"\s+style="top: ([\d.]+)%; height: ([\d.]+)%', week.text
    )
    assert block is not None
    assert "00:00" in week.text and "#WriteChat" in week.text
    assert "?" in week.text and "start=2026-03-16" in week.text  # the next seven days
    assert (await client.get("/chats/agenda?start=someday")).status_code == 422


async def test_import_page_and_review_page_are_for_admins(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    await make_account("root", role="admin")
    await make_account("kai")
    csrf = await sign_in(client, "kai")
    assert (await client.get("/chats/import")).status_code == 403
    assert (await client.get("/admin/chats")).status_code == 403
    await client.post("/logout", data={"csrf_token": csrf})
    csrf = await sign_in(client, "root")
    sheet = b"hashtag,title,day,time,time zone\nedchat,Education,Tuesday,19:00,America/New_York\nx,y,Someday,19:00,UTC\n"
    failed = await client.post(
        "/chats/import", data={"csrf_token": csrf}, files={"file": ("chats.csv", sheet, "text/csv")}
    )
    assert failed.status_code == 422
    assert "1 row cannot be imported, so nothing was" in failed.text
    assert "<td>3</td><td>day</td>" in failed.text
    done = await client.post(
        "/chats/import",
        data={"csrf_token": csrf, "partial": "on"},
        files={"file": ("chats.csv", sheet, "text/csv")},
    )
    assert done.status_code == 200 and "1 chat imported, 1 row left out" in text_of(done.text)
    setting = await client.post(
        "/admin/chats/approval", data={"approval_required": "on", "csrf_token": csrf}
    )
    assert setting.status_code == 303
    assert "checked" in (await client.get("/admin/chats")).text
    await client.post("/logout", data={"csrf_token": csrf})
    csrf = await sign_in(client, "kai")
    made = await client.post(
        "/chats/new", data={**FORM, "hashtag": "boardgamechat", "csrf_token": csrf}
    )
    assert made.status_code == 303
    assert "waits for an admin" in (await client.get("/chats/boardgamechat")).text
    await client.post("/logout", data={"csrf_token": csrf})
    assert (await client.get("/chats/boardgamechat")).status_code == 404
    csrf = await sign_in(client, "root")
    queue = await client.get("/admin/chats")
    assert "Approve #boardgamechat" in queue.text
    approved = await client.post(
        "/chats/boardgamechat/manage",
        data={"action": "approve", "next": "/admin/chats", "csrf_token": csrf},
    )
    assert approved.headers["location"] == "/admin/chats"
    assert "Nothing waits for approval" in (await client.get("/admin/chats")).text
    exported = await client.get("/chats/export.csv")
    assert exported.text.splitlines()[1].startswith("#boardgamechat,")


async def test_the_calendar_address_is_shown_once(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    await make_account("fan")
    csrf = await sign_in(client, "fan")
    assert "Get my calendar address" in (await client.get("/chats/following")).text
    made = await client.post("/chats/following/calendar", data={"csrf_token": csrf})
    assert made.headers["cache-control"] == "no-store"
    url = re.search(
        r"<code class=\"code\" data-calendar-url>(http://testserver/calendar/[\w-]+\.ics)</code>",
        made.text,
    )
    assert url is not None
    later = await client.get("/chats/following")
    assert url.group(1) not in later.text and "Make a new address" in later.text
    assert (await client.get(url.group(1).removeprefix("http://testserver"))).status_code == 200
