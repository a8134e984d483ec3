"""Every query on sessions and rotated refresh tokens, and only here."""

from __future__ import annotations

from datetime import datetime

import msgspec

from redcore_server.db import Executor
from redcore_server.kit.repository import ResourceRepository
from redcore_server.kit.rows import Columns
from redcore_server.sessions import spec
from redcore_server.sessions.schemas import Session
from redcore_server.users.schemas import Role, Status

SESSIONS = ResourceRepository(spec.SESSIONS)


async def create(
    db: Executor,
    session: Session,
    *,
    org_id: str,
    access_hash: str,
    access_expires_at: datetime,
    refresh_hash: str,
) -> None:
    await db.execute(
        "INSERT INTO sessions (id, org_id, user_id, access_hash, access_expires_at, refresh_hash, created_at,"
        " last_used_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        session.id,
        org_id,
        session.user_id,
        access_hash,
        access_expires_at,
        refresh_hash,
        session.created_at,
        session.last_used_at,
        session.expires_at,
        session.ip,
        session.user_agent,
    )


class AccessGrant(msgspec.Struct, frozen=True):
    """The session an access token opens, with its user's role and status as they are now."""

    session_id: str
    org_id: str
    user_id: str
    role: Role
    role_scopes: str | None  # a custom role's scopes as they are now (space-separated); None for a built-in
    user_status: Status
    expires_at: datetime  # the access token's own expiry, not the session's


class RefreshGrant(msgspec.Struct, frozen=True):
    """The session a refresh token belongs to, with its user's status as it is now."""

    session_id: str
    org_id: str
    user_id: str
    user_status: Status
    expires_at: datetime  # the session's absolute end


_SESSION = {"session_id": "s.id", "org_id": "s.org_id", "user_id": "s.user_id", "user_status": "u.status"}
_ACCESS = Columns(
    AccessGrant,
    sources=_SESSION | {"role": "u.role", "role_scopes": "r.scopes", "expires_at": "s.access_expires_at"},
)
_REFRESH = Columns(RefreshGrant, sources=_SESSION | {"expires_at": "s.expires_at"})


async def by_access_hash(db: Executor, digest: str) -> AccessGrant | None:
    row = await db.fetchrow(
        f"SELECT {_ACCESS.select} FROM sessions s JOIN users u ON u.id = s.user_id"
        " LEFT JOIN roles r ON r.org_id = u.org_id AND r.key = u.role WHERE s.access_hash = $1",
        digest,
    )
    return None if row is None else _ACCESS.from_row(row)


async def by_refresh_hash(db: Executor, digest: str) -> RefreshGrant | None:
    """The session locked until the transaction ends (SQLite's writer lock does that)."""
    lock = " FOR UPDATE OF s" if db.dialect == "postgresql" else ""
    row = await db.fetchrow(
        f"SELECT {_REFRESH.select} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.refresh_hash = $1{lock}",
        digest,
    )
    return None if row is None else _REFRESH.from_row(row)


async def session_of_rotated(db: Executor, digest: str) -> str | None:
    """The session that already exchanged this refresh token, if any."""
    found: str | None = await db.fetchval("SELECT session_id FROM rotated_refresh_tokens WHERE token_hash = $1", digest)
    return found


async def rotate(
    db: Executor,
    session_id: str,
    *,
    old_refresh_hash: str,
    refresh_hash: str,
    access_hash: str,
    access_expires_at: datetime,
    now: datetime,
) -> Session | None:
    await db.execute(
        "INSERT INTO rotated_refresh_tokens (token_hash, session_id, rotated_at) VALUES ($1, $2, $3)",
        old_refresh_hash,
        session_id,
        now,
    )
    row = await db.fetchrow(
        "UPDATE sessions SET refresh_hash = $2, access_hash = $3, access_expires_at = $4, last_used_at = $5"
        f" WHERE id = $1 RETURNING {SESSIONS.spec.select}",
        session_id,
        refresh_hash,
        access_hash,
        access_expires_at,
        now,
    )
    return None if row is None else SESSIONS.spec.from_row(row)


async def touch(db: Executor, session_id: str, now: datetime) -> None:
    await db.execute("UPDATE sessions SET last_used_at = $2 WHERE id = $1", session_id, now)


async def delete(db: Executor, org_id: str, session_id: str, user_id: str | None = None) -> int:
    if user_id is None:
        return await db.execute("DELETE FROM sessions WHERE id = $1 AND org_id = $2", session_id, org_id)
    return await db.execute(
        "DELETE FROM sessions WHERE id = $1 AND org_id = $2 AND user_id = $3", session_id, org_id, user_id
    )


async def delete_any(db: Executor, session_id: str) -> None:
    await db.execute("DELETE FROM sessions WHERE id = $1", session_id)


async def delete_for_user(db: Executor, org_id: str, user_id: str, keep: str | None = None) -> int:
    """Revoke every session of the user (but ``keep``); how many there were."""
    return await db.execute(
        "DELETE FROM sessions WHERE org_id = $1 AND user_id = $2 AND id <> $3", org_id, user_id, keep or ""
    )


async def is_known_address(db: Executor, user_id: str | None, address: str, since: datetime) -> bool:
    """Whether the user signed in successfully from ``address`` since ``since`` (False for no user)."""
    row = await db.fetchrow(
        "SELECT 1 FROM sign_in_addresses WHERE user_id = $1 AND address = $2 AND last_seen_at >= $3",
        user_id or "",
        address,
        since,
    )
    return row is not None


async def remember_address(db: Executor, user_id: str, address: str, now: datetime, forget_before: datetime) -> None:
    """Record a successful sign-in from ``address``, and forget the user's addresses unused since ``forget_before``."""
    await db.execute(
        "INSERT INTO sign_in_addresses (user_id, address, last_seen_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (user_id, address) DO UPDATE SET last_seen_at = excluded.last_seen_at",
        user_id,
        address,
        now,
    )
    await db.execute("DELETE FROM sign_in_addresses WHERE user_id = $1 AND last_seen_at < $2", user_id, forget_before)
