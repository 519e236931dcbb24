"""A server's address as people type it: any text is either a clean ``https://host[:port]``
(the same when read again) or a clear Invalid on its field, never anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashchat.bridges.mastodon.servers import check_server
from hashchat.bridges.mastodon.statuses import id_key
from hashchat.errors import Invalid


@pytest.mark.parametrize(
    ("typed", "server"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("  https://Mastodon.Social/ ", "https://mastodon.social"),
        ("@alice@fosstodon.org", "https://fosstodon.org"),
        ("https://mastodon.social:443", "https://mastodon.social"),
        ("https://social.example:8443", "https://social.example:8443"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("http://localhost:3000/", "http://localhost:3000"),
    ],
)
def test_addresses_people_type(typed: str, server: str) -> None:
    assert check_server(typed) == server


@given(st.text(max_size=80))
def test_any_text_is_a_clean_server_or_invalid(typed: str) -> None:
    try:
        server = check_server(typed, field="bridges")
    except Invalid as error:
        assert error.field == "bridges"
        return
    assert server.startswith(("https://", "http://")) and not server.endswith("/")
    assert check_server(server) == server


@given(st.lists(st.integers(min_value=0, max_value=2**63 - 1), min_size=2))
def test_status_ids_order_as_numbers(ids: list[int]) -> None:
    assert sorted(map(str, ids), key=id_key) == [str(n) for n in sorted(ids)]
