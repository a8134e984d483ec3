"""Every query on the email outbox, and only here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from redcore_server.db import Executor
from redcore_server.db.batches import skip_locked
from redcore_server.kit import outbox_repository as outbox
from redcore_server.kit.rows import Columns

CANCELLED = "cancelled: the user was deleted before it was sent"
ID_PREFIX = "eml"  # email ids are ``eml_…`` (``ids.new_id``)


class Email(msgspec.Struct):
    """An email in the outbox. Once its user is deleted (``erasure/``), ``to_address`` and ``subject``
    are empty and ``body`` and ``last_error`` null."""

    id: str
    org_id: str
    user_id: str | None  # the user it is sent to
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


EMAILS = Columns(Email)
COLUMNS = EMAILS.select


async def enqueue(db: Executor, email: Email, due: datetime) -> None:
    await db.execute(
        "INSERT INTO emails (id, org_id, user_id, kind, to_address, subject, body, status, attempt_count,"
        " next_attempt_at, created_at) VALUES ($1, $2, $8, $3, $4, $5, $6, 'pending', 0, $9, $7)",
        email.id,
        email.org_id,
        email.kind,
        email.to_address,
        email.subject,
        email.body,
        email.created_at,
        email.user_id,
        due,
    )


async def any_due(db: Executor, now: datetime) -> bool:
    return await outbox.any_due(db, "emails", now)


async def claim(db: Executor, *, now: datetime, lease: str, until: datetime, limit: int) -> Sequence[Email]:
    """Lease due emails; each comes back with its attempt counted."""
    rows = await outbox.claim(db, "emails", COLUMNS, now=now, lease=lease, until=until, limit=limit)
    return EMAILS.from_rows(rows)


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
    return EMAILS.from_rows(rows)


async def get(db: Executor, email_id: str) -> Email | None:
    row = await db.fetchrow(f"SELECT {COLUMNS} FROM emails WHERE id = $1", email_id)
    return None if row is None else EMAILS.from_row(row)


# -- erasure and retention (housekeeping) -------------------------------------------------------


async def cancel_pending_for_user(db: Executor, org_id: str, user_id: str) -> int:
    """The user's emails not sent yet are not sent (one already on its way may still arrive)."""
    return await db.execute(
        "UPDATE emails SET status = 'cancelled', next_attempt_at = NULL, lease = NULL, last_error = $3"
        " WHERE org_id = $1 AND user_id = $2 AND status = 'pending'",
        org_id,
        user_id,
        CANCELLED,
    )


async def erase_for_user(db: Executor, org_id: str, user_id: str, limit: int) -> int:
    """Empty the address, subject, text and error of up to ``limit`` of the user's emails."""
    return await db.execute(
        "UPDATE emails SET to_address = '', subject = '', body = NULL, last_error = NULL WHERE seq IN"
        " (SELECT seq FROM emails WHERE org_id = $1 AND user_id = $2 AND status <> 'pending'"
        " AND (to_address <> '' OR body IS NOT NULL) LIMIT $3)",
        org_id,
        user_id,
        limit,
    )


async def any_before(db: Executor, cutoff: datetime) -> bool:
    return await db.fetchrow("SELECT 1 FROM emails WHERE created_at < $1 LIMIT 1", cutoff) is not None


async def purge_before(db: Executor, *, cutoff: datetime, far: datetime, limit: int) -> int:
    """Delete up to ``limit`` emails made before ``cutoff`` that are done (sent, failed, cancelled),
    or before ``far`` whatever their state."""
    return await db.execute(
        "DELETE FROM emails WHERE seq IN (SELECT seq FROM emails WHERE created_at < $1"
        f" AND (status <> 'pending' OR created_at < $2) LIMIT $3{skip_locked(db)})",
        cutoff,
        far,
        limit,
    )
