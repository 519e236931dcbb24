"""``hashchat chats``: import a chat spreadsheet, export the directory."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

chats_app = typer.Typer(help="The chat directory: import and export.", no_args_is_help=True)
# soft_wrap: a report piped to a file or another program keeps each problem on one line (Rich
# would otherwise wrap at 80 columns when the output is not a terminal).
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@chats_app.command("import")
def import_chats(
    file: Annotated[str, typer.Argument(help="A CSV file (UTF-8), or - for standard input.")],
    partial: Annotated[
        bool, typer.Option("--partial", help="Import the good rows even if some are bad.")
    ] = False,
) -> None:
    """Import chats from a spreadsheet (hashtag, title, day, time, time zone, recurrence,
    description, hosts, link). Nothing is imported if a row is bad, unless --partial."""
    from hashchat.cli import _ensure_migrated
    from hashchat.config import get_settings
    from hashchat.directory import csvio
    from hashchat.errors import DomainError
    from hashchat.storage.engine import Database

    if file == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            err.print(f"[bold red]error:[/] cannot read {file}: {exc.strerror}")
            raise typer.Exit(2) from None
    settings = get_settings()

    async def run() -> csvio.ImportReport:
        db = Database(settings.resolved_database_url)
        try:
            return await csvio.import_chats(db=db, actor=None, raw=raw, partial=partial)
        finally:
            await db.dispose()

    _ensure_migrated()
    try:
        report = asyncio.run(run())
    except csvio.ImportFailed as exc:
        err.print(f"[bold red]error:[/] {exc.message}")
        for row in exc.errors:
            err.print(f"  {row}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(1) from None
    names = ", ".join("#" + h for h in report.created)
    console.print(
        f"imported {len(report.created)} chats{': ' + names if names else ''}", markup=False
    )
    if report.errors:
        err.print(f"left out {report.left_out} row{'s' if report.left_out != 1 else ''}:")
        for row in report.errors:
            err.print(f"  {row}", markup=False, highlight=False)


@chats_app.command("export")
def export_chats(
    format: Annotated[str, typer.Option(help="csv (the spreadsheet's columns) or json.")] = "csv",
    output: Annotated[str, typer.Option(help="A file to write, or - for standard output.")] = "-",
) -> None:
    """Export every listed chat (not retired ones)."""
    from sqlalchemy import select

    from hashchat.cli import _ensure_migrated
    from hashchat.config import get_settings
    from hashchat.directory import csvio, listing, search
    from hashchat.directory.models import Chat
    from hashchat.storage.base import utcnow
    from hashchat.storage.engine import Database

    if format not in ("csv", "json"):
        err.print("[bold red]error:[/] --format is csv or json")
        raise typer.Exit(2)
    settings = get_settings()

    async def run() -> bytes:
        db = Database(settings.resolved_database_url)
        try:
            async with db.read() as session:
                query = select(Chat).where(*search.status_clause(search.Filters()))
                chats = list(await session.scalars(query.order_by(Chat.tag_key)))
                if format == "csv":
                    return csvio.to_csv(await csvio.export_rows(session, chats)).encode()
                entities = await listing.render_chats(
                    session, chats, viewer=None, zone="UTC", now=utcnow()
                )
                return csvio.to_json(entities)
        finally:
            await db.dispose()

    _ensure_migrated()
    data = asyncio.run(run())
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)
        console.print(f"wrote {output}", markup=False)
