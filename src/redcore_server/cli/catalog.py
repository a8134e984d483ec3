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
from redcore_server.kit.importing import format_of
from redcore_server.orgs import service as orgs_service
from redcore_server.products.importing import ProductImporter
from redcore_server.users.importing import ImportOptions, ImportOutcome, import_in

products_app = typer.Typer(help="The product catalog.", no_args_is_help=True)
products_app.command("export")(products_export)


@products_app.command("import")
def products_import(
    file: Annotated[Path, typer.Argument(help="A .csv file with a header row, or a .jsonl file.", exists=True)],
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    as_json: JsonOpt = False,
) -> None:
    """Load products from FILE: every row is checked (types, rules, SKUs unique in the file and in
    the catalog) and either all rows are imported, in one transaction, or none."""
    try:
        fmt = format_of(file)
    except ValueError as exc:
        raise _fail(str(exc), as_json) from None
    settings = Settings()

    async def work(db: Database) -> ImportOutcome:
        organization = await orgs_service.resolve(db, org)
        importer = ProductImporter(record, settings.import_statement_timeout)
        with file.open(encoding="utf-8-sig", newline="") as lines:
            return await import_in(db, importer, None, organization.id, lines, fmt, ImportOptions())

    try:
        outcome = _run(settings, work, as_json)
    except UnicodeDecodeError as exc:
        raise _fail(f"{file.name} is not UTF-8 text ({exc.reason})", as_json) from None
    if not outcome.written:
        if as_json:
            typer.echo(json.dumps({"imported": 0, "errors": msgspec.to_builtins(outcome.problems)}))
        else:
            for p in outcome.problems:
                typer.echo(f"line {p.line}: {p.field + ': ' if p.field else ''}{p.issue}", err=True)
            typer.secho(f"{outcome.problem_count} problem(s) in {file.name}; nothing was imported.", err=True)
        raise typer.Exit(1)
    imported = outcome.counts.created
    _emit(as_json, {"imported": imported}, f"Imported {imported} product(s) from {file.name}.")
