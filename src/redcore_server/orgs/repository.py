from __future__ import annotations

from redcore_server.db import Executor
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


async def base_currency(db: Executor, org_id: str) -> str | None:
    value: str | None = await db.fetchval("SELECT base_currency FROM organizations WHERE id = $1", org_id)
    return value


async def list_all(db: Executor) -> list[Organization]:
    rows = await db.fetch(f"SELECT {ORGANIZATIONS.select} FROM organizations ORDER BY created_at")
    return ORGANIZATIONS.from_rows(rows)


async def count(db: Executor) -> int:
    return int(await db.fetchval("SELECT count(*) FROM organizations"))
