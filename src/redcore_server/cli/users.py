"""``redcore-server users``: the organization's users in bulk."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from redcore_server.cli.exports import users_export
from redcore_server.cli.support import JsonOpt
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import fail as _fail
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.kit.importing import ImportCounts, format_of
from redcore_server.orgs import service as orgs_service
from redcore_server.services import build_services, redis_link
from redcore_server.users.importing import ImportOptions, ImportOutcome, import_in

users_app = typer.Typer(help="The organization's users in bulk.", no_args_is_help=True)
users_app.command("export")(users_export)

UpsertOpt = Annotated[
    str | None,
    typer.Option(
        "--upsert",
        help="Update the users a row matches by this key (email or external_id) instead of refusing the row.",
    ),
]


class _Reading:
    """The file's lines, counting the bytes read (for the progress bar)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.done = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._handle:
            self.done += len(line)
            yield line


@users_app.command("import")
def users_import(
    file: Annotated[Path, typer.Argument(help="A .csv file with a header row, or a .jsonl file.", exists=True)],
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything; write nothing.")] = False,
    upsert: UpsertOpt = None,
    invite: Annotated[
        bool, typer.Option("--invite", help="Invite the new users without a password hash (email outbox).")
    ] = False,
    events: Annotated[
        bool, typer.Option("--events", help="A user.created/user.updated event per user, not only import.completed.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load users from FILE into an organization: every row is checked first (the rules of
    POST /v1/users, emails and external_ids unique in the file and the organization) and either all
    rows are written, in one transaction, or none; problems are listed by line."""
    try:
        fmt = format_of(file)
    except ValueError as exc:
        raise _fail(str(exc), as_json) from None
    if upsert not in (None, "email", "external_id"):
        raise _fail("--upsert takes email or external_id", as_json)
    options = ImportOptions(dry_run=dry_run, upsert=upsert, invite=invite, events=events)  # type: ignore[arg-type]
    settings = Settings()
    size = file.stat().st_size

    async def work(db: Database) -> ImportOutcome:
        redis = redis_link(settings)  # the invitation limits the API counts
        services = build_services(settings, redis)
        importer = services.imports.importer
        organization = await orgs_service.resolve(db, org)
        with ExitStack() as stack:
            handle = stack.enter_context(file.open(encoding="utf-8-sig", newline=""))
            reading = _Reading(handle)
            bar = stack.enter_context(_progress_bar(as_json))
            task = bar.add_task("rows 0", total=size) if bar is not None else None

            def progress(counts: ImportCounts) -> None:
                if bar is not None and task is not None:
                    bar.update(task, completed=reading.done, description=f"rows {counts.rows:,}")

            try:
                return await import_in(db, importer, None, organization.id, reading, fmt, options, progress=progress)
            finally:
                if redis is not None:
                    await redis.close()

    try:
        outcome = _run(settings, work, as_json)
    except UnicodeDecodeError as exc:
        raise _fail(f"{file.name} is not UTF-8 text ({exc.reason})", as_json) from None
    _report(outcome, file.name, dry_run, as_json)


class _NoBar:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress_bar(as_json: bool) -> Any:
    """A progress bar on stderr when it is a terminal (and the output is for people)."""
    if as_json or not sys.stderr.isatty():
        return _NoBar()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def _report(outcome: ImportOutcome, name: str, dry_run: bool, as_json: bool) -> None:
    c = outcome.counts
    payload = {
        "dry_run": dry_run,
        "written": outcome.written,
        "counts": c,
        "problems": outcome.problems,
        "problem_count": outcome.problem_count,
    }
    if outcome.problem_count:
        if as_json:
            _emit(True, payload, "")
        else:
            for p in outcome.problems:
                typer.echo(f"line {p.line}: {p.field + ': ' if p.field else ''}{p.issue}", err=True)
            more = outcome.problem_count - len(outcome.problems)
            if more:
                typer.echo(f"… and {more} more problem(s)", err=True)
            typer.secho(f"{c.failed} of {c.rows} row(s) of {name} have problems; nothing was imported.", err=True)
        raise typer.Exit(1)
    verb = "Would import" if dry_run else "Imported"
    text = f"{verb} {c.rows} row(s) from {name}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged."
    _emit(as_json, payload, text + (" Nothing was written (--dry-run)." if dry_run else ""))
