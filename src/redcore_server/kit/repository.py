"""The queries every organization-scoped resource shares (Polar's ``kit/repository`` idea): by id,
version lock, insert, partial update, delete, and a page of a list, all built from the resource's
:class:`~redcore_server.kit.spec.ResourceSpec`. A domain's repository makes one
:class:`ResourceRepository` of its spec and adds only the queries that are its own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec

from redcore_server.db import Executor, Row
from redcore_server.kit.listing import PageRequest, PageResult, fetch_page
from redcore_server.kit.spec import ResourceSpec

T = TypeVar("T", bound=msgspec.Struct)


def for_update(db: Executor) -> str:
    """The clause that locks the rows a ``SELECT`` reads until the transaction ends (SQLite's writer
    lock does that by itself)."""
    return " FOR UPDATE" if db.dialect == "postgresql" else ""


class ResourceRepository(Generic[T]):
    def __init__(self, spec: ResourceSpec[T]) -> None:
        self.spec = spec
        self._by_id = f"SELECT {spec.select} FROM {spec.table} WHERE id = $1 AND org_id = $2"
        self._delete = f"DELETE FROM {spec.table} WHERE id = $1 AND org_id = $2 RETURNING {spec.select}"

    async def get(self, db: Executor, org_id: str, ident: str) -> T | None:
        row = await db.fetchrow(self._by_id, ident, org_id)
        return None if row is None else self.spec.from_row(row)

    async def lock_version(self, db: Executor, org_id: str, ident: str) -> datetime | None:
        """The row's version (what its ETag follows), locked until the transaction ends."""
        value: datetime | None = await db.fetchval(
            f"SELECT {self.spec.version_field} FROM {self.spec.table} WHERE id = $1 AND org_id = $2{for_update(db)}",
            ident,
            org_id,
        )
        return value

    async def lock_columns(self, db: Executor, org_id: str, ident: str, columns: tuple[str, ...]) -> Row | None:
        """The row's ``columns`` as stored (the spec's columns or ``writable`` ones), locked until the
        transaction ends: what a merge (``kit/metadata.py``) reads before it writes."""
        unknown = set(columns) - self.spec.updatable
        if unknown:
            raise ValueError(f"not columns of {self.spec.table}: {sorted(unknown)}")
        return await db.fetchrow(
            f"SELECT {', '.join(columns)} FROM {self.spec.table} WHERE id = $1 AND org_id = $2{for_update(db)}",
            ident,
            org_id,
        )

    async def list_page(self, db: Executor, org_id: str, req: PageRequest) -> tuple[list[T], PageResult]:
        result = await fetch_page(db, self.spec, org_id, req)
        return [self.spec.from_row(row) for row in result.rows], result

    async def insert(self, db: Executor, values: Mapping[str, Any]) -> None:
        names = ", ".join(values)
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        await db.execute(f"INSERT INTO {self.spec.table} ({names}) VALUES ({marks})", *values.values())

    async def update(
        self, db: Executor, org_id: str, ident: str, changes: Mapping[str, Any], updated_at: datetime
    ) -> T | None:
        unknown = set(changes) - self.spec.updatable
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        assignments = [f"{column} = ${i}" for i, column in enumerate(changes, start=3)]
        assignments.append(f"updated_at = ${len(changes) + 3}")
        row = await db.fetchrow(
            f"UPDATE {self.spec.table} SET {', '.join(assignments)} WHERE id = $1 AND org_id = $2"
            f" RETURNING {self.spec.select}",
            ident,
            org_id,
            *changes.values(),
            updated_at,
        )
        return None if row is None else self.spec.from_row(row)

    async def delete(self, db: Executor, org_id: str, ident: str) -> T | None:
        """Delete the row; return it as it was, or None when there was none."""
        row = await db.fetchrow(self._delete, ident, org_id)
        return None if row is None else self.spec.from_row(row)
