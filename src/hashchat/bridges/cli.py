"""``hashchat links``: linked accounts' sealed secrets, for a change of secret key."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

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
