"""Rate limits (the ``limits`` library), in memory or shared through Redis between processes.

Defaults follow Mastodon's published limits: sign-ups and log-ins per IP address, failed
log-ins per account (from any number of addresses), posts per account, and the API as a whole
per account or, without one, per IP address (web/apilimit.py, with Mastodon's
``X-RateLimit-*`` headers).

Redis is an optimisation, not a single point of failure: when it does not answer (within a
short timeout), this process counts on its own in memory and says so once in the log, tries
Redis again every few seconds, and goes back to it when it answers. During an outage each
process allows the whole limit on its own: for a few seconds, that is the better failure.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from hashchat.errors import RateLimited

log = logging.getLogger(__name__)
T = TypeVar("T")

RULES: dict[str, RateLimitItem] = {
    "sign_up": parse("25/5 minutes"),
    "log_in": parse("25/5 minutes"),
    # Failed log-ins to one account, whichever addresses they come from.
    "log_in_account": parse("10/15 minutes"),
    "post": parse("300/3 hours"),
    "api_authenticated": parse("1500/5 minutes"),
    "api_anonymous": parse("300/5 minutes"),
    "token": parse("25/5 minutes"),
    # Linking an account on another network: Bluesky allows 30 createSession calls a 5
    # minutes per account, so a person retrying a wrong app password never reaches that.
    "bridge_link": parse("10/5 minutes"),
}

#: How long one Redis call may take before this process counts on its own (seconds).
REDIS_TIMEOUT = 0.5
#: How often Redis is tried again during an outage (seconds).
REDIS_RETRY = 3.0


@dataclass(frozen=True, slots=True)
class Window:
    """Where a caller stands in a fixed window: Mastodon's ``X-RateLimit-*`` headers."""

    limit: int
    remaining: int
    reset: float  # when the window ends, as a Unix time

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def retry_after(self, now: float | None = None) -> int:
        return max(1, int(self.reset - (now if now is not None else time.time())) + 1)

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(max(0, self.remaining)).encode()),
            (b"x-ratelimit-reset", _iso(self.reset)),
        ]


@lru_cache(maxsize=64)
def _iso(at: float) -> bytes:
    """A window's end as Mastodon writes it (2026-03-12T20:05:00.000Z); a few windows are
    current at a time, so each is formatted once."""
    text = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z").encode()


class _Backend:
    def __init__(self, storage: Storage, pool: ConnectionPool | None = None) -> None:
        self.storage = storage
        self.moving = MovingWindowRateLimiter(storage)
        self.pool = pool  # Redis's connections, ours to close


def _redis_backend(url: str) -> _Backend:
    from limits.aio.storage import RedisStorage
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    # Short timeouts and no retries inside redis-py: a refused or silent connection is an
    # outage, and we count in memory instead of keeping a request waiting.
    no_retry = Retry(NoBackoff(), 0)
    pool = ConnectionPool.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        retry=no_retry,
    )
    options: dict[str, Any] = {"connection_pool": pool, "retry": no_retry}
    storage = RedisStorage(
        "async+" + url, implementation="redispy", wrap_exceptions=True, **options
    )
    return _Backend(storage, pool)


class RateLimiter:
    def __init__(
        self, *, enabled: bool = True, redis_url: str = "", retry_every: float = REDIS_RETRY
    ) -> None:
        self.enabled = enabled
        self.memory = _Backend(MemoryStorage())
        self.redis = _redis_backend(redis_url) if redis_url else None
        self.retry_every = retry_every
        self.outage_since: float | None = None  # monotonic time Redis stopped answering
        self.next_try = 0.0
        self.probing = False

    async def close(self) -> None:
        if self.redis is not None and self.redis.pool is not None:
            await self.redis.pool.disconnect()

    @property
    def counting_in_redis(self) -> bool:
        return self.redis is not None and self.outage_since is None

    async def _run(self, operation: Callable[[_Backend], Awaitable[T]]) -> T:
        """``operation`` on Redis while it answers, else on this process's memory."""
        redis = self.redis
        if redis is None:
            return await operation(self.memory)
        now = time.monotonic()
        if self.outage_since is not None and (self.probing or now < self.next_try):
            return await operation(self.memory)
        self.probing = self.outage_since is not None  # one request tries; others go on
        try:
            result = await asyncio.wait_for(operation(redis), REDIS_TIMEOUT * 2)
        except (StorageError, RedisError, OSError, TimeoutError) as exc:
            if self.outage_since is None:
                self.outage_since = now
                log.warning("rate limits: Redis unavailable, counting in this process (%s)", exc)
            self.next_try = time.monotonic() + self.retry_every
            return await operation(self.memory)
        finally:
            self.probing = False
        if self.outage_since is not None:
            log.warning(
                "rate limits: Redis answers again after %.0f s, counting there again",
                now - self.outage_since,
            )
            self.outage_since = None
        return result

    async def hit(self, rule: str, who: str) -> None:
        """Count one action by ``who`` under ``rule``; raise RateLimited when over the limit."""
        if not self.enabled:
            return
        item = RULES[rule]

        async def hit(backend: _Backend) -> int | None:
            if await backend.moving.hit(item, rule, who):
                return None
            stats = await backend.moving.get_window_stats(item, rule, who)
            return max(1, int(stats.reset_time - time.time()))

        retry = await self._run(hit)
        if retry is not None:
            raise RateLimited(f"too many requests; try again in {retry} seconds", retry_after=retry)

    async def check(self, rule: str, who: str) -> None:
        """RateLimited if ``who`` has used up ``rule`` already; counts nothing."""
        if not self.enabled:
            return
        item = RULES[rule]

        async def test(backend: _Backend) -> int | None:
            if await backend.moving.test(item, rule, who):
                return None
            stats = await backend.moving.get_window_stats(item, rule, who)
            return max(1, int(stats.reset_time - time.time()))

        retry = await self._run(test)
        if retry is not None:
            raise RateLimited(f"too many attempts; try again in {retry} seconds", retry_after=retry)

    async def count(self, rule: str, who: str) -> None:
        """Count one action by ``who`` under ``rule`` without refusing it."""
        if not self.enabled:
            return
        item = RULES[rule]

        async def hit(backend: _Backend) -> bool:
            return await backend.moving.hit(item, rule, who)

        await self._run(hit)

    async def window(self, rule: str, who: str, *, now: float | None = None) -> Window:
        """Count one request by ``who`` in ``rule``'s current fixed window (aligned to the clock,
        as Mastodon's are): one increment, whatever the storage."""
        item = RULES[rule]
        period = item.get_expiry()
        at = time.time() if now is None else now
        start = int(at // period) * period
        key = f"api/{rule}/{who}/{start}"

        async def incr(backend: _Backend) -> int:
            return await backend.storage.incr(key, period)

        used = await self._run(incr)
        return Window(limit=item.amount, remaining=item.amount - used, reset=start + period)

    def log_in_guard(self) -> LogInGuard:
        return LogInGuard(self)


class LogInGuard:
    """The per-account log-in throttle, as accounts.service.authenticate asks for it: refused
    before the password is checked once an account has had too many failures (so a right
    guess then tells nothing), and each failure counted."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def before(self, key: str) -> None:
        await self.limiter.check("log_in_account", key)

    async def failed(self, key: str) -> None:
        await self.limiter.count("log_in_account", key)
