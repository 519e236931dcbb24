"""Accounts: creating, signing in, profiles and follows, at the service level."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hashchat.accounts import service
from hashchat.accounts.models import Account
from hashchat.errors import Conflict, Invalid
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount


async def count_accounts(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


async def test_account_is_created_with_an_argon2id_hash(db: Database) -> None:
    account = await service.create_account(
        db=db, handle="Maya", password="a long password", email="Maya@Example.org"
    )
    assert account.handle == "Maya"
    assert account.password_hash.startswith("$argon2id$")
    assert "a long password" not in account.password_hash
    assert account.email == "maya@example.org"
    assert account.role == "member"


async def test_handles_are_unique_ignoring_case(db: Database, make_account: MakeAccount) -> None:
    await make_account("maya")
    with pytest.raises(Conflict) as caught:
        await make_account("MAYA")
    assert caught.value.field == "username"
    assert await count_accounts(db) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"handle": ""}, "username"),
        ({"handle": "has space"}, "username"),
        ({"handle": "x" * 31}, "username"),
        ({"handle": "<script>"}, "username"),
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"display_name": "x" * 51}, "display_name"),
    ],
)
async def test_bad_sign_up_input_names_the_field_and_writes_nothing(
    db: Database, fields: dict[str, str], field: str
) -> None:
    values = {"handle": "valid_handle", "password": "long enough", **fields}
    with pytest.raises(Invalid) as caught:
        await service.create_account(db=db, **values)
    assert caught.value.field == field
    assert caught.value.message
    assert await count_accounts(db) == 0


async def test_duplicate_email_is_refused(db: Database, make_account: MakeAccount) -> None:
    await make_account("one", email="same@example.org")
    with pytest.raises(Conflict) as caught:
        await make_account("two", email="SAME@example.org")
    assert caught.value.field == "email"


async def test_authenticate_by_handle_or_email(db: Database, make_account: MakeAccount) -> None:
    account = await make_account("lena", email="lena@example.org", password="lighthouse keeper")
    by_handle = await service.authenticate(db=db, login="@LENA", password="lighthouse keeper")
    by_email = await service.authenticate(
        db=db, login="lena@example.org", password="lighthouse keeper"
    )
    assert by_handle is not None and by_handle.id == account.id
    assert by_email is not None and by_email.id == account.id
    assert await service.authenticate(db=db, login="lena", password="wrong password") is None
    assert await service.authenticate(db=db, login="nobody", password="lighthouse keeper") is None


async def test_profile_update_checks_each_field(db: Database, make_account: MakeAccount) -> None:
    account = await make_account("tomas")
    updated = await service.update_profile(
        db=db,
        account_id=account.id,
        display_name="Tomás",
        bio="Teacher\nin Madrid",
        time_zone="Europe/Madrid",
        website="https://example.org/tomas",
    )
    assert (updated.display_name, updated.time_zone) == ("Tomás", "Europe/Madrid")
    assert updated.bio == "Teacher\nin Madrid"
    for fields, field in [
        ({"time_zone": "Europe/Nowhere"}, "time_zone"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"bio": "x" * 501}, "note"),
    ]:
        with pytest.raises(Invalid) as caught:
            await service.update_profile(db=db, account_id=account.id, **fields)
        assert caught.value.field == field
    async with db.read() as session:
        again = await session.get(Account, account.id)
    assert again is not None and again.time_zone == "Europe/Madrid"


async def test_follow_and_unfollow_keep_counts(db: Database, make_account: MakeAccount) -> None:
    a, b = await make_account("a"), await make_account("b")
    assert await service.follow(db=db, follower_id=a.id, followee_id=b.id) is True
    assert await service.follow(db=db, follower_id=a.id, followee_id=b.id) is False
    async with db.read() as session:
        assert await service.is_following(session, a.id, b.id)
        fresh_a, fresh_b = await session.get(Account, a.id), await session.get(Account, b.id)
    assert fresh_a is not None and fresh_a.following_count == 1
    assert fresh_b is not None and fresh_b.followers_count == 1
    assert await service.unfollow(db=db, follower_id=a.id, followee_id=b.id) is True
    async with db.read() as session:
        fresh_b = await session.get(Account, b.id)
        assert not await service.is_following(session, a.id, b.id)
    assert fresh_b is not None and fresh_b.followers_count == 0
    with pytest.raises(Invalid):
        await service.follow(db=db, follower_id=a.id, followee_id=a.id)


async def test_followed_tags_match_case_insensitively(
    db: Database, make_account: MakeAccount
) -> None:
    account = await make_account("reader")
    await service.follow_tag(db=db, account_id=account.id, name="WriteChat")
    await service.follow_tag(db=db, account_id=account.id, name="#writechat")
    async with db.read() as session:
        tags = await service.followed_tags(session, account.id)
    assert [t.name for t in tags] == ["WriteChat"]
    with pytest.raises(Invalid):
        await service.follow_tag(db=db, account_id=account.id, name="not a tag")
    await service.unfollow_tag(db=db, account_id=account.id, name="WRITECHAT")
    async with db.read() as session:
        assert await service.followed_tags(session, account.id) == []


async def test_web_sessions_resolve_and_end(db: Database, make_account: MakeAccount) -> None:
    account = await make_account("surfer")
    token = await service.start_web_session(db=db, account_id=account.id)
    async with db.read() as session:
        found = await service.account_for_web_session(session, token)
    assert found is not None and found.id == account.id
    await service.end_web_session(db=db, token=token)
    async with db.read() as session:
        assert await service.account_for_web_session(session, token) is None
