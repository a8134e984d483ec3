"""Every query on users, and only here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from redcore_server.db import Executor
from redcore_server.db.listing import ListSpec, PageRequest, PageResult, SortField, fetch_page
from redcore_server.users.schemas import User

COLUMNS = "id, email, name, role, status, avatar, last_login, created_at, updated_at"
UNIQUE_EMAIL = "uq_users_org_id_email"

LIST_SPEC = ListSpec(
    table="users",
    columns=COLUMNS,
    sort_fields={
        "created_at": SortField("created_at", "timestamp"),
        "name": SortField("name", "text"),
        "email": SortField("email", "text"),
    },
    search_columns=("name", "email"),
    fts_table="users_fts",
)

# Columns a caller may change through update(); anything else is refused before SQL is built.
UPDATABLE = frozenset({"email", "name", "role", "status", "avatar", "password_hash"})


async def get(db: Executor, org_id: str, user_id: str) -> User | None:
    row = await db.fetchrow(f"SELECT {COLUMNS} FROM users WHERE id = $1 AND org_id = $2", user_id, org_id)
    return None if row is None else User(*row)


async def lock_version(db: Executor, org_id: str, user_id: str) -> datetime | None:
    """The row's ``updated_at``, locked until the transaction ends (SQLite's writer lock does that)."""
    lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
    value: datetime | None = await db.fetchval(
        f"SELECT updated_at FROM users WHERE id = $1 AND org_id = $2{lock}", user_id, org_id
    )
    return value


async def list_page(db: Executor, org_id: str, req: PageRequest) -> tuple[list[User], PageResult]:
    result = await fetch_page(db, LIST_SPEC, org_id, req)
    return [User(*row) for row in result.rows], result


async def insert(db: Executor, org_id: str, user: User, password_hash: str | None) -> None:
    await db.execute(
        "INSERT INTO users (id, org_id, email, name, role, status, avatar, password_hash, last_login,"
        " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        user.id,
        org_id,
        user.email,
        user.name,
        user.role,
        user.status,
        user.avatar,
        password_hash,
        user.last_login,
        user.created_at,
        user.updated_at,
    )


async def update(db: Executor, org_id: str, user_id: str, changes: dict[str, Any], updated_at: datetime) -> User | None:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    assignments = [f"{column} = ${i}" for i, column in enumerate(changes, start=3)]
    assignments.append(f"updated_at = ${len(changes) + 3}")
    row = await db.fetchrow(
        f"UPDATE users SET {', '.join(assignments)} WHERE id = $1 AND org_id = $2 RETURNING {COLUMNS}",
        user_id,
        org_id,
        *changes.values(),
        updated_at,
    )
    return None if row is None else User(*row)


async def delete(db: Executor, org_id: str, user_id: str) -> bool:
    return await db.execute("DELETE FROM users WHERE id = $1 AND org_id = $2", user_id, org_id) > 0
