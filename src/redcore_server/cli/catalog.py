"""``redcore-server products``: the product catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import msgspec
import typer

from redcore_server.cli.exports import products_export
from redcore_server.cli.support import JsonOpt
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import fail as _fail
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.events.recorder import record
from redcore_server.orgs import service as orgs_service
from redcore_server.products import service as products_service
from redcore_server.products.importing import read_catalog

products_app = typer.Typer(help="The product catalog.", no_args_is_help=True)
products_app.command("export")(products_export)


@products_app.command("import")
def products_import(
    file: Annotated[Path, typer.Argument(help="A .csv file with a header row, or a .jsonl file.", exists=True)],
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    as_json: JsonOpt = False,
) -> None:
    """Load products from FILE: every row is checked first (types, rules, SKUs unique in the file
    and in the catalog) and either all rows are imported, in one transaction, or none."""
    try:
        rows = read_catalog(file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(str(exc), as_json) from None

    async def work(db: Database) -> int:
        async with db.transaction() as tx:
            organization = await orgs_service.resolve(tx, org)
            service = products_service.ProductService(record)
            return await products_service.import_catalog(service, tx, organization.id, rows)

    try:
        imported = _run(Settings(), work, as_json)
    except products_service.ImportRejected as exc:
        if as_json:
            typer.echo(json.dumps({"imported": 0, "errors": msgspec.to_builtins(exc.problems)}))
        else:
            for p in exc.problems:
                typer.echo(f"line {p.line}: {p.field + ': ' if p.field else ''}{p.issue}", err=True)
            typer.secho(f"{len(exc.problems)} problem(s) in {file.name}; nothing was imported.", err=True)
        raise typer.Exit(1) from None
    _emit(as_json, {"imported": imported}, f"Imported {imported} product(s) from {file.name}.")
