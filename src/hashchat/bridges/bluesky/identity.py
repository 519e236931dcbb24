"""Who a Bluesky identifier is, and where their data lives: handle -> DID -> DID document ->
PDS endpoint, with the atproto SDK's resolvers (DNS TXT, then https://<handle>/.well-known) and
the PLC directory of HASHCHAT_BLUESKY_PLC_URL. A handle is believed only when the DID document
names it back (the spec's bidirectional check).

HASHCHAT_BLUESKY_HANDLE_RESOLVER names an XRPC service to ask instead of DNS and HTTPS (a PDS
answers for its own handles): the only way to resolve the test network's `.test` handles.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from atproto_identity.did.resolver import AsyncDidResolver
from atproto_identity.exceptions import AtProtocolError, DidPlcResolverError, DidWebResolverError
from atproto_identity.handle.resolver import AsyncHandleResolver

from hashchat.bridges.bluesky import xrpc
from hashchat.config import Settings
from hashchat.errors import BadGateway, Invalid

# atproto's syntax (specs/handle, specs/did): a handle is a domain name; did:plc and did:web.
HANDLE = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9._:%-]+)$")


@dataclass(frozen=True, slots=True)
class Identity:
    did: str
    handle: str  # verified both ways, or "handle.invalid"
    pds: str


def parse_identifier(value: str, field: str = "identifier") -> str:
    """A handle (lower-cased, without "@") or a DID, or Invalid naming ``field``."""
    value = value.strip().removeprefix("@")
    if value.startswith("did:"):
        if not DID.match(value) or len(value) > 2048:
            raise Invalid("that is not a DID of the forms did:plc:… or did:web:…", field=field)
        return value
    if not value:
        raise Invalid("give your Bluesky handle (alice.bsky.social) or DID", field=field)
    if len(value) > 253 or not HANDLE.match(value):
        raise Invalid(
            "that is not a Bluesky handle: a domain name such as alice.bsky.social", field=field
        )
    return value.lower()


@asynccontextmanager
async def _sdk(settings: Settings) -> AsyncIterator[tuple[AsyncHandleResolver, AsyncDidResolver]]:
    """The SDK's resolvers, for one resolution. Each holds HTTP clients of its own, which it
    never closes: they are closed here (left open, they leak a connection per resolution)."""
    pair = (
        AsyncHandleResolver(timeout=settings.bluesky_timeout),
        AsyncDidResolver(plc_url=settings.bluesky_plc_url, timeout=settings.bluesky_timeout),
    )
    try:
        yield pair
    finally:
        for client in _http_clients(pair):
            await client.aclose()


def _http_clients(objects: Iterable[object]) -> list[httpx.AsyncClient]:
    found: list[httpx.AsyncClient] = []
    for obj in objects:
        for value in vars(obj).values():
            if isinstance(value, httpx.AsyncClient):
                found.append(value)
            elif isinstance(value, dict):
                found.extend(_http_clients(v for v in value.values() if hasattr(v, "__dict__")))
    return found


async def did_for_handle(handle: str, settings: Settings) -> str | None:
    if settings.bluesky_handle_resolver:
        try:
            out = await xrpc.call(
                settings.bluesky_handle_resolver,
                "com.atproto.identity.resolveHandle",
                params={"handle": handle},
                wait=settings.bluesky_timeout,
            )
        except xrpc.XrpcError:
            return None
        did = out.get("did")
        return did if isinstance(did, str) and DID.match(did) else None
    async with _sdk(settings) as (handles, _dids):
        found = await handles.resolve(handle)
    return found if isinstance(found, str) else None


async def resolve(identifier: str, settings: Settings, field: str = "identifier") -> Identity:
    """The identity behind a handle or DID (already parsed by :func:`parse_identifier`).
    Unknown: Invalid on ``field``; a directory that does not answer: BadGateway."""
    if identifier.startswith("did:"):
        did = identifier
    else:
        found = await did_for_handle(identifier, settings)
        if found is None:
            raise Invalid(f"no Bluesky account has the handle {identifier}", field=field)
        did = found
    try:
        async with _sdk(settings) as (_handles, dids):
            document = await dids.resolve(did, force_refresh=True)
    except (DidPlcResolverError, DidWebResolverError) as error:
        raise BadGateway(
            f"the DID directory ({xrpc.host_of(settings.bluesky_plc_url)}) did not answer "
            "for this account; try again later"
        ) from error
    except AtProtocolError as error:
        raise Invalid(f"{did} has no usable DID document", field=field) from error
    if document is None:
        raise Invalid(f"no Bluesky account has the DID {did}", field=field)
    pds = document.get_pds_endpoint()
    if not pds:
        raise Invalid(f"{did} names no PDS to post to", field=field)
    handle = (document.get_handle() or "").lower()
    if not identifier.startswith("did:"):
        verified = handle == identifier
    else:
        verified = bool(handle) and await did_for_handle(handle, settings) == did
    return Identity(did=did, handle=handle if verified else "handle.invalid", pds=pds.rstrip("/"))
