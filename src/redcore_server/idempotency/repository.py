"""Every query on idempotency keys, and only here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redcore_server.db import Executor, Row
from redcore_server.db.batches import skip_locked


@dataclass(frozen=True, slots=True)
class NewClaim:
    scope: str
    key_hash: str
    request_hash: str
    lease: str
    locked_until: datetime
    now: datetime
    expires_at: datetime

    def values(self) -> tuple[object, ...]:
        return (self.scope, self.key_hash, self.request_hash, self.lease, self.locked_until, self.now, self.expires_at)


async def insert_claim(db: Executor, claim: NewClaim) -> bool:
    """Claim a key nobody has used; False when a row for it exists (committed, or being claimed by a
    concurrent transaction, which this waits for: claims are short)."""
    inserted = await db.execute(
        "INSERT INTO idempotency_keys (scope, key_hash, request_hash, status, lease, locked_until, created_at,"
        " expires_at) VALUES ($1, $2, $3, 'running', $4, $5, $6, $7) ON CONFLICT (scope, key_hash) DO NOTHING",
        *claim.values(),
    )
    return inserted > 0


async def lock(db: Executor, scope: str, key_hash: str) -> Row | None:
    """``(request_hash, status, locked_until, expires_at, response)``, locked until the transaction ends
    (SQLite's writer lock does that)."""
    lock_clause = " FOR UPDATE" if db.dialect == "postgresql" else ""
    return await db.fetchrow(
        "SELECT request_hash, status, locked_until, expires_at, response FROM idempotency_keys"
        f" WHERE scope = $1 AND key_hash = $2{lock_clause}",
        scope,
        key_hash,
    )


async def reclaim(db: Executor, claim: NewClaim) -> None:
    """Claim a key whose record expired, or whose request died holding it (its lease ran out)."""
    await db.execute(
        "UPDATE idempotency_keys SET request_hash = $3, status = 'running', lease = $4, locked_until = $5,"
        " response = NULL, created_at = $6, expires_at = $7 WHERE scope = $1 AND key_hash = $2",
        *claim.values(),
    )


async def complete(db: Executor, scope: str, key_hash: str, lease: str, response: str) -> bool:
    """Store the outcome, if this attempt still holds the key."""
    done = await db.execute(
        "UPDATE idempotency_keys SET status = 'done', lease = NULL, locked_until = NULL, response = $4"
        " WHERE scope = $1 AND key_hash = $2 AND lease = $3",
        scope,
        key_hash,
        lease,
        response,
    )
    return done > 0


async def release(db: Executor, scope: str, key_hash: str, lease: str) -> None:
    """Forget a claim whose request stored nothing (refused or failed), if this attempt still holds it."""
    await db.execute(
        "DELETE FROM idempotency_keys WHERE scope = $1 AND key_hash = $2 AND lease = $3", scope, key_hash, lease
    )


async def any_expired(db: Executor, now: datetime) -> bool:
    """A cheap read, so that an idle purge never opens a write transaction."""
    return await db.fetchval("SELECT 1 FROM idempotency_keys WHERE expires_at <= $1 LIMIT 1", now) is not None


async def purge_expired(db: Executor, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` records past their 24 hours; how many went."""
    return await db.execute(
        "DELETE FROM idempotency_keys WHERE seq IN (SELECT seq FROM idempotency_keys WHERE expires_at <= $1"
        f" ORDER BY expires_at LIMIT $2{skip_locked(db)})",
        now,
        limit,
    )
