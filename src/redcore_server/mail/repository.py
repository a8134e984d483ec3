"""Every query on the email outbox, and only here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from redcore_server.db import Executor
from redcore_server.outbox import repository as outbox

COLUMNS = (
    "id, org_id, kind, to_address, subject, body, status, attempt_count, last_error, transport, created_at, sent_at"
)


class Email(msgspec.Struct):
    id: str
    org_id: str
    kind: str
    to_address: str
    subject: str
    body: str | None
    status: str
    attempt_count: int
    last_error: str | None
    transport: str | None
    created_at: datetime
    sent_at: datetime | None


async def enqueue(db: Executor, email: Email, due: datetime) -> None:
    await db.execute(
        "INSERT INTO emails (id, org_id, kind, to_address, subject, body, status, attempt_count, next_attempt_at,"
        " created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $8, $7)",
        email.id,
        email.org_id,
        email.kind,
        email.to_address,
        email.subject,
        email.body,
        email.created_at,
        due,
    )


async def any_due(db: Executor, now: datetime) -> bool:
    return await outbox.any_due(db, "emails", now)


async def claim(db: Executor, *, now: datetime, lease: str, until: datetime, limit: int) -> Sequence[Email]:
    """Lease due emails; each comes back with its attempt counted."""
    rows = await outbox.claim(db, "emails", COLUMNS, now=now, lease=lease, until=until, limit=limit)
    return [Email(*row) for row in rows]


async def settle(
    db: Executor,
    email_id: str,
    lease: str,
    *,
    status: str,
    next_attempt_at: datetime | None,
    error: str | None,
    transport: str | None,
    sent_at: datetime | None,
    keep_body: bool,
) -> None:
    body = "body" if keep_body else "NULL"
    await db.execute(
        f"UPDATE emails SET status = $3, next_attempt_at = $4, last_error = $5, transport = $6, sent_at = $7,"
        f" body = {body}, lease = NULL WHERE id = $1 AND lease = $2",
        email_id,
        lease,
        status,
        next_attempt_at,
        error,
        transport,
        sent_at,
    )


async def recent(db: Executor, limit: int, to_address: str | None = None) -> Sequence[Email]:
    if to_address:
        rows = await db.fetch(
            f"SELECT {COLUMNS} FROM emails WHERE lower(to_address) = lower($2) ORDER BY created_at DESC, id DESC"
            " LIMIT $1",
            limit,
            to_address,
        )
    else:
        rows = await db.fetch(f"SELECT {COLUMNS} FROM emails ORDER BY created_at DESC, id DESC LIMIT $1", limit)
    return [Email(*row) for row in rows]


async def get(db: Executor, email_id: str) -> Email | None:
    row = await db.fetchrow(f"SELECT {COLUMNS} FROM emails WHERE id = $1", email_id)
    return None if row is None else Email(*row)
