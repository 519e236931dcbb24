"""Linked accounts' secrets sealed at rest: only the server's key opens them, only for the
linked account they were sealed for, and the previous key still opens them during a rotation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashchat.bridges.sealing import Sealer, Unsealable

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
