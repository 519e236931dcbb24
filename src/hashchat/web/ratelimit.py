"""Rate limits (the ``limits`` library), in memory or shared through Redis between processes.

Defaults follow Mastodon's published limits: sign-ups and log-ins per IP address, posts per
account, and the API as a whole per account or per IP address.
"""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from hashchat.errors import RateLimited

RULES: dict[str, RateLimitItem] = {
    "sign_up": parse("25/5 minutes"),
    "log_in": parse("25/5 minutes"),
    "post": parse("300/3 hours"),
    "api_authenticated": parse("1500/5 minutes"),
    "api_anonymous": parse("300/5 minutes"),
    "token": parse("25/5 minutes"),
    # Linking an account on another network: Bluesky allows 30 createSession calls a 5
    # minutes per account, so a person retrying a wrong app password never reaches that.
    "bridge_link": parse("10/5 minutes"),
}


class RateLimiter:
    def __init__(self, *, enabled: bool = True, redis_url: str = "") -> None:
        self.enabled = enabled
        storage: Storage
        if redis_url:
            made = storage_from_string("async+" + redis_url, implementation="redispy")
            assert isinstance(made, Storage)
            storage = made
        else:
            storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(storage)

    async def hit(self, rule: str, who: str) -> None:
        """Count one action by ``who`` under ``rule``; raise RateLimited when over the limit."""
        if not self.enabled:
            return
        item = RULES[rule]
        if not await self.limiter.hit(item, rule, who):
            stats = await self.limiter.get_window_stats(item, rule, who)
            retry = max(1, int(stats.reset_time - time.time()))
            raise RateLimited(f"too many requests; try again in {retry} seconds", retry_after=retry)
