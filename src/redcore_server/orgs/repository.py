from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from redcore_server.db import Executor
from redcore_server.kit.repository import for_update
from redcore_server.kit.rows import Columns
from redcore_server.orgs.schemas import Organization

ORGANIZATIONS = Columns(Organization)


async def insert(db: Executor, org: Organization) -> None:
    await db.execute(
        f"INSERT INTO organizations ({ORGANIZATIONS.select}) VALUES ($1, $2, $3, $4, $5)",
        org.id,
        org.name,
        org.base_currency,
        org.created_at,
        org.updated_at,
    )


async def get_by_id_or_name(db: Executor, ref: str) -> Organization | None:
    row = await db.fetchrow(f"SELECT {ORGANIZATIONS.select} FROM organizations WHERE id = $1 OR name = $1 LIMIT 1", ref)
    return None if row is None else ORGANIZATIONS.from_row(row)


async def get(db: Executor, org_id: str) -> Organization | None:
    row = await db.fetchrow(f"SELECT {ORGANIZATIONS.select} FROM organizations WHERE id = $1", org_id)
    return None if row is None else ORGANIZATIONS.from_row(row)


async def lock_version(db: Executor, org_id: str) -> datetime | None:
    """The organization's ``updated_at``, its row locked until the transaction ends (for ``If-Match``)."""
    value: datetime | None = await db.fetchval(
        f"SELECT updated_at FROM organizations WHERE id = $1{for_update(db)}", org_id
    )
    return value


UPDATABLE = ("name", "base_currency")


async def update(db: Executor, org_id: str, changes: Mapping[str, Any], now: datetime) -> Organization | None:
    """Set ``changes`` (columns of :data:`UPDATABLE` only) and ``updated_at``; the row after."""
    columns = [column for column in UPDATABLE if column in changes]
    assert len(columns) == len(changes), f"not updatable: {sorted(set(changes) - set(UPDATABLE))}"
    sets = "".join(f", {column} = ${i}" for i, column in enumerate(columns, start=3))
    row = await db.fetchrow(
        f"UPDATE organizations SET updated_at = $2{sets} WHERE id = $1 RETURNING {ORGANIZATIONS.select}",
        org_id,
        now,
        *(changes[column] for column in columns),
    )
    return None if row is None else ORGANIZATIONS.from_row(row)


async def base_currency(db: Executor, org_id: str) -> str | None:
    value: str | None = await db.fetchval("SELECT base_currency FROM organizations WHERE id = $1", org_id)
    return value


async def list_all(db: Executor) -> list[Organization]:
    rows = await db.fetch(f"SELECT {ORGANIZATIONS.select} FROM organizations ORDER BY created_at")
    return ORGANIZATIONS.from_rows(rows)


async def count(db: Executor) -> int:
    return int(await db.fetchval("SELECT count(*) FROM organizations"))
