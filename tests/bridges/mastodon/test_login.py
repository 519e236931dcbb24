"""Log in with Mastodon, against a second hashchat as the person's server: the same OAuth round
trip as linking signs in the hashchat account that linked that account (a new session, on to a
safe ``next``), never makes one, and keeps no token it does not need; a person without a link, a
wrong server, a forged or replayed return and a refusal are said on the log-in page."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from limits import parse
from sqlalchemy import select

from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.mastodon import link as mastodon_link
from hashchat.bridges.mastodon import login as mastodon_login
from hashchat.bridges.mastodon.oauth import Who
from hashchat.bridges.sealing import sealer_for
from hashchat.config import get_settings
from hashchat.errors import Invalid
from hashchat.storage.engine import Database
from hashchat.web import ratelimit
from hashchat.web.deps import SESSION_COOKIE
from hashchat.web.ratelimit import RateLimiter
from tests.bridges.mastodon.helpers import WRONG_SERVERS, link, link_token, sign_in
from tests.bridges.mastodon.remote import Remote
from tests.conftest import csrf_from, path_of


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    """Other browsers on this hashchat, each with its own cookies."""
    made: list[httpx.AsyncClient] = []

    def open_one() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        made.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return made[-1]

    yield open_one
    for one in made:
        await one.aclose()


async def start(client: httpx.AsyncClient, server: str, next: str = "/") -> httpx.Response:
    page = await client.get(f"/login?next={next}")
    if page.status_code == 303:  # already signed in (as someone else): no log-in page to see
        page = await client.get("/")
    else:
        assert 'action="/login/mastodon"' in page.text
    return await client.post(
        "/login/mastodon",
        data={"server": server, "next": next, "csrf_token": csrf_from(page.text)},
    )


def _remote_db(remote: Remote) -> sqlite3.Connection:
    return sqlite3.connect(remote.server.database_url.removeprefix("sqlite+aiosqlite:///"))


def live_tokens(remote: Remote, name: str) -> int:
    """Tokens of ``name`` on the remote, given to hashchat's app there and not revoked."""
    with _remote_db(remote) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM access_tokens t JOIN accounts a ON a.id = t.account_id"
            " JOIN oauth_apps p ON p.id = t.app_id"
            " WHERE a.handle = ? AND p.name = 'hashchat' AND t.revoked_at IS NULL",
            (name,),
        ).fetchone()
    return int(count)


async def who_is_signed_in(client: httpx.AsyncClient) -> str | None:
    answer = await client.get("/api/v1/accounts/verify_credentials")
    return str(answer.json()["username"]) if answer.status_code == 200 else None


async def test_log_in_signs_in_the_linked_account_with_a_new_session(
    client: httpx.AsyncClient,
    browser: Callable[[], httpx.AsyncClient],
    make_account: Any,
    db: Database,
    remote: Remote,
    fresh: str,
) -> None:
    person = remote.person(fresh)
    await sign_in(client, make_account, f"here{fresh}")
    await link(client, remote, person)
    async with db.read() as session:
        kept = (await session.scalar(select(LinkedAccount))).sealed  # type: ignore[union-attr]
    assert live_tokens(remote, fresh) == 1

    # Another browser, signed in as someone else: its session is not the one it ends up with.
    elsewhere = browser()
    await sign_in(elsewhere, make_account, f"other{fresh}")
    before = elsewhere.cookies[SESSION_COOKIE]
    started = await start(elsewhere, remote.url, next="/settings/bridges")
    assert started.status_code == 303
    asked = parse_qs(urlsplit(started.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and "state" in asked
    assert asked["redirect_uri"] == ["http://testserver/bridges/mastodon/oauth/callback"]

    back = person.authorize(started.headers["location"])
    done = await elsewhere.get(path_of(back))
    assert done.status_code == 303 and done.headers["location"] == "/settings/bridges"
    after = elsewhere.cookies[SESSION_COOKIE]
    assert after != before
    assert await who_is_signed_in(elsewhere) == f"here{fresh}"
    assert "hc_mastodon_oauth" not in elsewhere.cookies  # the round trip is used up

    # The sign-in's own token is not kept: revoked there; the link keeps its token.
    async with db.read() as session:
        links = list(await session.scalars(select(LinkedAccount)))
    assert [x.sealed for x in links] == [kept]
    assert live_tokens(remote, fresh) == 1


async def test_next_goes_only_to_this_site(
    client: httpx.AsyncClient, make_account: Any, remote: Remote, fresh: str
) -> None:
    person = remote.person(fresh)
    await sign_in(client, make_account, f"n{fresh}")
    await link(client, remote, person)
    await client.post("/logout", data={"csrf_token": csrf_from((await client.get("/")).text)})
    started = await start(client, remote.url, next="//evil.example/steal")
    done = await client.get(path_of(person.authorize(started.headers["location"])))
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert await who_is_signed_in(client) == f"n{fresh}"


async def test_no_linked_account_says_to_link_it_first_and_keeps_nothing(
    client: httpx.AsyncClient, make_account: Any, db: Database, remote: Remote, fresh: str
) -> None:
    person = remote.person(fresh)
    await make_account(f"nolink{fresh}")
    started = await start(client, remote.url)
    assert started.status_code == 303
    done = await client.get(path_of(person.authorize(started.headers["location"])))
    assert done.status_code == 422
    assert "no hashchat account has linked" in done.text
    assert f"{fresh}@{remote.domain}" in done.text
    assert "log in another way" in done.text and "Settings › Linked accounts" in done.text
    assert (
        'id="mastodon-error"' in done.text
        and '<details class="other-login mastodon-login" open' in done.text
    )
    assert SESSION_COOKIE not in client.cookies
    assert await who_is_signed_in(client) is None
    async with db.read() as session:
        assert list(await session.scalars(select(LinkedAccount))) == []  # nothing made either
    assert live_tokens(remote, fresh) == 0  # its token revoked at the server


@pytest.mark.parametrize(("typed", "message"), WRONG_SERVERS)
async def test_a_wrong_server_is_said_beside_the_field(
    client: httpx.AsyncClient, typed: str, message: str
) -> None:
    answer = await start(client, typed, next="/home")
    assert answer.status_code == 422
    assert 'id="mastodon-error"' in answer.text and message in answer.text
    assert 'aria-describedby="mastodon-error"' in answer.text
    assert 'name="next" value="/home"' in answer.text


async def test_a_forged_denied_or_replayed_return_signs_in_nobody(
    client: httpx.AsyncClient,
    browser: Callable[[], httpx.AsyncClient],
    make_account: Any,
    remote: Remote,
    fresh: str,
) -> None:
    person = remote.person(fresh)
    await sign_in(client, make_account, f"r{fresh}")
    await link(client, remote, person)
    visitor = browser()

    started = await start(visitor, remote.url)
    back = person.authorize(started.headers["location"])
    forged = await visitor.get(path_of(back.replace("state=", "state=x")))
    assert forged.status_code == 422 and "not the one hashchat started" in forged.text
    assert await who_is_signed_in(visitor) is None

    started = await start(visitor, remote.url)
    denied = await visitor.get("/bridges/mastodon/oauth/callback?error=access_denied")
    assert denied.status_code == 422 and "did not sign you in: access_denied" in denied.text
    assert await who_is_signed_in(visitor) is None

    # A good return used twice: without its cookie (gone after the first use), and with the
    # cookie copied back (the server refuses a code used once).
    started = await start(visitor, remote.url)
    cookie = visitor.cookies["hc_mastodon_oauth"]
    back = path_of(person.authorize(started.headers["location"]))
    assert (await visitor.get(back)).status_code == 303
    assert await who_is_signed_in(visitor) == f"r{fresh}"
    thief = browser()
    again = await thief.get(back)
    assert again.status_code == 422 and "not the one hashchat started" in again.text
    again = await thief.get(back, headers={"Cookie": f"hc_mastodon_oauth={cookie}"})
    assert again.status_code == 422 and "did not sign you in" in again.text
    assert await who_is_signed_in(thief) is None


async def test_a_broken_link_is_mended_by_logging_in(
    client: httpx.AsyncClient, make_account: Any, db: Database, remote: Remote, fresh: str
) -> None:
    person = remote.person(fresh)
    await sign_in(client, make_account, f"b{fresh}")
    made = await link(client, remote, person)
    with _remote_db(remote) as there:  # the person revoked hashchat's access at their server
        there.execute(
            "UPDATE access_tokens SET revoked_at = '2026-01-01 00:00:00' WHERE account_id ="
            " (SELECT id FROM accounts WHERE handle = ?) AND app_id IN"
            " (SELECT id FROM oauth_apps WHERE name = 'hashchat')",
            (fresh,),
        )
    assert live_tokens(remote, fresh) == 0
    assert await mastodon_link.mark_broken(db=db, link_id=int(made["id"]), reason="revoked")
    await client.post("/logout", data={"csrf_token": csrf_from((await client.get("/")).text)})
    started = await start(client, remote.url)
    done = await client.get(path_of(person.authorize(started.headers["location"])))
    assert done.status_code == 303 and await who_is_signed_in(client) == f"b{fresh}"
    listed = (await client.get("/api/v1/bridges/accounts")).json()
    assert listed[0]["broken"] is None
    assert live_tokens(remote, fresh) == 1  # the sign-in's token, kept by the link now
    async with db.read() as session:
        row = await session.scalar(select(LinkedAccount))
    assert row is not None
    token = mastodon_link.token_of(row, sealer_for(get_settings().resolved_secret_key(), ()))
    who = httpx.get(
        f"{remote.url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert who.status_code == 200 and who.json()["username"] == fresh


async def test_logging_in_is_rate_limited_with_password_log_ins(
    client: httpx.AsyncClient, app: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.state.runtime.limiter = RateLimiter(enabled=True)
    monkeypatch.setitem(ratelimit.RULES, "log_in", parse("2/5 minutes"))
    await make_account("maya")
    page = await client.get("/login")
    password = await client.post(
        "/login",
        data={"login": "maya", "password": "wrong", "csrf_token": csrf_from(page.text)},
    )
    assert password.status_code == 401
    # A server that does not answer still counts (the limit is taken before it is asked).
    assert (await start(client, "https://127.0.0.1:1")).status_code == 502
    refused = await start(client, "https://127.0.0.1:1")
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 300
    assert 'id="mastodon-error"' in refused.text and "too many requests" in refused.text


async def test_the_form_needs_its_csrf_token(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    answer = await client.post("/login/mastodon", data={"server": "mastodon.social"})
    assert answer.status_code == 403


async def test_a_server_cannot_sign_in_someone_elses_link(
    make_account: Any, db: Database, remote: Remote, fresh: str
) -> None:
    """The link is found by the server the token came from and the actor that server named:
    another server naming the same actor finds nothing."""
    person = remote.person(fresh)
    account = await make_account(f"s{fresh}")
    stored = await link_token(db, account, remote, person)
    who = Who(stored.remote_id, stored.handle, stored.remote_id)
    async with db.read() as session:
        found = await mastodon_login.check_log_in(session, server=remote.url, who=who)
        assert found.account_id == account.id
        with pytest.raises(Invalid, match="no hashchat account has linked"):
            await mastodon_login.check_log_in(session, server="https://evil.example", who=who)


async def test_two_hashchat_accounts_on_one_mastodon_account_sign_in_neither(
    make_account: Any, db: Database, remote: Remote, fresh: str
) -> None:
    person = remote.person(fresh)
    for name in ("twin1", "twin2"):
        await link_token(db, await make_account(f"{name}{fresh}"), remote, person)
    settings = get_settings()
    sealer = sealer_for(settings.resolved_secret_key(), ())
    who = Who(f"{remote.url}/@{fresh}", f"{fresh}@{remote.domain}", f"{remote.url}/@{fresh}")
    with pytest.raises(Exception, match="more than one hashchat account") as raised:
        await mastodon_login.do_log_in(
            db=db, server=remote.url, who=who, token="t", sealer=sealer, settings=settings
        )
    assert getattr(raised.value, "status", None) == 409
