"""Every query on API keys, and only here."""

from __future__ import annotations

from datetime import datetime

from redcore_server.auth.scopes import KEYS_MANAGE
from redcore_server.db import Executor
from redcore_server.keys import spec
from redcore_server.keys.schemas import ApiKey, KeyGrant
from redcore_server.kit.repository import ResourceRepository, for_update
from redcore_server.kit.rows import Columns

KEYS = ResourceRepository(spec.KEYS)
_GRANTS = Columns(KeyGrant, decoders={"scopes": str.split})
_ROW = spec.KEYS.select
# A key holds ``keys:manage`` when it is among its space-separated scopes.
_MANAGES = f"(' ' || scopes || ' ') LIKE '% {KEYS_MANAGE} %'"


async def insert(db: Executor, org_id: str, key: ApiKey, secret_hash: str) -> None:
    await db.execute(
        "INSERT INTO api_keys (id, org_id, name, prefix, secret_hash, scopes, created_at, expires_at, rate_limit)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        key.id,
        org_id,
        key.name,
        key.prefix,
        secret_hash,
        " ".join(key.scopes),
        key.created_at,
        key.expires_at,
        key.rate_limit,
    )


async def grant_by_hash(db: Executor, secret_hash: str) -> KeyGrant | None:
    """The hot path of authentication: one indexed lookup, no slow hash."""
    row = await db.fetchrow(
        f"SELECT {_GRANTS.select} FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL", secret_hash
    )
    return None if row is None else _GRANTS.from_row(row)


async def list_for_org(db: Executor, org_id: str) -> list[ApiKey]:
    rows = await db.fetch(f"SELECT {_ROW} FROM api_keys WHERE org_id = $1 ORDER BY created_at, id", org_id)
    return spec.KEYS.rows.from_rows(rows)


async def lock(db: Executor, org_id: str, key_id: str) -> ApiKey | None:
    """The key, its row locked until the transaction ends (SQLite's writer lock does that)."""
    row = await db.fetchrow(
        f"SELECT {_ROW} FROM api_keys WHERE id = $1 AND org_id = $2{for_update(db)}", key_id, org_id
    )
    return None if row is None else spec.KEYS.from_row(row)


async def lock_managers(db: Executor, org_id: str, now: datetime) -> list[str]:
    """The ids of the organization's working keys that hold ``keys:manage``, locked until the
    transaction ends: two revocations of the last two such keys wait for each other."""
    rows = await db.fetch(
        f"SELECT id FROM api_keys WHERE org_id = $1 AND revoked_at IS NULL AND {_MANAGES}"
        f" AND (expires_at IS NULL OR expires_at > $2) ORDER BY id{for_update(db)}",
        org_id,
        now,
    )
    return [row[0] for row in rows]


async def touch(db: Executor, key_id: str, when: datetime) -> None:
    await db.execute("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", key_id, when)


async def rename(db: Executor, org_id: str, key_id: str, name: str | None) -> ApiKey | None:
    row = await db.fetchrow(
        f"UPDATE api_keys SET name = $3 WHERE id = $1 AND org_id = $2 RETURNING {_ROW}", key_id, org_id, name
    )
    return None if row is None else spec.KEYS.from_row(row)


async def revoke(db: Executor, org_id: str, key_id: str, when: datetime) -> ApiKey | None:
    """Revoke the key (a key already revoked keeps its first revocation time)."""
    row = await db.fetchrow(
        f"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND org_id = $2 RETURNING {_ROW}",
        key_id,
        org_id,
        when,
    )
    return None if row is None else spec.KEYS.from_row(row)


async def expire(db: Executor, org_id: str, key_id: str, when: datetime) -> ApiKey | None:
    """Make the key stop working at ``when`` (never later than it already would)."""
    row = await db.fetchrow(
        "UPDATE api_keys SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > $3 THEN $3 ELSE expires_at END"
        f" WHERE id = $1 AND org_id = $2 RETURNING {_ROW}",
        key_id,
        org_id,
        when,
    )
    return None if row is None else spec.KEYS.from_row(row)
