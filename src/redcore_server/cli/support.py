"""What every ``redcore-server`` command shares: the ``--json`` option, printing, clean failures,
and running a piece of work against the configured database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import msgspec
import typer

from redcore_server import errors
from redcore_server.config import Settings
from redcore_server.db import Database, Timeouts, open_database
from redcore_server.db.migrate import NotMigrated, ensure_migrated

T = TypeVar("T")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def emit(as_json: bool, payload: Any, text: str) -> None:
    if as_json:
        typer.echo(json.dumps(msgspec.to_builtins(payload)))
    else:
        typer.echo(text)


def fail(message: str, as_json: bool = False, code: int = 1) -> typer.Exit:
    if as_json:
        typer.echo(json.dumps({"error": message}), err=True)
    else:
        typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def run(settings: Settings, work: Callable[[Database], Awaitable[T]], as_json: bool, pool_max: int = 2) -> T:
    """Open the database, check its schema, run ``work``, and turn failures into clean exits."""

    async def main() -> T:
        timeouts = Timeouts(
            acquire=settings.db_acquire_timeout, lock=settings.db_lock_timeout, statement=settings.db_statement_timeout
        )
        db = open_database(
            settings.database_url, pool_min=1, pool_max=pool_max, sqlite_readers=min(pool_max, 4), timeouts=timeouts
        )
        await db.connect()
        try:
            await ensure_migrated(db)
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except NotMigrated as exc:
        raise fail(str(exc), as_json) from None
    except errors.APIError as exc:
        raise fail(exc.message, as_json) from None
