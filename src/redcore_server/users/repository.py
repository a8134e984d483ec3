"""Every query on users, and only here."""

from __future__ import annotations

from datetime import datetime

import msgspec

from redcore_server.db import Executor
from redcore_server.kit.repository import ResourceRepository, for_update
from redcore_server.kit.rows import Columns
from redcore_server.users import spec
from redcore_server.users.emails import lookup_key
from redcore_server.users.schemas import Status

USERS = ResourceRepository(spec.USERS)


async def role_of(db: Executor, org_id: str, ident: str) -> str | None:
    """The user's current role, the row locked until the transaction ends (SQLite's writer lock does
    that), so the privilege check and the change it allows see the same role."""
    role: str | None = await db.fetchval(
        f"SELECT role FROM users WHERE id = $1 AND org_id = $2{for_update(db)}", ident, org_id
    )
    return role


class Credentials(msgspec.Struct, frozen=True):
    """What signing in checks of a user: no password hash until the user has chosen a password."""

    user_id: str
    password_hash: str | None
    status: Status


_CREDENTIALS = Columns(Credentials, sources={"user_id": "id"})


async def credentials(db: Executor, org_id: str, email: str) -> Credentials | None:
    """The credentials of the organization's user with this email, compared by its key
    (``users/emails.py``: any case, composed or not)."""
    row = await db.fetchrow(
        f"SELECT {_CREDENTIALS.select} FROM users WHERE org_id = $1 AND email_key = $2",
        org_id,
        lookup_key(email),
    )
    return None if row is None else _CREDENTIALS.from_row(row)


async def password_hash(db: Executor, org_id: str, user_id: str) -> str | None:
    """The user's password hash (None for a user who has none yet, or no such user)."""
    value: str | None = await db.fetchval(
        "SELECT password_hash FROM users WHERE id = $1 AND org_id = $2", user_id, org_id
    )
    return value


async def record_sign_in(db: Executor, user_id: str, now: datetime, rehashed: tuple[str, str] | None) -> None:
    """Set ``last_login``, and with ``rehashed`` = (the hash the password was checked against, one
    made with today's parameters) store the new hash, unless the password changed meanwhile.

    Deliberately not a ``user.updated`` event: signing in does not change the user's data."""
    if rehashed is None:
        await db.execute("UPDATE users SET last_login = $2 WHERE id = $1", user_id, now)
    else:
        await db.execute(
            "UPDATE users SET last_login = $2,"
            " password_hash = CASE WHEN password_hash = $3 THEN $4 ELSE password_hash END WHERE id = $1",
            user_id,
            now,
            *rehashed,
        )


async def lock_user(db: Executor, org_id: str, ident: str) -> bool:
    """Whether the organization has this user, holding (on PostgreSQL) the lock a foreign key to the
    row takes, so the user cannot be deleted before the caller's change that refers to them commits."""
    share = " FOR KEY SHARE" if db.dialect == "postgresql" else ""
    found = await db.fetchval(f"SELECT 1 FROM users WHERE id = $1 AND org_id = $2{share}", ident, org_id)
    return found is not None
