"""The broker carries committed events to the hub of every process.

``publish`` is called after commit with the events of one transaction. The in-memory broker
hands them to this process's hub; the Redis broker also sends them over pub/sub to every other
process, each of which hands them to its own hub. The hub puts them in order and fills any gap
from the event log, so the broker may deliver late, twice, or out of order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from hashchat.realtime.events import Event

Receiver = Callable[[Sequence[Event]], None]


class Broker(ABC):
    def __init__(self) -> None:
        self.receiver: Receiver | None = None

    async def start(self, receiver: Receiver) -> None:
        self.receiver = receiver

    async def stop(self) -> None:
        self.receiver = None

    @property
    def live(self) -> bool:
        """Whether other processes' events reach this one through the broker right now. While
        they do not, the hub reads them from the event log on a timer."""
        return True

    @abstractmethod
    async def publish(self, events: Sequence[Event]) -> None:
        """Deliver committed events to every process's hub (this one's at once)."""

    def deliver_here(self, events: Sequence[Event]) -> None:
        if self.receiver is not None:
            self.receiver(events)


class MemoryBroker(Broker):
    """One process: publishing is handing over."""

    async def publish(self, events: Sequence[Event]) -> None:
        self.deliver_here(events)
