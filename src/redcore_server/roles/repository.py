"""Every query on roles, and only here: custom roles are rows; the built-in ones are not."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from redcore_server.db import Executor
from redcore_server.kit.rows import Columns
from redcore_server.roles.schemas import Role

# ``built_in`` is no column: every row is a custom role.
_ROLES = Columns(Role, sources={"built_in": "0"}, decoders={"scopes": str.split, "built_in": bool})
Lock = Literal["share", "update"] | None


def _lock(db: Executor, lock: Lock) -> str:
    """``share``: the row cannot be deleted (nor changed) until this transaction ends; ``update``:
    nobody else may lock it. SQLite's writer lock does both by itself."""
    if lock is None or db.dialect != "postgresql":
        return ""
    return " FOR SHARE" if lock == "share" else " FOR UPDATE"


async def list_for_org(db: Executor, org_id: str) -> list[Role]:
    rows = await db.fetch(f"SELECT {_ROLES.select} FROM roles WHERE org_id = $1", org_id)
    return _ROLES.from_rows(rows)


async def count(db: Executor, org_id: str) -> int:
    return int(await db.fetchval("SELECT count(*) FROM roles WHERE org_id = $1", org_id))


async def get(db: Executor, org_id: str, key: str, lock: Lock = None) -> Role | None:
    row = await db.fetchrow(
        f"SELECT {_ROLES.select} FROM roles WHERE org_id = $1 AND key = $2{_lock(db, lock)}", org_id, key
    )
    return None if row is None else _ROLES.from_row(row)


async def insert(db: Executor, org_id: str, role: Role) -> None:
    await db.execute(
        "INSERT INTO roles (org_id, key, name, scopes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        org_id,
        role.key,
        role.name,
        " ".join(role.scopes),
        role.created_at,
        role.updated_at,
    )


async def update(db: Executor, org_id: str, key: str, changes: Mapping[str, Any], now: datetime) -> Role | None:
    values = {**changes, "updated_at": now}
    if "scopes" in values:
        values["scopes"] = " ".join(values["scopes"])
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(values, start=3))
    row = await db.fetchrow(
        f"UPDATE roles SET {assignments} WHERE org_id = $1 AND key = $2 RETURNING {_ROLES.select}",
        org_id,
        key,
        *values.values(),
    )
    return None if row is None else _ROLES.from_row(row)


async def delete(db: Executor, org_id: str, key: str) -> None:
    await db.execute("DELETE FROM roles WHERE org_id = $1 AND key = $2", org_id, key)


async def in_use(db: Executor, org_id: str, key: str) -> bool:
    """Whether a user of the organization holds the role (``ix_users_org_role_created`` answers)."""
    row = await db.fetchrow("SELECT 1 FROM users WHERE org_id = $1 AND role = $2 LIMIT 1", org_id, key)
    return row is not None
