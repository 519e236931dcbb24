"""The running application's parts, built once at start-up and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from hashchat.config import Settings
from hashchat.storage.engine import Database
from hashchat.web.ratelimit import RateLimiter


@dataclass
class Runtime:
    settings: Settings
    db: Database
    limiter: RateLimiter
    secret_key: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        db = Database(
            settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        limiter = RateLimiter(enabled=settings.rate_limits, redis_url=settings.redis_url)
        return cls(settings, db, limiter, settings.resolved_secret_key())

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        await self.db.dispose()
