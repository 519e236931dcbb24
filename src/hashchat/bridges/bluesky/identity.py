"""Bluesky handles for the DIDs that posts come from (a Jetstream commit names only the DID).

A DID document names a handle; the handle counts only if it points back at the DID (DNS or
``/.well-known/atproto-did``), as Bluesky's own clients check. Otherwise the room shows the
DID. Looked up once per person, outside any database transaction, with a short timeout; the
relay's identity events keep handles current afterwards (bridges/bluesky/ingest.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from atproto_identity.resolver import AsyncIdResolver

log = logging.getLogger(__name__)
TIMEOUT = 3.0


class Handles:
    def __init__(self, plc_url: str) -> None:
        self.resolver = AsyncIdResolver(plc_url=plc_url, timeout=TIMEOUT) if plc_url else None
        self.known: dict[str, str] = {}

    async def of(self, dids: Iterable[str]) -> dict[str, str]:
        """A handle for each DID: its verified handle, else the DID itself."""
        wanted = [d for d in dict.fromkeys(dids) if d not in self.known]
        if wanted:
            found = await asyncio.gather(*(self._one(d) for d in wanted))
            self.known.update(zip(wanted, found, strict=True))
        return {d: self.known.get(d, d) for d in dids}

    async def _one(self, did: str) -> str:
        if self.resolver is None:
            return did
        try:
            data = await self.resolver.did.resolve_atproto_data(did)
            handle = data.handle
            if handle and await self.resolver.handle.resolve(handle) == did:
                return str(handle)
        except Exception as exc:  # the network, a malformed document: show the DID
            log.info("bluesky: no verified handle for %s (%s)", did, exc)
        return did
