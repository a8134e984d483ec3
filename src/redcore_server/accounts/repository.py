"""Every query on account links and the password-reset queue, and only here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from redcore_server.accounts.schemas import TokenKind
from redcore_server.db import Executor
from redcore_server.db.batches import skip_locked
from redcore_server.kit import outbox_repository as outbox
from redcore_server.kit.repository import for_update
from redcore_server.kit.rows import Columns

REQUESTS = "password_reset_requests"


class AccountLink(msgspec.Struct, frozen=True):
    """What spending a link checks."""

    seq: int
    org_id: str
    user_id: str
    kind: str
    email: str  # the address the link was sent to
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class ResetRequest(msgspec.Struct, frozen=True):
    """A queued password-reset request: the organization and the address as given."""

    id: str
    organization: str
    email: str


_LINK = Columns(AccountLink)
_REQUEST = Columns(ResetRequest)


# -- links ------------------------------------------------------------------------------------------


async def create(
    db: Executor,
    *,
    org_id: str,
    user_id: str,
    kind: TokenKind,
    token_hash: str,
    email: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await db.execute(
        "INSERT INTO account_tokens (org_id, user_id, kind, token_hash, email, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        org_id,
        user_id,
        kind,
        token_hash,
        email,
        now,
        expires_at,
    )


async def revoke_open(db: Executor, user_id: str, kinds: Sequence[TokenKind], now: datetime) -> int:
    """Withdraw the user's links of ``kinds`` that could still be used; how many there were."""
    marks = ", ".join(f"${i}" for i in range(3, len(kinds) + 3))
    return await db.execute(
        f"UPDATE account_tokens SET revoked_at = $2 WHERE user_id = $1 AND kind IN ({marks})"
        " AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
        user_id,
        now,
        *kinds,
    )


async def count_since(db: Executor, user_id: str, kind: TokenKind, since: datetime) -> int:
    """How many links of ``kind`` the user was sent since ``since`` (spent or not)."""
    count: int = await db.fetchval(
        "SELECT count(*) FROM account_tokens WHERE user_id = $1 AND kind = $2 AND created_at > $3",
        user_id,
        kind,
        since,
    )
    return count


async def by_token_hash(db: Executor, token_hash: str, *, lock: bool = False) -> AccountLink | None:
    """The link of a token's digest; with ``lock``, locked until the transaction ends (SQLite's writer
    lock does that)."""
    row = await db.fetchrow(
        f"SELECT {_LINK.select} FROM account_tokens WHERE token_hash = $1{for_update(db) if lock else ''}",
        token_hash,
    )
    return None if row is None else _LINK.from_row(row)


async def mark_used(db: Executor, seq: int, now: datetime) -> None:
    await db.execute("UPDATE account_tokens SET used_at = $2 WHERE seq = $1", seq, now)


# -- the password-reset queue -----------------------------------------------------------------------


async def enqueue_request(db: Executor, ident: str, organization: str, email: str, now: datetime) -> None:
    await db.execute(
        f"INSERT INTO {REQUESTS} (id, organization, email, status, attempt_count, next_attempt_at, created_at)"
        " VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
        ident,
        organization,
        email,
        now,
    )


async def any_due(db: Executor, now: datetime) -> bool:
    return await outbox.any_due(db, REQUESTS, now)


async def claim(db: Executor, *, now: datetime, lease: str, until: datetime, limit: int) -> Sequence[ResetRequest]:
    rows = await outbox.claim(db, REQUESTS, _REQUEST.select, now=now, lease=lease, until=until, limit=limit)
    return _REQUEST.from_rows(rows)


async def take(db: Executor, ident: str, lease: str) -> bool:
    """Delete the request this worker leased; False when it is gone or leased again by another."""
    return bool(await db.execute(f"DELETE FROM {REQUESTS} WHERE id = $1 AND lease = $2", ident, lease))


async def any_before(db: Executor, cutoff: datetime) -> bool:
    return await db.fetchrow(f"SELECT 1 FROM {REQUESTS} WHERE created_at < $1 LIMIT 1", cutoff) is not None


async def purge_before(db: Executor, cutoff: datetime, limit: int) -> int:
    """Delete up to ``limit`` requests made before ``cutoff``, whatever became of them."""
    return await db.execute(
        f"DELETE FROM {REQUESTS} WHERE seq IN (SELECT seq FROM {REQUESTS} WHERE created_at < $1"
        f" LIMIT $2{skip_locked(db)})",
        cutoff,
        limit,
    )
