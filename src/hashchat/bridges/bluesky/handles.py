"""Bluesky handles for the DIDs that posts come from (a Jetstream commit names only the DID):
looked up once per person, outside any database transaction, through bridges/bluesky/identity.py
(a handle counts only when it points back at the DID; otherwise the room shows the DID). The
relay's identity events keep handles current afterwards (bridges/bluesky/ingest.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from hashchat.bridges.bluesky import identity
from hashchat.config import Settings

log = logging.getLogger(__name__)


class Handles:
    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings
        self.known: dict[str, str] = {}

    async def of(self, dids: Iterable[str]) -> dict[str, str]:
        """A handle for each DID: its verified handle, else the DID itself."""
        wanted = [d for d in dict.fromkeys(dids) if d not in self.known]
        if wanted:
            found = await asyncio.gather(*(self._one(d) for d in wanted))
            self.known.update(zip(wanted, found, strict=True))
        return {d: self.known.get(d, d) for d in dids}

    async def _one(self, did: str) -> str:
        if self.settings is None:
            return did
        try:
            who = await asyncio.wait_for(identity.resolve(did, self.settings), 5.0)
        except Exception as exc:  # the network, a malformed document: show the DID
            log.info("bluesky: no handle for %s (%s)", did, exc)
            return did
        return who.handle if who.handle and who.handle != "handle.invalid" else did
