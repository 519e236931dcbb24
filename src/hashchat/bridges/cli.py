"""The bridges' commands: ``hashchat bridge`` runs the readers on their own (scaled-out
deployments run ``hashchat serve`` with HASHCHAT_BRIDGES=false then), with a remote person's
opt-out; ``hashchat links`` handles linked accounts' sealed secrets, for a change of secret key."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated, Any

import typer
from rich.console import Console

from hashchat.config import get_settings

links_app = typer.Typer(help="Linked accounts on other networks.", no_args_is_help=True)
console = Console()


@links_app.command("reseal")
def reseal() -> None:
    """Seal every linked account's secrets under the current HASHCHAT_SECRET_KEY (they open
    under it or one of HASHCHAT_SECRET_KEY_PREVIOUS); afterwards the old key can go."""
    from hashchat.bridges.linking import reseal_all
    from hashchat.bridges.sealing import Sealer
    from hashchat.cli import _ensure_migrated
    from hashchat.config import get_settings
    from hashchat.storage.engine import Database

    settings = get_settings()
    _ensure_migrated()

    async def run() -> tuple[int, int]:
        db = Database(settings.resolved_database_url)
        try:
            sealer = Sealer(settings.resolved_secret_key(), settings.previous_secret_keys)
            return await reseal_all(db, sealer)
        finally:
            await db.dispose()

    done, lost = asyncio.run(run())
    console.print(f"resealed {done} linked account(s) under the current key")
    if lost:
        console.print(
            f"[red]{lost} linked account(s) open under no known key: their owners must link "
            "again (or list the old key in HASHCHAT_SECRET_KEY_PREVIOUS)[/red]"
        )
        raise typer.Exit(1)


def bridge(
    opt_out: Annotated[
        str | None,
        typer.Option(
            help="Leave this Bluesky DID or Mastodon actor URI out from now on, deleting its posts."
        ),
    ] = None,
    opt_in: Annotated[
        str | None, typer.Option(help="Undo an opt-out (a DID or an actor URI).")
    ] = None,
) -> None:
    """Read the bridges' sources (Bluesky: Jetstream or a firehose) into the rooms. Exactly one
    process reads each source (a lease in the database): start as many as you like."""
    from hashchat.bridges import remote
    from hashchat.bridges.bluesky.ingest import NETWORK
    from hashchat.features import install
    from hashchat.storage.engine import Database
    from hashchat.storage.migrate import upgrade

    settings = get_settings()
    upgrade(settings.resolved_database_url)
    install()

    def network_of(key: str) -> str:  # an actor URI is Mastodon's; a DID is Bluesky's
        return "mastodon" if key.startswith(("https://", "http://")) else NETWORK

    async def change() -> str:
        db = Database(settings.resolved_database_url)
        try:
            if opt_out:
                gone = await remote.opt_out(db=db, network=network_of(opt_out), key=opt_out)
                return f"{opt_out} is left out; {gone} of their posts deleted"
            assert opt_in is not None
            await remote.opt_in(db=db, network=network_of(opt_in), key=opt_in)
            return f"{opt_in} may be bridged again"
        finally:
            await db.dispose()

    if opt_out or opt_in:
        console.print(asyncio.run(change()))
        return
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(message)s")
    asyncio.run(_run())


async def _run() -> None:
    from hashchat.bridges.bluesky.reader import readers_for
    from hashchat.runtime import make_broker
    from hashchat.storage.engine import Database

    settings = get_settings()
    db = Database(settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous)
    broker = make_broker(settings)  # events reach the servers' viewers through Redis
    await broker.start(lambda events: None)  # it only sends
    db.after_commit = broker.publish
    from hashchat.bridges.mastodon.reader import Readers
    from hashchat.bridges.sealing import sealer_for

    sealer = sealer_for(settings.resolved_secret_key(), tuple(settings.previous_secret_keys))
    readers: list[Any] = [*readers_for(db, settings)]
    readers.append(Readers(db, sealer, ttl=settings.bridge_lease_seconds))  # chats' servers
    for reader in readers:
        reader.start()
    console.print(
        f"reading {', '.join(getattr(r, 'source', 'chats’ Mastodon servers') for r in readers)}"
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for reader in readers:
        await reader.stop()
    await broker.stop()
    await db.dispose()
