"""Sign-up, log-in and profile pages: forms with CSRF, errors beside fields, safe cookies."""

from __future__ import annotations

import httpx

from hashchat.accounts import service
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, csrf_from


async def signup(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get("/signup")
    data = {"csrf_token": csrf_from(page.text), "time_zone": "Europe/London", **fields}
    return await client.post("/signup", data=data)


async def test_sign_up_signs_in_with_a_safe_cookie(client: httpx.AsyncClient) -> None:
    response = await signup(client, username="lena", password="lighthouse keeper")
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("hc_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = await client.get("/home")
    assert "@lena" in home.text
    assert 'action="/posts"' in home.text


async def test_form_errors_show_beside_the_field(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("taken")
    response = await signup(client, username="Taken", password="long enough pw")
    assert response.status_code == 409
    assert 'id="username-error"' in response.text
    assert "this handle is taken" in response.text
    assert 'value="Taken"' in response.text, "what the person typed is kept"
    short = await signup(client, username="fresh", password="short")
    assert short.status_code == 422
    assert 'id="password-error"' in short.text


async def test_posting_a_form_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    await client.get("/signup")
    forged = await client.post("/signup", data={"username": "evil", "password": "long enough pw"})
    assert forged.status_code == 403
    wrong = await client.post(
        "/signup", data={"username": "evil", "password": "long enough pw", "csrf_token": "0" * 64}
    )
    assert wrong.status_code == 403
    async with db.read() as session:
        assert await service.get_by_handle(session, "evil") is None


async def test_log_in_and_out(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    await make_account("tomas", password="madrid mornings")
    page = await client.get("/login")
    bad = await client.post(
        "/login",
        data={"login": "tomas", "password": "nope nope", "csrf_token": csrf_from(page.text)},
    )
    assert bad.status_code == 401
    assert "the handle or password is wrong" in bad.text
    good = await client.post(
        "/login",
        data={
            "login": "tomas",
            "password": "madrid mornings",
            "csrf_token": csrf_from(page.text),
            "next": "/tags/edchat",
        },
    )
    assert good.status_code == 303 and good.headers["location"] == "/tags/edchat"
    home = await client.get("/")
    assert "Log out" in home.text
    out = await client.post("/logout", data={"csrf_token": csrf_from(home.text)})
    assert out.status_code == 303
    assert "Log in" in (await client.get("/")).text


async def test_next_never_leaves_the_site(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("kai", password="community manager")
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "login": "kai",
            "password": "community manager",
            "csrf_token": csrf_from(page.text),
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


async def test_profile_escapes_what_people_type(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount
) -> None:
    account = await make_account("joel")
    await service.update_profile(
        db=db,
        account_id=account.id,
        display_name='<script>alert("x")</script>',
        bio="<img src=x onerror=alert(1)>",
    )
    page = await client.get("/@joel")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "<img src=x" not in page.text
    assert (await client.get("/@nobody")).status_code == 404


async def test_settings_page_saves_the_time_zone(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    await make_account("priya", password="too many questions")
    page = await client.get("/login")
    await client.post(
        "/login",
        data={
            "login": "priya",
            "password": "too many questions",
            "csrf_token": csrf_from(page.text),
        },
    )
    form = await client.get("/settings/profile")
    bad = await client.post(
        "/settings/profile", data={"csrf_token": csrf_from(form.text), "time_zone": "Asia/Nowhere"}
    )
    assert bad.status_code == 422 and 'id="time_zone-error"' in bad.text
    ok = await client.post(
        "/settings/profile",
        data={
            "csrf_token": csrf_from(form.text),
            "time_zone": "Asia/Kolkata",
            "display_name": "Priya",
        },
    )
    assert ok.status_code == 303
    assert "Asia/Kolkata" in (await client.get("/@priya")).text
