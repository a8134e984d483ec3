"""Importing a catalog (``redcore-server products import``) on the users import's machinery
(``kit/importing.py``, ``kit/staging.py``): the file read a row at a time, each row checked with the
rules of ``POST /v1/products`` and staged, written in batches while the next rows are checked, and
kept only if no row has a problem (SKUs are unique in the file and in the catalog, compared as the
API compares them). One transaction: all rows or none. One ``import.completed`` event per import,
not one per product."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from redcore_server import errors
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import utcnow
from redcore_server.kit import metadata
from redcore_server.kit.importing import (
    MAX_PROBLEMS,
    FileShape,
    Format,
    ImportCounts,
    ProblemLog,
    field_problems,
    json_object,
    read_rows,
    whole_number,
)
from redcore_server.kit.service import Recorder
from redcore_server.kit.staging import BATCH, BatchLoader, Progress, Record, load_rows, take_problems
from redcore_server.orgs import repository as orgs_repository
from redcore_server.products import import_repository as repo
from redcore_server.products.schemas import ProductCreate
from redcore_server.products.service import validate_create
from redcore_server.text import fold
from redcore_server.users.importing import ImportOptions, ImportOutcome

SHAPE = FileShape(
    fields=("name", "sku", "price", "currency", "stock", "status", "metadata"),
    required=("name", "sku", "price"),
    ignored=("id", "created_at", "updated_at"),  # what an export carries that is not set
    cells={"price": whole_number, "stock": whole_number, "metadata": json_object},
)


class _RowChecker:
    def __init__(self, base_currency: str) -> None:
        self._base = base_currency
        self.staged = 0

    def check(self, line: int, values: dict[str, Any], *, log: ProblemLog) -> Record | None:
        try:
            product = validate_create(msgspec.convert(values, ProductCreate, strict=True), self._base)
        except msgspec.ValidationError as exc:
            log.add_error(line, field_problems(exc))
            return None
        except errors.ValidationError as exc:
            log.add_error(line, exc)
            return None
        self.staged += 1
        stored = {"metadata": metadata.encode(product.metadata), "sku_key": fold(product.sku)}
        return (self.staged, line, *(stored.get(c, getattr(product, c, None)) for c in repo.COLUMNS))


class ProductImporter:
    """Runs a catalog import in a unit of work (the caller commits when ``written``, else rolls back)."""

    def __init__(self, recorder: Recorder | None = None, statement_timeout: float = 600.0) -> None:
        self._recorder = recorder
        self._statement_timeout = statement_timeout  # REDCORE_IMPORT_STATEMENT_TIMEOUT

    async def run(
        self,
        uow: UnitOfWork,
        org_id: str,
        lines: Iterable[str],
        fmt: Format,
        options: ImportOptions,
        *,
        import_id: str | None = None,
        progress: Progress | None = None,
    ) -> ImportOutcome:
        """``options``: only ``dry_run`` applies (check everything, count, write nothing)."""
        tx = await uow.tx()
        await tx.extend_statement_timeout(self._statement_timeout)
        counts, log, now = ImportCounts(), ProblemLog(), utcnow()
        checker = _RowChecker(await orgs_repository.base_currency(tx, org_id) or "USD")
        await repo.create_stage(tx)

        async def stage(records: list[Record]) -> None:
            await repo.stage(tx, records)

        async def insert(first: int, last: int) -> int:
            return await repo.insert_batch(tx, org_id, first, last, now)

        loader = BatchLoader(stage, None if options.dry_run else insert, counts, log)
        rows = read_rows(lines, fmt, SHAPE, log)
        await load_rows(
            rows, lambda line, values: checker.check(line, values, log=log), loader, counts, progress, BATCH
        )
        take_problems(log, counts, await repo.problems(tx, org_id, MAX_PROBLEMS, written=loader.early))
        if log.count:
            counts.created = 0
            return ImportOutcome(counts, log.sorted()[:MAX_PROBLEMS], log.count, written=False)
        if options.dry_run:
            counts.created = checker.staged
            return ImportOutcome(counts, [], 0, written=False)
        if counts.created != checker.staged:
            raise RuntimeError("a staged product was not inserted, yet no problem was found")
        await repo.drop_stage(tx)
        if self._recorder is not None:
            data = {"id": import_id, "resource": "products", "counts": msgspec.to_builtins(counts)}
            await self._recorder(tx, uow, org_id, "import.completed", data)
        return ImportOutcome(counts, [], 0, written=True)
