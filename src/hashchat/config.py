"""Settings, read from ``HASHCHAT_*`` environment variables (and a ``.env`` file if present).

Every setting has a default that works on a fresh machine: SQLite under ``./var/`` and a secret key
generated on first run and kept in ``./var/secret_key`` (mode 0600), so that sessions survive a
restart without the operator having to invent a key.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HASHCHAT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Directory for the SQLite file and the key.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; default sqlite+aiosqlite:///<data_dir>/hashchat.db"
    )
    secret_key: str = Field("", description="Signs cookies; generated and kept when unset.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    backlog: int = Field(
        16384, ge=64, le=1_000_000,
        description="Connections the kernel may hold before they are accepted (capped by "
        "net.core.somaxconn): a room's viewers all reconnect at once after a restart.",
    )  # fmt: skip
    base_url: str = Field("", description="Public URL, e.g. https://chat.example.org")
    post_max_length: int = Field(280, ge=1, le=10_000)
    redis_url: str = Field("", description="redis://... to carry events between processes")
    redis_channel: str = Field("hashchat:events", min_length=1, max_length=100)
    redis_shards: str = Field(
        "", description="Several Redis nodes for events, comma-separated redis:// URLs (the "
        "same list, in the same order, in every process): each hashtag's events go through "
        "one of them. Empty: HASHCHAT_REDIS_URL alone.",
    )  # fmt: skip
    sqlite_synchronous: str = Field("FULL", pattern="^(FULL|NORMAL|EXTRA)$")
    registrations_open: bool = True
    rate_limits: bool = Field(True, description="Turn request rate limits on or off.")
    log_level: str = "info"
    # The chat directory and its background work (directory/, jobs/, notifications/).
    smtp_url: str = Field(
        "", description="smtp://user:password@host:port (smtps:// for TLS, ?starttls=1) for email"
    )
    smtp_from: str = Field("", description="From address of emails; default hashchat@<host>")
    vapid_private_key: str = Field(
        "", description="Web Push's VAPID key (PEM); generated and kept under data_dir when unset."
    )
    vapid_subject: str = Field(
        "", description="Who push services may contact (mailto: or https:); default the base URL."
    )
    jobs: bool = Field(True, description="Run the reconciler loop (reminders, chat health).")
    jobs_interval: float = Field(10.0, ge=0.05, le=3600, description="Reconciler pass, seconds.")
    presence_interval: float = Field(
        5.0, ge=0.1, le=60,
        description="Seconds between a process's reports of how many watch each room.",
    )  # fmt: skip
    chat_approval: bool = Field(
        False, description="New chat listings wait for an admin (admins can change it live)."
    )
    stream_buffer: int = Field(
        2000, ge=10, le=100_000, description="Messages a slow viewer may fall behind."
    )
    stream_heartbeat: float = Field(15.0, gt=0, le=30, description="Seconds between heartbeats.")
    stream_coalesce_ms: float = Field(
        50.0, ge=0, le=1000,
        description="At most one write to each viewer per this many ms: posts arriving "
        "closer together go out in one write (0: each batch at once).",
    )  # fmt: skip
    # Overload (posts/writer.py): a post is committed soon or refused at once (503 with
    # Retry-After), never left waiting behind a queue that grows.
    write_queue_depth: int = Field(
        500, ge=1, le=100_000, description="Posts that may wait for the writer; more: 503."
    )
    write_queue_age_ms: float = Field(
        150.0, ge=10, le=60_000,
        description="A post that would wait longer than this for its commit is refused (503 "
        "with Retry-After); one still waiting after it is taken off the queue and refused.",
    )  # fmt: skip
    write_loop_lag_ms: float = Field(
        100.0, ge=1, le=60_000,
        description="While the event loop runs this late (it is saturated), new posts are "
        "refused (503 with Retry-After), so accepted ones and the viewers keep short turns.",
    )  # fmt: skip
    # Bridges (bridges/): other networks' posts with a bridged chat's hashtag, in its room.
    bridges: bool = Field(
        True, description="Consume the bridges' sources in this process (`hashchat serve`)."
    )
    bluesky_jetstream: str = Field(
        "wss://jetstream2.us-east.bsky.network/subscribe",
        description="Jetstream URL: /subscribe (v1) or "
        "/xrpc/network.bsky.jetstream.subscribeEvents (v2); empty: none.",
    )
    bluesky_firehose: str = Field(
        "", description="A relay's or PDS's subscribeRepos URL (wss://host), read instead."
    )
    bridge_lease_seconds: float = Field(
        15.0, ge=1, le=600, description="A consumer's lease on its source, renewed at a third."
    )

    # Bridges (bridges/): linked accounts on other networks, posting out.
    secret_key_previous: str = Field(
        "", description="Earlier secret keys, comma-separated: linked accounts' tokens sealed "
        "under them still open (`hashchat bridges reseal` moves them to the current key).",
    )  # fmt: skip
    bluesky_plc_url: str = Field(
        "https://plc.directory", description="The PLC directory that resolves did:plc DIDs."
    )
    bluesky_handle_resolver: str = Field(
        "", description="An XRPC service (a PDS, say) asked to resolve handles "
        "(com.atproto.identity.resolveHandle) instead of DNS and https://<handle>/.well-known.",
    )  # fmt: skip
    bluesky_timeout: float = Field(
        10.0, gt=0, le=120, description="Seconds to wait for a PDS or the PLC directory."
    )

    @field_validator("base_url", "bluesky_plc_url", "bluesky_handle_resolver")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("redis_shards")
    @classmethod
    def _check_shards(cls, value: str) -> str:
        urls = [u.strip() for u in value.split(",") if u.strip()]
        for url in urls:
            if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
                raise ValueError(f"HASHCHAT_REDIS_SHARDS: {url!r} is not a redis:// URL")
        if len(set(urls)) != len(urls):
            raise ValueError("HASHCHAT_REDIS_SHARDS names one Redis twice")
        return ",".join(urls)

    @property
    def broker_urls(self) -> list[str]:
        """The Redis nodes that carry events between processes: the shards when set, else
        ``redis_url`` alone, else none (one process, in-memory broker)."""
        if self.redis_shards:
            return self.redis_shards.split(",")
        return [self.redis_url] if self.redis_url else []

    @property
    def limits_redis_url(self) -> str:
        """Where the rate limits' counters live: ``redis_url``, else the first shard."""
        return self.redis_url or (self.broker_urls[:1] or [""])[0]

    @property
    def public_url(self) -> str:
        """The base of every URL hashchat writes: ``base_url``, else the address served."""
        if self.base_url:
            return self.base_url
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return f"http://{host}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        """Cookies get ``Secure`` when the public URL is https (i.e. behind a TLS proxy)."""
        return urlsplit(self.public_url).scheme == "https"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hashchat.db').as_posix()}"

    @property
    def previous_secret_keys(self) -> list[str]:
        return [k.strip() for k in self.secret_key_previous.split(",") if k.strip()]

    def resolved_secret_key(self) -> str:
        """The configured key, or the one kept under data_dir (created on first use)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # O_EXCL: two processes starting together must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key

    def resolved_vapid_key(self) -> str:
        """Web Push's VAPID private key (PEM, P-256): the configured one, or the one kept
        under data_dir (created on first use, mode 0600)."""
        if self.vapid_private_key:
            return self.vapid_private_key
        path = self.data_dir / "vapid_key.pem"
        if path.exists():
            return path.read_text()
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.data_dir.mkdir(parents=True, exist_ok=True)
        pem = (
            ec.generate_private_key(ec.SECP256R1())
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
        try:  # O_EXCL: two processes starting together keep one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text()
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
        return pem

    def vapid_public_key(self) -> str:
        """The VAPID public key as apps take it (``vapid_key``): base64url, uncompressed."""
        return _vapid_public(self.resolved_vapid_key())


@lru_cache(maxsize=8)
def _vapid_public(pem: str) -> str:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("HASHCHAT_VAPID_PRIVATE_KEY is not an EC (P-256) key")
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).decode().rstrip("=")


@lru_cache
def get_settings() -> Settings:
    return Settings()
