"""``redcore-server users export`` and ``products export``: a whole filtered list to a file or stdout.

The same walk and the same lines as ``GET /v1/{name}/export`` (``kit/export.py``): batches of
separate queries on the keyset cursor, constant memory. A file is written beside its final name and
renamed when complete, so a failed export never leaves a file that looks whole. Progress goes to
stderr, only when stderr is a terminal.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any, Literal

import msgspec
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from redcore_server.cli.support import JsonOpt
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.kit.export import ExportFormat, ListPage, walk, writer_for
from redcore_server.kit.listing import PageRequest
from redcore_server.kit.routes import ListFilters
from redcore_server.orgs import service as orgs_service
from redcore_server.products import repository as products_repository
from redcore_server.products import spec as products_spec
from redcore_server.products.routes import product_filters
from redcore_server.products.schemas import Status as ProductStatus
from redcore_server.users import repository as users_repository
from redcore_server.users import spec as users_spec
from redcore_server.users.routes import user_filters
from redcore_server.users.schemas import Status as UserStatus

OrgOpt = Annotated[str, typer.Option("--org", help="Organization id or name.")]
FormatOpt = Annotated[ExportFormat, typer.Option("--format", help="ndjson (one JSON object a line) or csv.")]
OutputOpt = Annotated[str, typer.Option("--output", "-o", help="A file to write, or - for stdout.")]
OrderOpt = Annotated[Literal["asc", "desc"] | None, typer.Option(help="Default: desc.")]
QOpt = Annotated[str | None, typer.Option("--q", help="Partial, case-insensitive match (as the list's q).")]


def users_export(
    org: OrgOpt,
    file_format: FormatOpt = "ndjson",
    output: OutputOpt = "-",
    role: Annotated[str | None, typer.Option(help="Only users with this role key.")] = None,
    status: Annotated[UserStatus | None, typer.Option(help="Only users with this status.")] = None,
    team: Annotated[str | None, typer.Option(help="Only members of this team (a team_ id).")] = None,
    external_id: Annotated[str | None, typer.Option("--external-id", help="Only the user with this id.")] = None,
    q: QOpt = None,
    sort: Annotated[str | None, typer.Option(help="created_at (default), name or email.")] = None,
    order: OrderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the organization's users (every field, private metadata included) as NDJSON or CSV,
    filtered and sorted as GET /v1/users is."""
    filters = user_filters(role=role, status=status, team=team, external_id=external_id, q=q)
    listing = users_repository.USERS.list_page
    _export("users", users_spec.USERS.model, listing, filters, org, file_format, output, sort, order, as_json)


def products_export(
    org: OrgOpt,
    file_format: FormatOpt = "ndjson",
    output: OutputOpt = "-",
    status: Annotated[ProductStatus | None, typer.Option(help="Only products with this status.")] = None,
    q: QOpt = None,
    sort: Annotated[str | None, typer.Option(help="created_at (default), name, price or sku.")] = None,
    order: OrderOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the organization's products as NDJSON or CSV, filtered and sorted as GET /v1/products is."""
    filters = product_filters(status=status, q=q)
    listing = products_repository.PRODUCTS.list_page
    _export("products", products_spec.PRODUCTS.model, listing, filters, org, file_format, output, sort, order, as_json)


def _export(
    noun: str,
    model: type[msgspec.Struct],
    list_page: ListPage[Any],
    filters: ListFilters,
    org: str,
    fmt: ExportFormat,
    output: str,
    sort: str | None,
    order: Literal["asc", "desc"] | None,
    as_json: bool,
) -> None:
    writer = writer_for(fmt, model)
    request = PageRequest(
        limit=1,  # the walk sets its own batch size
        sort=sort,
        order=order,
        filters=dict(filters.equals),
        search=filters.search,
        member_of=dict(filters.member_of),
        count=False,
    )

    async def work(db: Database) -> int:
        organization = await orgs_service.resolve(db, org)
        written = 0
        with _sink(output) as out, _progress(noun) as advance:
            out.write(writer.head)
            async for batch in walk(list_page, db, organization.id, request):
                out.write(writer.lines(batch))
                written += len(batch)
                advance(len(batch))
        return written

    count = _run(Settings(), work, as_json)
    if output != "-":
        _emit(as_json, {"exported": count, "output": output}, f"Exported {count} {noun} to {output}.")


@contextmanager
def _sink(output: str) -> Iterator[IO[bytes]]:
    """Stdout (``-``), or a file written beside ``output`` and renamed onto it once complete."""
    if output == "-":
        stdout = sys.stdout.buffer
        yield stdout
        stdout.flush()
        return
    target = Path(output)
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent or Path())
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


@contextmanager
def _progress(noun: str) -> Iterator[Callable[[int], None]]:
    """A running count on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    columns = (SpinnerColumn(), TextColumn("{task.completed:,} {task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(noun, total=None)
        yield lambda n: progress.advance(task, n)
