"""Mastodon.py (PyPI, unchanged) runs the apps' story against a live hashchat: log in, post,
read a tag timeline page by page, stream it over SSE (the library gave up at the stream's first
block), get notified of a reply on the user stream, search, edit."""

from __future__ import annotations

import threading
from typing import Any

from mastodon import Mastodon, StreamListener

from tests.clients.conftest import PASSWORD
from tests.liveserver import LiveServer
from tests.push_service import PushService, push_service

__all__ = ["push_service"]  # the fixture


class Heard(StreamListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.updates: list[Any] = []
        self.notifications: list[Any] = []
        self.edits: list[Any] = []
        self.arrived = threading.Event()

    def on_update(self, status: Any) -> None:
        self.updates.append(status)
        self.arrived.set()

    def on_notification(self, notification: Any) -> None:
        self.notifications.append(notification)
        self.arrived.set()

    def on_status_update(self, status: Any) -> None:
        self.edits.append(status)
        self.arrived.set()


def _wait(heard: Heard, what: str, count: int = 1) -> list[Any]:
    for _ in range(50):
        got: list[Any] = getattr(heard, what)
        if len(got) >= count:
            return got
        heard.arrived.wait(0.2)
        heard.arrived.clear()
    raise AssertionError(f"no {what} arrived: {heard.__dict__}")


def _log_in(server: LiveServer, handle: str) -> Mastodon:
    client_id, secret = Mastodon.create_app(
        f"story-{handle}", api_base_url=server.url, scopes=["read", "write", "follow", "push"]
    )
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.url)
    api.log_in(handle, PASSWORD, scopes=["read", "write", "follow", "push"])
    return api


def test_the_story_with_mastodon_py(story_server: LiveServer, push_service: PushService) -> None:
    maya, kai = _log_in(story_server, "maya"), _log_in(story_server, "kai")
    # Kai's phone subscribes to Web Push with keys Mastodon.py makes (and later decrypts).
    private, public = kai.push_subscription_generate_keys()
    subscribed = kai.push_subscription_set(
        f"{push_service.url}/push/kai", public, mention_events=True, favourite_events=False
    )
    assert subscribed.alerts.mention is True and subscribed.server_key
    assert maya.me().username == "maya"
    stats = maya.instance_v1().stats  # counted at most a minute ago
    assert all(isinstance(stats[k], int) for k in ("user_count", "status_count", "domain_count"))

    # Stream the tag (SSE) and kai's own events before anything is posted.
    tag_heard, kai_heard = Heard(), Heard()
    tag_stream = kai.stream_hashtag("PyStory", tag_heard, run_async=True)
    user_stream = kai.stream_user(kai_heard, run_async=True)
    try:
        for handle in (tag_stream, user_stream):
            for _ in range(50):
                if handle.is_receiving():
                    break
                threading.Event().wait(0.1)
        question = maya.status_post("Q1: what are you reading? #PyStory")
        answers = [kai.status_post(f"A1: book {i} #pystory") for i in range(4)]
        streamed = _wait(tag_heard, "updates", 5)
        assert [s.id for s in streamed] == [question.id, *(a.id for a in answers)]

        # The tag timeline, page by page with the Link header.
        seen: list[Any] = []
        page = kai.timeline_hashtag("pystory", limit=2)
        while page:
            seen += [s.id for s in page]
            page = kai.fetch_next(page)
        assert seen == [a.id for a in reversed(answers)] + [question.id]

        # Maya replies to kai: kai hears of it on the user stream and in the list.
        reply = maya.status_post("Nice pick @kai", in_reply_to_id=answers[0].id)
        heard = _wait(kai_heard, "notifications")
        assert heard[0].type == "mention" and heard[0].status.id == reply.id
        for _ in range(50):  # pushed as soon as the reply was committed
            if push_service.received:
                break
            threading.Event().wait(0.1)
        _, sent_headers, body = push_service.received[0]
        headers = {k.lower(): v for k, v in sent_headers.items()}
        pushed = kai.push_subscription_decrypt_push(  # Mastodon's encoding (not "standard")
            body, private, headers["encryption"], headers["crypto-key"]
        )
        assert pushed.notification_type == "mention" and pushed.body == "Nice pick @kai"
        listed = kai.notifications()
        assert [(n.type, n.account.username) for n in listed] == [("mention", "maya")]
        assert listed[0].status.in_reply_to_id == answers[0].id

        # Search: people, hashtags, posts.
        found = kai.search_v2("maya")
        assert [a.username for a in found.accounts] == ["maya"]
        assert [t.name for t in kai.search_v2("pystory", result_type="hashtags").hashtags] == [
            "PyStory"
        ]
        assert [s.id for s in kai.search_v2("book 2", result_type="statuses").statuses] == [
            answers[2].id
        ]

        # Edit: the history keeps both versions; the stream says it changed.
        edited = kai.status_update(answers[1].id, "A1: book one, finished #pystory")
        assert edited.edited_at is not None
        assert [h.content for h in kai.status_history(answers[1].id)] == [
            answers[1].content,
            edited.content,
        ]
        assert kai.status_source(answers[1].id).text == "A1: book one, finished #pystory"
        # (status.update also tells of new counts: the reply to answers[0] came first)
        for count in range(1, 5):
            changed = _wait(tag_heard, "edits", count)[-1]
            if str(changed.id) == str(answers[1].id):
                break
        assert changed.edited_at is not None and "finished" in changed.content
    finally:
        tag_stream.close()
        user_stream.close()
