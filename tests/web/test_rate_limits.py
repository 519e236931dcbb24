"""Rate limits as Mastodon applies them: the whole API per account or per address, with the
X-RateLimit headers; failed log-ins per account from any number of addresses; Retry-After on
every 429, a page's included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from limits import parse

from hashchat.web import ratelimit
from hashchat.web.ratelimit import RateLimiter
from tests.conftest import MakeAccount, auth, csrf_from


@pytest.fixture
def limiter(app: Any) -> RateLimiter:
    """The test app with its rate limits on (the suite runs with them off)."""
    made = RateLimiter(enabled=True)
    app.state.runtime.limiter = made
    return made


@pytest.fixture
async def from_address(app: Any) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """Clients that come from the address they are given."""
    clients: list[httpx.AsyncClient] = []

    def make(ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[-1]

    yield make
    for c in clients:
        await c.aclose()


def rules(monkeypatch: pytest.MonkeyPatch, **limits: str) -> None:
    for name, text in limits.items():
        monkeypatch.setitem(ratelimit.RULES, name, parse(text))


async def test_api_answers_say_where_the_caller_stands(
    client: httpx.AsyncClient, limiter: RateLimiter, make_account: MakeAccount, token_for: Any
) -> None:
    anonymous = await client.get("/api/v1/timelines/public")
    assert anonymous.headers["x-ratelimit-limit"] == "300"
    assert anonymous.headers["x-ratelimit-remaining"] == "299"
    reset = datetime.fromisoformat(anonymous.headers["x-ratelimit-reset"].replace("Z", "+00:00"))
    assert reset.minute % 5 == 0 and reset.second == 0  # the end of a 5-minute window
    token = await token_for(await make_account("maya"))
    signed_in = await client.get("/api/v1/timelines/home", headers=auth(token))
    assert signed_in.headers["x-ratelimit-limit"] == "1500"
    assert signed_in.headers["x-ratelimit-remaining"] == "1499"
    # Errors count and say so too; pages and streams are not the API.
    missing = await client.get("/api/v1/statuses/12345")
    assert missing.status_code == 404 and missing.headers["x-ratelimit-remaining"] == "298"
    assert "x-ratelimit-limit" not in (await client.get("/")).headers


async def test_anonymous_callers_get_300_requests_per_address(
    from_address: Callable[[str], httpx.AsyncClient], limiter: RateLimiter
) -> None:
    one, other = from_address("192.0.2.1"), from_address("192.0.2.2")
    for _ in range(300):
        assert (await one.get("/api/v1/instance")).status_code == 200
    refused = await one.get("/api/v1/instance")
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("too many requests")
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["retry-after"]) <= 301
    assert (await other.get("/api/v1/instance")).status_code == 200


async def test_an_account_is_limited_across_its_tokens_and_the_fast_path(
    client: httpx.AsyncClient,
    limiter: RateLimiter,
    make_account: MakeAccount,
    token_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules(monkeypatch, api_authenticated="4/5 minutes")
    maya = await make_account("maya")
    first, second = auth(await token_for(maya)), auth(await token_for(maya))
    other = auth(await token_for(await make_account("lena")))
    assert (await client.get("/api/v1/timelines/home", headers=first)).status_code == 200
    posted = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=second)
    assert posted.status_code == 200 and posted.headers["x-ratelimit-remaining"] == "2"
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=first)
    ).status_code == 200
    assert (
        await client.post("/api/v1/statuses", json={"status": "hi"}, headers=first)
    ).status_code == 200
    refused = await client.post("/api/v1/statuses", json={"status": "again"}, headers=second)
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert (await client.get("/api/v1/timelines/home", headers=other)).status_code == 200


async def test_a_browser_session_counts_against_its_account(
    client: httpx.AsyncClient,
    limiter: RateLimiter,
    make_account: MakeAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules(monkeypatch, api_authenticated="2/5 minutes", api_anonymous="100/5 minutes")
    await make_account("maya")
    page = await client.get("/login")
    signed_in = await client.post(
        "/login",
        data={
            "login": "maya",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert signed_in.status_code == 303
    answers = [await client.get("/api/v1/accounts/verify_credentials") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "2"


async def test_the_streams_are_not_counted(
    client: httpx.AsyncClient, limiter: RateLimiter, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules(monkeypatch, api_anonymous="1/5 minutes")
    health = await client.get("/api/v1/streaming/health")
    assert health.status_code == 200 and "x-ratelimit-limit" not in health.headers
    assert (await client.get("/api/v1/instance")).status_code == 200
    assert (await client.get("/api/v1/instance")).status_code == 429
    assert (await client.get("/api/v1/streaming/health")).status_code == 200


async def _log_in_page(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"login": login, "password": password, "csrf_token": csrf_from(page.text)}
    )


async def test_failed_log_ins_to_one_account_are_limited_whatever_the_address(
    from_address: Callable[[str], httpx.AsyncClient],
    limiter: RateLimiter,
    make_account: MakeAccount,
) -> None:
    maya = await make_account("maya", email="maya@example.org")
    answers = []
    for n in range(30):  # 30 addresses, 2 guesses each: the per-address limit never bites
        client = from_address(f"198.51.100.{n}")
        for guess in ("wrong one", "wrong two"):
            login = "maya" if n % 2 else "MAYA@example.org"  # handle or email: one account
            answers.append((await _log_in_page(client, login, guess)).status_code)
    assert answers[:10] == [401] * 10
    assert set(answers[10:]) == {429}
    # Once throttled, the right password does not get in either (a guess would tell nothing).
    late = await _log_in_page(from_address("203.0.113.9"), "maya", "correct horse battery")
    assert late.status_code == 429
    assert int(late.headers["retry-after"]) > 0
    assert "too many attempts" in late.text
    # Other accounts, and the API's password grant for this one, follow the same rule.
    await make_account("lena")
    lena = await _log_in_page(from_address("203.0.113.9"), "lena", "correct horse battery")
    assert lena.status_code == 303
    app = (
        await from_address("203.0.113.10").post(
            "/api/v1/apps", data={"client_name": "c", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
        )
    ).json()
    grant = await from_address("203.0.113.11").post(
        "/oauth/token",
        data={"grant_type": "password", "username": "maya", "password": "correct horse battery",
              "client_id": app["client_id"], "client_secret": app["client_secret"]},
    )  # fmt: skip
    assert grant.status_code == 429 and "retry-after" in grant.headers
    assert maya.id


async def test_unknown_logins_are_throttled_alike(
    from_address: Callable[[str], httpx.AsyncClient], limiter: RateLimiter
) -> None:
    answers = [
        (await _log_in_page(from_address(f"198.51.100.{n}"), "nobody", "guess")).status_code
        for n in range(11)
    ]
    assert answers == [401] * 10 + [429]


async def test_a_forms_429_says_when_to_try_again(
    client: httpx.AsyncClient,
    limiter: RateLimiter,
    make_account: MakeAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules(monkeypatch, post="1/hour", log_in="1/5 minutes")
    await make_account("maya")
    assert (await _log_in_page(client, "maya", "correct horse battery")).status_code == 303
    csrf = csrf_from((await client.get("/")).text)
    first = await client.post("/posts", data={"status": "one", "csrf_token": csrf})
    assert first.status_code == 303
    second = await client.post("/posts", data={"status": "two", "csrf_token": csrf})
    assert second.status_code == 429
    assert 3000 < int(second.headers["retry-after"]) <= 3600
    assert "text/html" in second.headers["content-type"] and "two" in second.text  # the draft
    await client.post("/logout", data={"csrf_token": csrf})
    login = await _log_in_page(client, "maya", "correct horse battery")
    assert login.status_code == 429 and 0 < int(login.headers["retry-after"]) <= 300
