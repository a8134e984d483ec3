"""Every query of a products import (``products/importing.py``), and only here: the checked rows in a
staging table of the import's transaction (``COPY`` on PostgreSQL, ``executemany`` on SQLite),
checked set-wise (SKUs repeated in the file or already in the catalog) and inserted per batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from redcore_server.db import Executor
from redcore_server.kit import staging
from redcore_server.kit.staging import StagedProblems
from redcore_server.products import spec

STAGE = "import_products"
# The staged row: its place (batches are ranges of it), its line, then the product's columns.
COLUMNS = (*(c for c in spec.PRODUCTS.fields if c not in ("created_at", "updated_at")), "sku_key")
STAGED = ("n", "line", *COLUMNS)
_TYPES = {"n": "integer", "line": "integer", "price": "bigint", "stock": "integer"}
ORG = "CAST($1 AS TEXT)"  # one type wherever it appears (PostgreSQL infers it once)


async def create_stage(db: Executor) -> None:
    await staging.create_stage(db, STAGE, STAGED, _TYPES)


async def stage(db: Executor, records: Sequence[Sequence[Any]]) -> None:
    await db.copy_records(STAGE, STAGED, records)


async def insert_batch(db: Executor, org_id: str, first: int, last: int, now: datetime) -> int:
    """Insert the staged rows ``first``–``last``; one a unique index refuses is left out (counted)."""
    columns = ", ".join(COLUMNS)
    values = ", ".join(f"s.{c}" for c in COLUMNS)
    return await db.execute(
        f"INSERT INTO products (org_id, created_at, updated_at, {columns}) SELECT {ORG}, $2, $2, {values}"
        f" FROM {STAGE} s WHERE s.n BETWEEN $3 AND $4 ON CONFLICT DO NOTHING",
        org_id,
        now,
        first,
        last,
    )


async def problems(db: Executor, org_id: str, cap: int, *, written: bool) -> StagedProblems:
    """The first ``cap`` problems of the staged rows by line, how many, and how many lines have one
    (``written``: the rows were inserted already, so a product the import made is not one the catalog had)."""
    for column in ("id", "sku_key"):
        await db.execute(f"CREATE INDEX ix_{STAGE}_{column} ON {STAGE} ({column})")
    theirs = f" WHERE NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.id = p.id)" if written else ""
    checks = (
        f"SELECT line, 'sku', sku || ' repeats line ' || first FROM (SELECT line, sku, min(line) OVER"
        f" (PARTITION BY sku_key) AS first FROM {STAGE}) d WHERE line > first",
        f"SELECT s.line, 'sku', s.sku || ' is already in the catalog' FROM {STAGE} s JOIN products p"
        f" ON p.org_id = {ORG} AND p.sku_key = s.sku_key{theirs}",
    )
    return await staging.find_problems(db, checks, cap, org_id)


async def drop_stage(db: Executor) -> None:
    await staging.drop_stage(db, STAGE)
