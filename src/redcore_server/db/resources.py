"""The queries every organization-scoped resource shares (Polar's ``kit/repository`` idea): by id,
version lock, insert, partial update, delete, and a page of a list. A domain's repository declares
one :class:`ResourceTable` and adds only the queries that are its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from redcore_server.db.database import Executor
from redcore_server.db.listing import ListSpec, PageRequest, PageResult, fetch_page

T = TypeVar("T")


class ResourceTable(Generic[T]):
    def __init__(self, model: Callable[..., T], spec: ListSpec, *, updatable: frozenset[str]) -> None:
        self.model = model
        self.spec = spec
        self.table = spec.table
        self.columns = spec.columns
        self.updatable = updatable

    async def get(self, db: Executor, org_id: str, ident: str) -> T | None:
        row = await db.fetchrow(f"SELECT {self.columns} FROM {self.table} WHERE id = $1 AND org_id = $2", ident, org_id)
        return None if row is None else self.model(*row)

    async def lock_version(self, db: Executor, org_id: str, ident: str) -> datetime | None:
        """The row's ``updated_at``, locked until the transaction ends (SQLite's writer lock does that)."""
        lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
        value: datetime | None = await db.fetchval(
            f"SELECT updated_at FROM {self.table} WHERE id = $1 AND org_id = $2{lock}", ident, org_id
        )
        return value

    async def list_page(self, db: Executor, org_id: str, req: PageRequest) -> tuple[list[T], PageResult]:
        result = await fetch_page(db, self.spec, org_id, req)
        return [self.model(*row) for row in result.rows], result

    async def insert(self, db: Executor, values: Mapping[str, Any]) -> None:
        names = ", ".join(values)
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        await db.execute(f"INSERT INTO {self.table} ({names}) VALUES ({marks})", *values.values())

    async def update(
        self, db: Executor, org_id: str, ident: str, changes: Mapping[str, Any], updated_at: datetime
    ) -> T | None:
        unknown = set(changes) - self.updatable
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        assignments = [f"{column} = ${i}" for i, column in enumerate(changes, start=3)]
        assignments.append(f"updated_at = ${len(changes) + 3}")
        row = await db.fetchrow(
            f"UPDATE {self.table} SET {', '.join(assignments)} WHERE id = $1 AND org_id = $2 RETURNING {self.columns}",
            ident,
            org_id,
            *changes.values(),
            updated_at,
        )
        return None if row is None else self.model(*row)

    async def delete(self, db: Executor, org_id: str, ident: str) -> T | None:
        """Delete the row; return it as it was, or None when there was none."""
        row = await db.fetchrow(
            f"DELETE FROM {self.table} WHERE id = $1 AND org_id = $2 RETURNING {self.columns}", ident, org_id
        )
        return None if row is None else self.model(*row)
