"""Email: an outbox written in the transaction of what it tells about, sent afterwards by the
reconciler through the SMTP server of ``HASHCHAT_SMTP_URL`` (aiosmtplib).

Delivery is at least once: a row is leased (its next attempt pushed ``LEASE`` ahead) before
sending and marked sent after the server accepts it. Were the process to die in the moment
between the two, the message would go again once the lease ran out; it carries the same
Message-ID both times, so mail clients show it once. Failures are retried with back-off and
given up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.config import Settings
from hashchat.notifications.models import OutgoingEmail
from hashchat.storage.engine import Database

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 50


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # TLS from the first byte (smtps://, port 465)
    start_tls: bool | None  # STARTTLS: required (?starttls=1), off (=0), or used when offered

    def __repr__(self) -> str:  # never print the password
        return f"SmtpServer({self.host}:{self.port}, tls={self.use_tls}, starttls={self.start_tls})"


def smtp_server(url: str) -> SmtpServer:
    """``smtp://user:password@host:port`` (``smtps://`` for TLS; ``?starttls=1`` insists on
    STARTTLS, ``?starttls=0`` never uses it; by default it is used when the server offers it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("HASHCHAT_SMTP_URL is smtp://[user:password@]host[:port] or smtps://...")
    query = parse_qs(parts.query)
    use_tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if use_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=_flag(query.get("starttls", [""])[0]),
    )


def _flag(value: str) -> bool | None:
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    return None


def sender(settings: Settings) -> str:
    if settings.smtp_from:
        return settings.smtp_from
    host = urlsplit(settings.public_url).hostname or "localhost"
    return f"hashchat@{host}"


def queue_email(
    session: AsyncSession, *, settings: Settings, to: str, subject: str, body: str, now: datetime
) -> OutgoingEmail | None:
    """Add an email to the outbox in the caller's transaction (nothing when no SMTP server is
    configured: there would be nobody to send it)."""
    if not settings.smtp_url:
        return None
    host = urlsplit(settings.public_url).hostname or "localhost"
    email = OutgoingEmail(
        to_address=to,
        subject=subject[:200],
        body=body,
        message_id=f"<{uuid.uuid4().hex}@{host}>",
        created_at=now,
        next_attempt_at=now,
    )
    session.add(email)
    return email


def _message(email: OutgoingEmail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender(settings)
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body)
    return message


async def send_due(
    *, db: Database, settings: Settings, now: datetime
) -> tuple[int, datetime | None]:
    """Send the emails that are due; returns (how many were sent, when the next is due)."""
    if not settings.smtp_url:
        return 0, None
    server = smtp_server(settings.smtp_url)
    async with db.write() as session:
        due = list(
            await session.scalars(
                select(OutgoingEmail)
                .where(
                    OutgoingEmail.sent_at.is_(None),
                    OutgoingEmail.failed_at.is_(None),
                    OutgoingEmail.next_attempt_at <= now,
                )
                .order_by(OutgoingEmail.next_attempt_at)
                .limit(BATCH)
            )
        )
        leased = []
        for email in due:  # the lease: another process (or a restart) leaves it alone
            result = await session.execute(
                update(OutgoingEmail)
                .where(OutgoingEmail.id == email.id, OutgoingEmail.next_attempt_at <= now)
                .values(next_attempt_at=now + LEASE, attempts=OutgoingEmail.attempts + 1)
                .execution_options(synchronize_session=False)  # email.attempts: the count before
            )
            if getattr(result, "rowcount", 0):
                leased.append(email)
    sent = 0
    for email in leased:
        try:
            await aiosmtplib.send(
                _message(email, settings),
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.use_tls,
                start_tls=server.start_tls,
                timeout=30,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            attempts = email.attempts + 1
            log.warning(
                "email %s to the SMTP server failed (attempt %d): %s", email.id, attempts, exc
            )
            async with db.write() as session:
                values: dict[str, object] = {"last_error": str(exc)[:500]}
                if attempts >= MAX_ATTEMPTS:
                    values["failed_at"] = now
                else:
                    values["next_attempt_at"] = now + BACKOFF[attempts - 1]
                await session.execute(
                    update(OutgoingEmail).where(OutgoingEmail.id == email.id).values(**values)
                )
            continue
        async with db.write() as session:
            await session.execute(
                update(OutgoingEmail).where(OutgoingEmail.id == email.id).values(sent_at=now)
            )
        sent += 1
    async with db.read() as session:
        upcoming = await session.scalar(
            select(OutgoingEmail.next_attempt_at)
            .where(OutgoingEmail.sent_at.is_(None), OutgoingEmail.failed_at.is_(None))
            .order_by(OutgoingEmail.next_attempt_at)
            .limit(1)
        )
    return sent, upcoming
