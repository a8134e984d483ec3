"""``redcore-server migrate`` and ``bootstrap``: the schema, and the first organization."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redcore_server.cli.support import JsonOpt
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import fail as _fail
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.db.migrate import head_revision, upgrade
from redcore_server.orgs import service as orgs_service


def migrate(as_json: JsonOpt = False) -> None:
    """Bring the database (REDCORE_DATABASE_URL) to the latest schema."""
    settings = Settings()
    try:
        upgrade(settings.database_url)
    except Exception as exc:
        raise _fail(f"migration failed: {exc}", as_json) from None
    _emit(as_json, {"revision": head_revision()}, f"Database is at revision {head_revision()}.")


def bootstrap(
    org_name: Annotated[str, typer.Option("--org-name", help="Name of the first organization.")] = "Default",
    as_json: JsonOpt = False,
) -> None:
    """On an empty database: create the first organization and an admin key, and print the key."""

    async def work(db: Database) -> tuple[Any, Any]:
        async with db.transaction() as tx:
            return await orgs_service.bootstrap(tx, org_name)

    org, key = _run(Settings(), work, as_json)
    _emit(
        as_json,
        {"organization": {"id": org.id, "name": org.name}, "api_key": key.secret},
        f"Organization {org.name} ({org.id})\nAdmin API key (shown once): {key.secret}",
    )
