"""Web Push: an app subscribes with its push service's endpoint and keys; a mention and a chat
reminder reach that endpoint, encrypted for the app's keys (RFC 8291) and signed with the
server's VAPID key, whose public half the instance and app entities give; alerts turned off
send nothing; a push service that says the subscription is gone (410) ends it, one that fails
is tried again later."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import http_ece
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from hashchat.config import get_settings
from hashchat.notifications import service as notifications
from hashchat.notifications.models import PushDelivery, PushSubscription
from hashchat.notifications.push import send_due
from hashchat.posts import service
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from tests.conftest import MakeAccount, auth
from tests.push_service import PushService, push_service

__all__ = ["push_service"]  # the fixture


@dataclass
class Browser:
    """What a browser or app keeps for a subscription: its key pair and auth secret."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    secret: bytes = field(default_factory=lambda: os.urandom(16))

    def keys(self) -> dict[str, str]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": base64.urlsafe_b64encode(point).decode().rstrip("="),
                "auth": base64.urlsafe_b64encode(self.secret).decode().rstrip("=")}  # fmt: skip

    def read(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.secret)
        message: dict[str, Any] = json.loads(plain)
        return message


async def _subscribe(client: httpx.AsyncClient, token: str, endpoint: str, browser: Browser,
                     **alerts: bool) -> httpx.Response:  # fmt: skip
    return await client.post(
        "/api/v1/push/subscription",
        json={"subscription": {"endpoint": endpoint, "keys": browser.keys(), "standard": True},
              "data": {"alerts": alerts, "policy": "all"}},
        headers=auth(token),
    )  # fmt: skip


async def test_mentions_and_reminders_are_pushed_encrypted_and_signed(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any,
    push_service: PushService,
) -> None:  # fmt: skip
    kai = await make_account("kai")
    maya = await make_account("maya", display_name="Maya")
    token = await token_for(kai, "read write push")
    phone = Browser()
    made = await _subscribe(client, token, f"{push_service.url}/push/kai", phone,
                            mention=True, favourite=False)  # fmt: skip
    assert made.status_code == 200, made.text
    server_key = made.json()["server_key"]
    assert made.json()["alerts"]["mention"] is True and made.json()["alerts"]["favourite"] is False
    assert made.json()["alerts"]["chat.reminder"] is True  # hashchat's own: on unless turned off
    assert made.json()["standard"] is True  # RFC 8291, as asked
    instance = (await client.get("/api/v2/instance")).json()
    assert instance["configuration"]["vapid"]["public_key"] == server_key
    assert (await client.get("/api/v1/push/subscription", headers=auth(token))).json()[
        "endpoint"
    ] == f"{push_service.url}/push/kai"

    post = await service.create_post(db=db, author=kai, text="A1: tea")
    await service.create_post(db=db, author=maya, text="@kai yes!", in_reply_to_id=post.id)
    await service.favourite(db=db, account=maya, post_id=post.id)  # alert off: not pushed
    async with db.write() as session:
        await notifications.notify(session, recipient=kai, type="chat.reminder",
                                   text="#writechat starts in 15 minutes")  # fmt: skip
    sent, upcoming = await send_due(db=db, settings=get_settings(), now=utcnow())
    assert sent == 2 and upcoming is None
    assert [path for path, _, _ in push_service.received] == ["/push/kai", "/push/kai"]
    mention, reminder = (phone.read(body) for _, _, body in push_service.received)
    assert mention["notification_type"] == "mention" and mention["title"] == "Maya mentioned you"
    assert mention["body"] == "@kai yes!" and mention["icon"].endswith(".png")
    assert reminder["notification_type"] == "chat.reminder"
    assert reminder["body"] == "#writechat starts in 15 minutes"
    headers = {k.lower(): v for k, v in push_service.received[0][1].items()}
    assert headers["authorization"].startswith("vapid t=")
    assert headers["authorization"].endswith(f"k={server_key}")
    assert headers["content-encoding"] == "aes128gcm" and headers["urgency"] == "high"
    assert (await send_due(db=db, settings=get_settings(), now=utcnow()))[0] == 0  # once

    # Turn mentions off: nothing more is queued.
    changed = await client.put("/api/v1/push/subscription",
                               json={"data": {"alerts": {"mention": False}}}, headers=auth(token))  # fmt: skip
    assert changed.json()["alerts"]["mention"] is False
    await service.create_post(db=db, author=maya, text="@kai again")
    assert (await send_due(db=db, settings=get_settings(), now=utcnow()))[0] == 0
    assert (await client.delete("/api/v1/push/subscription", headers=auth(token))).json() == {}
    assert (await client.get("/api/v1/push/subscription", headers=auth(token))).status_code == 404


async def test_a_gone_subscription_ends_and_a_failing_service_is_tried_again(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any,
    push_service: PushService,
) -> None:  # fmt: skip
    kai = await make_account("kai")
    maya = await make_account("maya")
    gone, flaky = await token_for(kai, "read push"), await token_for(kai, "read push")
    push_service.status = {"/push/gone": 410, "/push/flaky": 500}
    await _subscribe(client, gone, f"{push_service.url}/push/gone", Browser(), mention=True)
    await _subscribe(client, flaky, f"{push_service.url}/push/flaky", Browser(), mention=True)
    await service.create_post(db=db, author=maya, text="hi @kai")
    now = utcnow()
    assert (await send_due(db=db, settings=get_settings(), now=now))[0] == 0
    async with db.read() as session:
        left = list(await session.scalars(select(PushSubscription.endpoint)))
        waiting = list(await session.scalars(select(PushDelivery)))
    assert left == [f"{push_service.url}/push/flaky"]
    assert len(waiting) == 1 and waiting[0].attempts == 1 and waiting[0].sent_at is None
    assert waiting[0].next_attempt_at == now + timedelta(seconds=30)
    push_service.status = {}
    assert (await send_due(db=db, settings=get_settings(), now=now + timedelta(seconds=31)))[0] == 1


async def test_subscriptions_need_a_token_and_good_keys(
    client: httpx.AsyncClient, make_account: MakeAccount, token_for: Any
) -> None:
    kai = await make_account("kai")
    without_push = await token_for(kai, "read write")
    token = await token_for(kai, "read push")
    browser = Browser()
    refused = await _subscribe(client, without_push, "https://push.example/x", browser)
    assert refused.status_code == 403
    assert (await client.get("/api/v1/push/subscription")).status_code == 401
    for bad, field_name in [
        ({"subscription": {"endpoint": "ftp://x", "keys": browser.keys()}}, "subscription[endpoint]"),
        ({"subscription": {"endpoint": "https://p.example/x", "keys": {"p256dh": "abc", "auth": "x"}}},
         "subscription[keys][p256dh]"),
        ({"subscription": {"endpoint": "https://p.example/x", "keys": browser.keys()},
          "data": {"policy": "friends"}}, "data[policy]"),
    ]:  # fmt: skip
        response = await client.post("/api/v1/push/subscription", json=bad, headers=auth(token))
        assert response.status_code == 422 and response.json()["field"] == field_name
    app = (await client.post("/api/v1/apps", json={"client_name": "phone",
           "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})).json()  # fmt: skip
    assert app["vapid_key"] == get_settings().vapid_public_key() and len(app["vapid_key"]) == 87


async def test_a_queued_push_wakes_the_sender_once_committed(
    client: httpx.AsyncClient, db: Database, make_account: MakeAccount, token_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Pushes go out as soon as their notification is committed (the reconciler is poked), not
    at its next pass; a transaction that rolls back pokes nothing."""
    from hashchat.notifications import push

    kai = await make_account("kai")
    await _subscribe(client, await token_for(kai, "read push"), "https://push.example/kai",
                     Browser(), mention=True)  # fmt: skip
    pokes: list[bool] = []
    monkeypatch.setattr(push, "on_queued", lambda: pokes.append(True))
    async with db.write() as session:
        await notifications.notify(session, recipient=kai, type="chat.reminder", text="soon")
        await notifications.notify(session, recipient=kai, type="chat.reminder", text="again")
        assert pokes == []  # not before the commit
    assert pokes == [True]  # once for the transaction
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            await notifications.notify(session, recipient=kai, type="chat.reminder", text="no")
            raise RuntimeError("rolled back")
    assert pokes == [True]
