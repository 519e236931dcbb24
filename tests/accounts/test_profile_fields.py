"""What people write in their profile comes back safe in every entity that embeds the account:
Mastodon clients render ``fields[].value`` (like ``note``) as HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx

from tests.conftest import MakeAccount, auth

HOSTILE = 'https://x.org/"><svg/onload=alert(1)>'


class Elements(HTMLParser):
    """The start tags of an HTML fragment, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_safe_website(account: dict[str, Any]) -> None:
    (field,) = account["fields"]
    tags = elements(field["value"])
    assert [name for name, _ in tags] == ["a"], field["value"]
    attrs = tags[0][1]
    assert attrs["href"] == HOSTILE  # the whole address, as one escaped attribute
    assert "me" in (attrs["rel"] or "").split()
    assert not any(name.startswith("on") for name in attrs)


async def test_a_hostile_website_is_escaped_and_linked_wherever_the_account_appears(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("mallory"))
    changed = await client.patch(
        "/api/v1/accounts/update_credentials", json={"website": HOSTILE}, headers=auth(token)
    )
    assert changed.status_code == 200, changed.text
    assert_safe_website(changed.json())
    # The owner's source keeps the text as typed: it is not HTML.
    assert changed.json()["source"]["fields"][0]["value"] == HOSTILE

    posted = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=auth(token))
    assert posted.status_code == 200, posted.text
    assert_safe_website(posted.json()["account"])
    fetched = await client.get(f"/api/v1/statuses/{posted.json()['id']}")
    assert_safe_website(fetched.json()["account"])
    timeline = await client.get("/api/v1/timelines/public")
    assert_safe_website(timeline.json()[0]["account"])
    account = await client.get(f"/api/v1/accounts/{posted.json()['account']['id']}")
    assert_safe_website(account.json())
    assert "<svg" not in account.text


async def test_a_plain_website_is_a_link(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    token = await token_for(await make_account("sam"))
    changed = await client.patch(
        "/api/v1/accounts/update_credentials",
        json={"website": "https://sam.example/a?b=1&c=2"},
        headers=auth(token),
    )
    value = changed.json()["fields"][0]["value"]
    assert elements(value)[0][1]["href"] == "https://sam.example/a?b=1&c=2"
    assert ">https://sam.example/a?b=1&amp;c=2</a>" in value
