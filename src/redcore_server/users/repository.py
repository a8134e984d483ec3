"""Every query on users, and only here."""

from __future__ import annotations

from datetime import datetime

import msgspec

from redcore_server.db import Executor, from_row
from redcore_server.db.listing import ListSpec, SortField
from redcore_server.db.resources import ResourceTable
from redcore_server.users.emails import lookup_key
from redcore_server.users.schemas import Status, User

UNIQUE_EMAIL = "uq_users_org_id_email_key"

USERS = ResourceTable(
    User,
    ListSpec(
        table="users",
        columns="id, email, name, role, status, avatar, last_login, created_at, updated_at",
        sort_fields={
            "created_at": SortField("created_at", "timestamp"),
            "name": SortField("name", "text"),
            "email": SortField("email", "text"),
        },
        search_columns=("name", "email"),
        fts_table="users_fts",
    ),
    updatable=frozenset({"email", "email_key", "name", "role", "status", "avatar", "password_hash"}),
)


async def role_of(db: Executor, org_id: str, ident: str) -> str | None:
    """The user's current role, the row locked until the transaction ends (SQLite's writer lock does
    that), so the privilege check and the change it allows see the same role."""
    lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
    role: str | None = await db.fetchval(f"SELECT role FROM users WHERE id = $1 AND org_id = $2{lock}", ident, org_id)
    return role


class Credentials(msgspec.Struct, frozen=True):
    """What signing in checks of a user: no password hash until the user has chosen a password."""

    user_id: str
    password_hash: str | None
    status: Status


async def credentials(db: Executor, org_id: str, email: str) -> Credentials | None:
    """The credentials of the organization's user with this email, compared by its key
    (``users/emails.py``: any case, composed or not)."""
    row = await db.fetchrow(
        "SELECT id AS user_id, password_hash, status FROM users WHERE org_id = $1 AND email_key = $2",
        org_id,
        lookup_key(email),
    )
    return None if row is None else from_row(Credentials, row)


async def record_sign_in(db: Executor, user_id: str, now: datetime, rehashed: str | None) -> None:
    """Set ``last_login`` (and store a password hash made with today's parameters, when given).

    Deliberately not a ``user.updated`` event: signing in does not change the user's data."""
    if rehashed is None:
        await db.execute("UPDATE users SET last_login = $2 WHERE id = $1", user_id, now)
    else:
        await db.execute("UPDATE users SET last_login = $2, password_hash = $3 WHERE id = $1", user_id, now, rehashed)
