"""The ``hashchat`` command: serve, database migrations, users and demo content."""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console

from hashchat.bridges.cli import bridge, links_app
from hashchat.config import get_settings
from hashchat.directory.cli import chats_app

app = typer.Typer(help="hashchat: hashtag chats, live and afterwards.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(chats_app, name="chats")
app.add_typer(links_app, name="links")
app.command("bridge")(bridge)
console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to listen on.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes to run.")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first.")] = True,
) -> None:
    """Serve hashchat (applies pending migrations first). Without HASHCHAT_BASE_URL, the
    address and port served are the base of every URL hashchat writes."""
    import os

    import uvicorn

    from hashchat.web.protocol import EarlyAnswerProtocol

    # Through the environment, so that every worker process reads the same settings, and the
    # URLs that clients follow (the streaming API, statuses, avatars) name this port.
    if host is not None:
        os.environ["HASHCHAT_HOST"] = host
    if port is not None:
        os.environ["HASHCHAT_PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    if workers > 1 and not settings.broker_urls:
        fail(
            "several workers need HASHCHAT_REDIS_URL (or HASHCHAT_REDIS_SHARDS) so that events "
            "reach every process"
        )
    if migrate:
        from hashchat.storage.migrate import upgrade

        upgrade(settings.resolved_database_url)
    settings.resolved_secret_key()  # create the key once, before workers race for it
    uvicorn.run(
        "hashchat.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        backlog=settings.backlog,
        workers=workers,
        log_level=settings.log_level,
        # uvicorn formats each request's access line before the logger drops it for being
        # below the level: at "warning" and above, that is work for nothing on every request.
        access_log=settings.log_level.lower() in ("trace", "debug", "info"),
        proxy_headers=True,
        ws_max_size=64 * 1024,
        http=EarlyAnswerProtocol,  # refusals under overload before a task (web/protocol.py)
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from hashchat.storage.migrate import current, upgrade

    url = get_settings().resolved_database_url
    upgrade(url, revision)
    console.print(f"database at revision [bold]{current(url)}[/]")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision."""
    from hashchat.storage.migrate import current

    console.print(current(get_settings().resolved_database_url) or "(empty database)")


@users_app.command("create")
def users_create(
    handle: str,
    admin: Annotated[
        bool, typer.Option("--admin", help="Give the account the admin role.")
    ] = False,
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Password (prompted for when omitted; or HASHCHAT_PASSWORD)."),
    ] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create an account."""
    import os

    from hashchat.accounts.service import create_account
    from hashchat.errors import DomainError
    from hashchat.storage.engine import Database

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    password = password or os.environ.get("HASHCHAT_PASSWORD")
    if not password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            fail("the passwords differ")
    settings = get_settings()

    async def run() -> int:
        db = Database(settings.resolved_database_url)
        try:
            account = await create_account(
                db=db,
                handle=handle,
                password=password,
                email=email,
                role="admin" if admin else "member",
            )
            return account.id
        finally:
            await db.dispose()

    _ensure_migrated()
    try:
        account_id = asyncio.run(run())
    except DomainError as exc:
        fail(f"{exc.field or 'input'}: {exc.message}")
    console.print(f"created @{handle} (id {account_id}){' as admin' if admin else ''}")


@app.command()
def demo() -> None:
    """Seed demo accounts, chats and posts (safe to run again: it adds nothing twice)."""
    from hashchat.demo import seed

    _ensure_migrated()
    summary = asyncio.run(seed(get_settings()))
    console.print(summary)


def _ensure_migrated() -> None:
    from hashchat.storage.migrate import upgrade

    upgrade(get_settings().resolved_database_url)


def main() -> None:
    app()
