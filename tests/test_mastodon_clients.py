"""Mastodon.py, the common Python client library, works against hashchat unchanged: it
registers an app, signs up, logs in, posts, reads a hashtag timeline, likes and reposts."""

from __future__ import annotations

from typing import Any

import pytest
from mastodon import Mastodon, MastodonAPIError

from tests.liveserver import LiveServer


def test_mastodon_py_signs_up_posts_and_reads_a_hashtag(live_server: LiveServer) -> None:
    client_id, client_secret = Mastodon.create_app(
        "hashchat-test", api_base_url=live_server.url, scopes=["read", "write", "follow"]
    )
    anonymous = Mastodon(
        client_id=client_id, client_secret=client_secret, api_base_url=live_server.url
    )
    token = anonymous.create_account(
        "mastouser",
        "a long password",
        "masto@example.org",
        agreement=True,
        locale="en",
        scopes=["read", "write", "follow"],
    )
    assert token
    api = Mastodon(access_token=token, api_base_url=live_server.url)
    me: Any = api.account_verify_credentials()
    assert me.username == "mastouser"

    again = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live_server.url)
    logged_in = again.log_in("mastouser", "a long password", scopes=["read", "write", "follow"])
    assert logged_in

    question: Any = api.status_post("Q1: what brings you here? #MastoChat")
    answer: Any = api.status_post("A1: curiosity #mastochat", in_reply_to_id=question.id)
    timeline: Any = api.timeline_hashtag("mastochat")
    assert [s.id for s in timeline] == [answer.id, question.id]
    assert timeline[1].tags[0].name == "MastoChat"
    liked: Any = api.status_favourite(question.id)
    assert liked.favourites_count == 1
    context: Any = api.status_context(answer.id)
    assert [s.id for s in context.ancestors] == [question.id]
    api.status_delete(answer.id)
    assert [s.id for s in api.timeline_hashtag("mastochat")] == [question.id]
    with pytest.raises(MastodonAPIError):
        api.status_post("x" * 300)
