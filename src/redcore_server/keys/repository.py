from __future__ import annotations

from datetime import datetime
from typing import Any

from redcore_server.db import Executor
from redcore_server.keys.schemas import ApiKey
from redcore_server.kit.rows import Columns

_KEYS = Columns(ApiKey, decoders={"scopes": str.split})  # stored space-separated


async def insert(db: Executor, key: ApiKey, secret_hash: str) -> None:
    await db.execute(
        "INSERT INTO api_keys (id, org_id, name, prefix, secret_hash, scopes, created_at, expires_at, rate_limit)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        key.id,
        key.org_id,
        key.name,
        key.prefix,
        secret_hash,
        " ".join(key.scopes),
        key.created_at,
        key.expires_at,
        key.rate_limit,
    )


async def get_active_by_hash(db: Executor, secret_hash: str) -> ApiKey | None:
    """The hot path of authentication: one indexed lookup, no slow hash."""
    row = await db.fetchrow(
        f"SELECT {_KEYS.select} FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL", secret_hash
    )
    return None if row is None else _KEYS.from_row(row)


async def list_for_org(db: Executor, org_id: str) -> list[ApiKey]:
    rows = await db.fetch(f"SELECT {_KEYS.select} FROM api_keys WHERE org_id = $1 ORDER BY created_at, id", org_id)
    return _KEYS.from_rows(rows)


async def touch(db: Executor, key_id: str, when: datetime) -> None:
    await db.execute("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", key_id, when)


async def revoke(db: Executor, org_id: str, key_id: str, when: datetime) -> ApiKey | None:
    row = await db.fetchrow(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND org_id = $2"
        f" RETURNING {_KEYS.select}",
        key_id,
        org_id,
        when,
    )
    return None if row is None else _KEYS.from_row(row)


# What ``GET /v1/me`` shows of the calling key (``me/``): the contract's fields of a key, never its secret.
_CALLER_FIELDS = (
    "id",
    "name",
    "prefix",
    "scopes",
    "rate_limit",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
)


async def describe(db: Executor, org_id: str, key_id: str) -> dict[str, Any] | None:
    """The key ``key_id`` of the organization as the contract shows a key, by field name."""
    row = await db.fetchrow(
        f"SELECT {', '.join(_CALLER_FIELDS)} FROM api_keys WHERE id = $1 AND org_id = $2", key_id, org_id
    )
    if row is None:
        return None
    fields = dict(zip(_CALLER_FIELDS, row, strict=True))
    fields["scopes"] = fields["scopes"].split()  # stored space-separated
    return fields
