"""Names, bios and chat titles keep every character an emoji sequence is made of (zero-width
joiners, tag characters) and lose the control characters; time zones are real IANA zones."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashchat.accounts.validation import check_bio, check_display_name, check_time_zone, time_zones
from hashchat.directory.validation import check_title
from hashchat.errors import Invalid
from hashchat.text.clean import strip_controls
from tests.conftest import MakeAccount, auth

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, ZWJ, woman, ...
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # tag chars
RAINBOW = "\U0001f3f3\ufe0f\u200d\U0001f308"
CHAT = {
    "hashtag": "#ZoneChat",
    "title": "Zones",
    "starts_on": "2030-01-07",
    "start_time": "20:00",
    "time_zone": "Europe/London",
    "duration_minutes": 60,
    "repeat": "weekly",
    "weekday": "MO",
}


@pytest.mark.parametrize("check", [check_display_name, check_bio, check_title])
def test_emoji_sequences_are_kept_whole(check: Any) -> None:
    text = f"Sam {FAMILY} {ENGLAND} {RAINBOW}"
    assert check(text) == text


@pytest.mark.parametrize("check", [check_display_name, check_bio, check_title])
def test_control_characters_and_overrides_go(check: Any) -> None:
    assert check("Sam\x00\x1b[31m\u202eevil") == "Sam[31mevil"


@given(st.text())
def test_strip_controls_keeps_every_format_character(text: str) -> None:
    import unicodedata

    cleaned = strip_controls(text)
    kept = [
        c
        for c in text
        if unicodedata.category(c) == "Cf" and c not in "\u202a\u202b\u202c\u202d\u202e"
    ]
    assert [c for c in cleaned if unicodedata.category(c) == "Cf"] == kept
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in cleaned)


async def test_the_api_and_the_pages_keep_them(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("sam"))
    changed = await client.patch(
        "/api/v1/accounts/update_credentials",
        json={"display_name": f"Sam {FAMILY}", "note": f"From {ENGLAND}"},
        headers=auth(token),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == f"Sam {FAMILY}"
    assert changed.json()["source"]["note"] == f"From {ENGLAND}"
    assert ENGLAND in changed.json()["note"]
    listed = await client.post(
        "/api/v1/chats",
        json={**CHAT, "hashtag": "#FamilyChat", "title": f"Families {FAMILY}"},
        headers=auth(token),
    )
    assert listed.status_code == 201, listed.text
    assert listed.json()["title"] == f"Families {FAMILY}"


@pytest.mark.parametrize("name", ["Factory", "localtime", "posixrules", "posix/Europe/Paris"])
def test_only_real_zones_are_accepted(name: str) -> None:
    assert name not in time_zones()
    with pytest.raises(Invalid):
        check_time_zone(name)


def test_real_zones_are_accepted() -> None:
    for name in ("UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Asia/Kolkata"):
        assert check_time_zone(name) == name


async def test_the_pickers_and_the_api_offer_only_real_zones(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    signup = await client.get("/signup")
    assert 'value="Europe/London"' in signup.text
    assert 'value="Factory"' not in signup.text and 'value="localtime"' not in signup.text
    token = await token_for(await make_account("sam"))
    refused = await client.patch(
        "/api/v1/accounts/update_credentials", json={"time_zone": "Factory"}, headers=auth(token)
    )
    assert refused.status_code == 422 and refused.json()["field"] == "time_zone"
    listed = await client.post(
        "/api/v1/chats",
        json={**CHAT, "time_zone": "localtime"},
        headers=auth(token),
    )
    assert listed.status_code == 422 and listed.json()["field"] == "time_zone"
