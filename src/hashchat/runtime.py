"""The running application's parts, built once at start-up and shared by every request."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hashchat.config import Settings
from hashchat.posts.writer import writer_for
from hashchat.realtime.broker import Broker, MemoryBroker
from hashchat.realtime.hub import Hub
from hashchat.storage.checkpoint import Checkpointer
from hashchat.storage.engine import Database
from hashchat.web.ratelimit import RateLimiter

if TYPE_CHECKING:
    from hashchat.jobs.reconciler import Reconciler


def make_broker(settings: Settings) -> Broker:
    urls = settings.broker_urls
    if urls:
        from hashchat.realtime.redis import RedisBroker

        return RedisBroker(urls, channel=settings.redis_channel)
    return MemoryBroker()


@dataclass
class Runtime:
    settings: Settings
    db: Database
    limiter: RateLimiter
    secret_key: str
    broker: Broker
    hub: Hub
    started: bool = field(default=False)
    reconciler: Reconciler | None = field(default=None)
    services: list[Any] = field(default_factory=list)  # features.services(): outbox senders
    checkpointer: Checkpointer | None = field(default=None)  # SQLite's, storage/checkpoint.py

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        from hashchat.features import install

        install()  # the features' steps in the write path (posts/steps.py)
        db = Database(
            settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous,
            background_checkpoints=True,
        )  # fmt: skip
        limiter = RateLimiter(enabled=settings.rate_limits, redis_url=settings.limits_redis_url)
        hub = Hub(db, coalesce=settings.stream_coalesce_ms / 1000)
        return cls(
            settings, db, limiter, settings.resolved_secret_key(), make_broker(settings), hub
        )

    async def start(self) -> None:
        await self.hub.start()
        await self.broker.start(self.hub.receive)
        broker = self.broker
        self.hub.link_up = lambda: broker.live
        self.db.after_commit = self.broker.publish
        writer = writer_for(self.db)
        writer.max_depth = self.settings.write_queue_depth
        writer.max_age = self.settings.write_queue_age_ms / 1000
        writer.max_lag = self.settings.write_loop_lag_ms / 1000
        await writer.start()
        if self.db.is_sqlite and self.db.path != ":memory:":
            self.checkpointer = Checkpointer(self.db.path)
            await self.checkpointer.start()
        self.started = True
        if self.settings.jobs:  # HASHCHAT_JOBS=false: tests run the passes by hand
            self.reconciler = self.make_reconciler()
            self.reconciler.start()
            from hashchat.notifications import push

            push.on_queued = self.reconciler.poke  # a push goes out once its commit is done
            from hashchat.features import services

            self.services = services(self)
        from hashchat.features import viewer_services

        self.services += viewer_services(self)
        for service in self.services:
            service.start()
        # Everything loaded so far (modules, classes, the app, its caches) lives as long as the
        # process: out of the collector's sight, a full collection scans only what came since.
        # Full collections had grown to 50 to 100 ms pauses under a hot room's load, every
        # viewer waiting through them (docs/benchmarks.md, "Pauses of the collector").
        gc.freeze()

    def make_reconciler(self) -> Reconciler:
        from hashchat.jobs.reconciler import Reconciler
        from hashchat.jobs.steps import default_steps

        return Reconciler(
            self.db, self.settings, default_steps(), interval=self.settings.jobs_interval
        )

    async def stop(self) -> None:
        for service in reversed(self.services):
            await service.stop()
        self.services = []
        if self.reconciler is not None:
            from hashchat.notifications import push

            if push.on_queued == self.reconciler.poke:
                push.on_queued = None
            await self.reconciler.stop()
            self.reconciler = None
        await writer_for(self.db).stop()
        if self.checkpointer is not None:
            await self.checkpointer.stop()
            self.checkpointer = None
        self.db.after_commit = None
        await self.broker.stop()
        await self.limiter.close()
        await self.hub.stop()
        await self.db.dispose()
        self.started = False
