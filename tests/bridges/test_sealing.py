"""Linked accounts' secrets sealed at rest: only the server's key opens them, only for the
linked account they were sealed for, and the previous key still opens them during a rotation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashchat.bridges.sealing import Sealer, Unsealable
from tests.liveserver import LiveServer

secrets_dicts = st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=5)


@given(data=secrets_dicts, owner=st.text(min_size=1, max_size=50))
def test_what_is_sealed_opens_unchanged_and_shows_nothing(data: dict[str, str], owner: str) -> None:
    sealer = Sealer("the server secret")
    sealed = sealer.seal(owner, data)
    assert sealer.open(owner, sealed) == data
    for value in data.values():
        if len(value) >= 4:
            assert value not in sealed


def test_another_key_or_another_owner_opens_nothing() -> None:
    sealed = Sealer("one").seal("bluesky:1:did:plc:a", {"access_jwt": "t"})
    with pytest.raises(Unsealable):
        Sealer("two").open("bluesky:1:did:plc:a", sealed)
    with pytest.raises(Unsealable):
        Sealer("one").open("bluesky:2:did:plc:a", sealed)
    with pytest.raises(Unsealable):
        Sealer("one").open("bluesky:1:did:plc:a", sealed[:-4] + "AAAA")


def test_a_rotation_opens_the_old_and_reseals_under_the_new() -> None:
    old = Sealer("old key").seal("o", {"refresh_jwt": "r"})
    rotating = Sealer("new key", ["old key"])
    assert rotating.open("o", old) == {"refresh_jwt": "r"}
    resealed = rotating.reseal(old)
    assert Sealer("new key").open("o", resealed) == {"refresh_jwt": "r"}
    with pytest.raises(Unsealable):
        Sealer("old key").open("o", resealed)


def test_hashchat_links_reseal_moves_every_link_to_the_new_key(tmp_path: Path) -> None:
    """The rotation an operator runs: new key in place, old one listed as previous, reseal."""
    server = LiveServer(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert server.run_cli("db", "upgrade").returncode == 0
    made = server.run_cli("users", "create", "rota", "--password-stdin", input="rotation pass\n")
    assert made.returncode == 0, made.stderr
    owner = "bluesky:1:did:plc:abcdefghijklmnopqrstuvwx"
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute(
            "INSERT INTO linked_accounts (id, account_id, network, remote_id, handle, service_url,"
            " method, sealed, created_at, updated_at) VALUES (1, 1, 'bluesky',"
            " 'did:plc:abcdefghijklmnopqrstuvwx', 'rota.test', 'http://pds', 'app_password', ?,"
            " '2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000')",
            (Sealer("old secret").seal(owner, {"refresh_jwt": "r"}),),
        )
    server.extra_env = {"HASHCHAT_SECRET_KEY": "new secret"}
    refused = server.run_cli("links", "reseal")
    assert refused.returncode == 1 and "open under no known key" in refused.stdout

    server.extra_env["HASHCHAT_SECRET_KEY_PREVIOUS"] = "old secret"
    done = server.run_cli("links", "reseal")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resealed 1 linked account" in done.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        sealed = db.execute("SELECT sealed FROM linked_accounts").fetchone()[0]
    assert Sealer("new secret").open(owner, sealed) == {"refresh_jwt": "r"}
