"""Web Push: phone and browser apps hear of notifications without polling (Mastodon's
/api/v1/push/subscription). A subscription belongs to one access token and names the
notification types it wants (``alerts``) and from whom (``policy``).

A notification queues one message per subscription that wants it, in the notification's own
transaction (``push_deliveries``); the reconciler sends them (``send_due``) with pywebpush
as soon as that transaction commits (``on_queued`` pokes it),
encrypted for the subscription's keys and signed with the server's VAPID key, and retries with
back-off while the push service fails; a subscription the push service says is gone (404, 410)
is deleted. hashchat's chat reminders are pushed unless ``alerts`` turns ``chat.reminder`` off,
as Mastodon apps know no such alert.

Subscriptions made with ``subscription[standard]=true`` get RFC 8291 (``aes128gcm``), the
others the draft encoding Mastodon uses for them and its apps decrypt (``aesgcm``). The payload
is Mastodon's (``notification_id``, ``notification_type``, ``title``, ``body``,
``icon``, ``preferred_locale``) without ``access_token``: only tokens' hashes are kept here.
"""

from __future__ import annotations

import base64
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.config import Settings
from hashchat.errors import Invalid, NotFound
from hashchat.notifications.models import Notification, PushDelivery, PushSubscription
from hashchat.security import digest
from hashchat.storage.engine import Database

log = logging.getLogger(__name__)

ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll",
          "update", "admin.sign_up", "admin.report", "chat.reminder")  # fmt: skip
POLICIES = ("all", "followed", "follower", "none")
ON_BY_DEFAULT = ("chat.reminder",)  # hashchat's own: Mastodon apps cannot ask for it
BATCH = 100
LEASE = timedelta(minutes=2)
BACKOFF = [timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600)]
MAX_ATTEMPTS = len(BACKOFF) + 1
TTL_SECONDS = 2 * 24 * 3600


# -- the server's VAPID key (config.py keeps it) -----------------------------------------------


def subject(settings: Settings) -> str:
    if settings.vapid_subject:
        return settings.vapid_subject
    if settings.public_url.startswith("https://"):
        return settings.public_url
    host = urlsplit(settings.public_url).hostname or ""
    # py_vapid takes a mailto: only to a domain with a dot in it (or localhost)
    return f"mailto:hashchat@{host if '.' in host else 'localhost'}"


# -- subscriptions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubscriptionDraft:
    endpoint: str | None
    p256dh: str | None
    auth: str | None
    alerts: dict[str, bool] | None
    policy: str | None
    standard: bool = False


def _flag(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1", "on")


def _b64(value: object, field: str, size: int | None = None) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(f"{field} is required", field=field)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise Invalid(f"{field} must be base64url", field=field) from None
    if size is not None and len(raw) != size:
        raise Invalid(f"{field} must be {size} bytes, base64url", field=field)
    return value


def check_subscription(params: dict[str, Any], *, new: bool) -> SubscriptionDraft:
    """``subscription[endpoint]``, ``subscription[keys][p256dh|auth]``, ``data[alerts][type]``
    and ``data[policy]`` (form or JSON), checked; Invalid names the field."""

    def nested(value: object) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    sub = nested(params.get("subscription"))
    data = nested(params.get("data"))
    keys = nested(sub.get("keys"))
    endpoint = sub.get("endpoint", params.get("subscription[endpoint]"))
    p256dh = keys.get("p256dh", params.get("subscription[keys][p256dh]"))
    auth = keys.get("auth", params.get("subscription[keys][auth]"))
    if new:
        if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("https", "http"):
            raise Invalid("subscription[endpoint] is the push service's URL",
                          field="subscription[endpoint]")  # fmt: skip
        if len(endpoint) > 2000:
            raise Invalid("subscription[endpoint] is too long", field="subscription[endpoint]")
        p256dh = _b64(p256dh, "subscription[keys][p256dh]", 65)
        auth = _b64(auth, "subscription[keys][auth]", 16)
    alerts: dict[str, bool] | None = None
    given = nested(data.get("alerts"))
    for name in ALERTS:
        value = given.get(name, params.get(f"data[alerts][{name}]"))
        if value is not None:
            alerts = alerts or {}
            alerts[name] = _flag(value)
    policy = data.get("policy", params.get("data[policy]", params.get("policy")))
    if policy is not None and policy not in POLICIES:
        raise Invalid(f"data[policy] is {', '.join(POLICIES)}", field="data[policy]")
    standard = _flag(sub.get("standard", params.get("subscription[standard]", False)))
    return SubscriptionDraft(endpoint if new else None, p256dh, auth, alerts, policy, standard)


def _alerts(row: PushSubscription) -> dict[str, bool]:
    stored = orjson.loads(row.alerts or "{}")
    return {name: bool(stored.get(name, name in ON_BY_DEFAULT)) for name in ALERTS}


def _standard(row: PushSubscription) -> bool:
    """RFC 8291 (``aes128gcm``, Mastodon's ``standard``) or the draft most apps decrypt
    (``aesgcm``). Kept with the alerts, as ``_standard``: one more flag of the subscription."""
    return bool(orjson.loads(row.alerts or "{}").get("_standard", False))


def subscription_entity(row: PushSubscription, settings: Settings) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "endpoint": row.endpoint,
        "standard": _standard(row),
        "alerts": _alerts(row),
        "policy": row.policy,
        "server_key": settings.vapid_public_key(),
    }


async def subscribe(
    *, db: Database, token: str, account_id: int, draft: SubscriptionDraft
) -> PushSubscription:
    """The token's subscription, made anew (Mastodon: a POST replaces the old one)."""
    async with db.write() as session:
        existing = await session.scalar(
            select(PushSubscription).where(PushSubscription.token_hash == digest(token))
        )
        if existing is not None:
            await session.delete(existing)
            await session.flush()
        row = PushSubscription(
            token_hash=digest(token), account_id=account_id, endpoint=draft.endpoint,
            p256dh=draft.p256dh, auth=draft.auth,
            alerts=orjson.dumps({**(draft.alerts or {}), "_standard": draft.standard}).decode(),
            policy=draft.policy or "all",
        )  # fmt: skip
        session.add(row)
        await session.flush()
        return row


async def change(*, db: Database, token: str, draft: SubscriptionDraft) -> PushSubscription:
    async with db.write() as session:
        row = await _of_token(session, token)
        if draft.alerts is not None:
            row.alerts = orjson.dumps({**orjson.loads(row.alerts or "{}"), **draft.alerts}).decode()
        if draft.policy is not None:
            row.policy = draft.policy
        return row


async def _of_token(session: AsyncSession, token: str) -> PushSubscription:
    row = await session.scalar(
        select(PushSubscription).where(PushSubscription.token_hash == digest(token))
    )
    if row is None:
        raise NotFound("Record not found", field="subscription")
    return row


async def get(session: AsyncSession, *, token: str) -> PushSubscription:
    return await _of_token(session, token)


async def unsubscribe(*, db: Database, token: str) -> None:
    async with db.write() as session:
        row = await session.scalar(
            select(PushSubscription).where(PushSubscription.token_hash == digest(token))
        )
        if row is not None:
            await session.delete(row)


# -- queueing and sending -------------------------------------------------------------------------


def _title(entity: dict[str, Any]) -> str:
    who = entity["account"].get("display_name") or entity["account"]["acct"]
    return {
        "mention": f"{who} mentioned you", "status": f"{who} just posted",
        "reblog": f"{who} reposted your post", "follow": f"{who} followed you",
        "favourite": f"{who} liked your post", "poll": "A poll has ended",
        "update": f"{who} edited a post",
    }.get(entity["type"], "hashchat")  # fmt: skip


def payload(entity: dict[str, Any]) -> dict[str, Any]:
    """Mastodon's push payload for a Notification entity (text, never HTML)."""
    status = entity.get("status") or {}
    body = entity.get("text") or status.get("text") or ""
    return {
        "notification_id": entity["id"],
        "notification_type": entity["type"],
        "preferred_locale": "en",
        "title": _title(entity),
        "body": body[:500],
        "icon": entity["account"]["avatar_static"],
    }


#: Called once a transaction that queued pushes has committed (the process's reconciler's poke;
#: set by ``Runtime.start``). None: they wait for the reconciler's next pass.
on_queued: Callable[[], None] | None = None


def _poke(session: Any) -> None:
    session.info.pop("push_poke", None)
    if on_queued is not None:
        on_queued()


async def queue(session: AsyncSession, notification: Notification, entity: dict[str, Any]) -> None:
    """Queue ``notification`` for each of the recipient's subscriptions that wants it, in the
    caller's transaction (sent after it commits, by the reconciler)."""
    rows = list(
        await session.scalars(
            select(PushSubscription).where(PushSubscription.account_id == notification.account_id)
        )
    )
    wanted = [r for r in rows if r.policy != "none" and _alerts(r).get(notification.type, False)]
    if not wanted:
        return
    if on_queued is not None and not session.info.get("push_poke"):
        # Once the transaction commits, the reconciler sends at once (not at its next pass).
        session.info["push_poke"] = True
        event.listen(session.sync_session, "after_commit", _poke, once=True)
    body = orjson.dumps(payload(entity)).decode()
    urgency = "high" if notification.type in ("mention", "chat.reminder") else "normal"
    session.add_all(
        PushDelivery(subscription_id=r.id, payload=body, urgency=urgency,
                     created_at=notification.created_at, next_attempt_at=notification.created_at)
        for r in wanted
    )  # fmt: skip


async def send_due(
    *, db: Database, settings: Settings, now: datetime
) -> tuple[int, datetime | None]:
    """Send the pushes that are due; (how many were sent, when the next is due)."""
    from pywebpush import WebPushException

    async with db.write() as session:
        due = list(
            await session.execute(
                select(PushDelivery, PushSubscription)
                .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
                .where(PushDelivery.sent_at.is_(None), PushDelivery.failed_at.is_(None),
                       PushDelivery.next_attempt_at <= now)
                .order_by(PushDelivery.next_attempt_at)
                .limit(BATCH)
            )
        )  # fmt: skip
        leased = []
        for delivery, subscription in due:  # leased: another process leaves it alone
            result = await session.execute(
                update(PushDelivery)
                .where(PushDelivery.id == delivery.id, PushDelivery.next_attempt_at <= now)
                .values(next_attempt_at=now + LEASE, attempts=PushDelivery.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0):
                leased.append((delivery.id, delivery.attempts, delivery.payload, delivery.urgency,
                               subscription.id, subscription.endpoint, subscription.p256dh,
                               subscription.auth, _standard(subscription)))  # fmt: skip
    sent = 0
    pem = settings.resolved_vapid_key()
    for (
        delivery_id,
        attempts,
        body,
        urgency,
        subscription_id,
        endpoint,
        p256dh,
        auth,
        std,
    ) in leased:
        try:
            await _push(endpoint, p256dh, auth, body, urgency, standard=std, settings=settings,
                        pem=pem)  # fmt: skip
        except WebPushException as exc:
            gone = exc.response is not None and exc.status_code in (404, 410)
            await _failed(db, delivery_id, subscription_id, attempts + 1, now, str(exc), gone=gone)
            continue
        except (OSError, TimeoutError) as exc:
            await _failed(db, delivery_id, subscription_id, attempts + 1, now, str(exc), gone=False)
            continue
        async with db.write() as session:
            await session.execute(
                update(PushDelivery).where(PushDelivery.id == delivery_id).values(sent_at=now)
            )
        sent += 1
    async with db.read() as session:
        upcoming = await session.scalar(
            select(PushDelivery.next_attempt_at)
            .where(PushDelivery.sent_at.is_(None), PushDelivery.failed_at.is_(None))
            .order_by(PushDelivery.next_attempt_at)
            .limit(1)
        )
    return sent, upcoming


async def _push(
    endpoint: str, p256dh: str, auth: str, body: str, urgency: str, *, standard: bool,
    settings: Settings, pem: str,
) -> None:  # fmt: skip
    """Encrypt ``body`` for the subscription and POST it to its push service; raises
    pywebpush's WebPushException for an error answer."""
    import aiohttp
    from pywebpush import WebPusher, WebPushException, webpush_async

    info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
    claims: dict[str, str | int] = {"sub": subject(settings)}
    if standard:
        await webpush_async(
            subscription_info=info, data=body, vapid_private_key=_vapid(pem, True),
            vapid_claims=claims, ttl=TTL_SECONDS, timeout=15, headers={"Urgency": urgency},
        )  # fmt: skip
        return
    # The draft encoding as Mastodon sends it (its apps and Mastodon.py read these headers so):
    # "Crypto-Key: dh=<the message's key>;p256ecdsa=<the server's VAPID key>", "Encryption".
    encoded = WebPusher(info).encode(body.encode(), "aesgcm")
    parts = urlsplit(endpoint)
    claims.update(aud=f"{parts.scheme}://{parts.netloc}", exp=int(time.time()) + 12 * 3600)
    signed = _vapid(pem, False).sign(claims)
    headers = {
        "Authorization": signed["Authorization"],
        "Crypto-Key": f"dh={encoded['crypto_key'].decode()};{signed['Crypto-Key']}",
        "Encryption": f"salt={encoded['salt'].decode()}",
        "Content-Encoding": "aesgcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(TTL_SECONDS),
        "Urgency": urgency,
    }
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http,
        http.post(endpoint, data=encoded["body"], headers=headers) as response,
    ):
        if response.status >= 400:
            raise WebPushException(f"Push failed: {response.status}", response=response)


@functools.lru_cache(maxsize=4)
def _vapid(pem: str, standard: bool) -> Any:
    """RFC 8292's ``vapid t=..,k=..`` for standard subscriptions; the draft's ``WebPush`` with
    ``Crypto-Key: p256ecdsa=..`` (what Mastodon sends and its apps check) for the others."""
    from py_vapid import Vapid01, Vapid02

    return (Vapid02 if standard else Vapid01).from_pem(pem.encode())


async def _failed(
    db: Database, delivery_id: int, subscription_id: int, attempts: int, now: datetime,
    error: str, *, gone: bool,
) -> None:  # fmt: skip
    log.warning("push %s failed (attempt %d): %s", delivery_id, attempts, error[:200])
    async with db.write() as session:
        if gone:  # the app or browser unsubscribed: stop pushing to it
            subscription = await session.get(PushSubscription, subscription_id)
            if subscription is not None:
                await session.delete(subscription)
            return
        values: dict[str, object] = {"last_error": error[:500]}
        if attempts >= MAX_ATTEMPTS:
            values["failed_at"] = now
        else:
            values["next_attempt_at"] = now + BACKOFF[attempts - 1]
        await session.execute(
            update(PushDelivery).where(PushDelivery.id == delivery_id).values(**values)
        )
