"""Every query on webhook endpoints, deliveries and attempts, and only here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from redcore_server.db import Executor
from redcore_server.db.batches import skip_locked
from redcore_server.kit import outbox_repository as outbox
from redcore_server.kit.repository import ResourceRepository, for_update
from redcore_server.kit.rows import Columns
from redcore_server.webhooks import spec
from redcore_server.webhooks.schemas import WebhookAttempt

_encode = msgspec.json.Encoder().encode
_decode_types = msgspec.json.Decoder(list[str]).decode


def encode_event_types(types: list[str] | None) -> str | None:
    return None if types is None else _encode(types).decode()


ENDPOINTS = ResourceRepository(spec.ENDPOINTS)
DELIVERIES = ResourceRepository(spec.DELIVERIES)


async def current_secret(db: Executor, org_id: str, endpoint_id: str) -> str | None:
    """The endpoint's signing secret, its row locked until the transaction ends."""
    secret: str | None = await db.fetchval(
        f"SELECT secret FROM webhook_endpoints WHERE id = $1 AND org_id = $2{for_update(db)}", endpoint_id, org_id
    )
    return secret


# -- the outbox ---------------------------------------------------------------------------------


async def subscribers(db: Executor, org_id: str) -> Sequence[tuple[str, str | None]]:
    """``(endpoint id, event types JSON or None)`` of the organization's enabled endpoints."""
    rows = await db.fetch(
        "SELECT id, event_types FROM webhook_endpoints WHERE org_id = $1 AND enabled = $2", org_id, True
    )
    return [(row[0], row[1]) for row in rows]


def subscribed(event_types: str | None, type_: str) -> bool:
    return event_types is None or type_ in _decode_types(event_types)


async def enqueue(
    db: Executor, *, ident: str, org_id: str, endpoint_id: str, event_id: str, event_type: str, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO webhook_deliveries (id, org_id, endpoint_id, event_id, event_type, status, attempt_count,"
        " next_attempt_at, lease, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, NULL, $6, $6)",
        ident,
        org_id,
        endpoint_id,
        event_id,
        event_type,
        now,
    )


async def any_due(db: Executor, now: datetime) -> bool:
    return await outbox.any_due(db, "webhook_deliveries", now)


async def claim(db: Executor, *, now: datetime, lease: str, lease_until: datetime, limit: int) -> list[tuple[str, int]]:
    """Lease up to ``limit`` due deliveries: ``(id, attempt number)`` each (see ``outbox.repository.claim``)."""
    rows = await outbox.claim(
        db, "webhook_deliveries", "id, attempt_count", now=now, lease=lease, until=lease_until, limit=limit
    )
    return [(row[0], row[1]) for row in rows]


class Work(msgspec.Struct, frozen=True):
    """What one attempt needs: the endpoint, its secrets, and the event to send."""

    delivery_id: str
    org_id: str
    endpoint_id: str
    url: str
    enabled: bool
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    event_id: str
    event_type: str
    event_created_at: datetime
    event_data: str


_WORK = Columns(
    Work,
    sources={
        "delivery_id": "d.id",
        "org_id": "d.org_id",
        "endpoint_id": "d.endpoint_id",
        "url": "w.url",
        "enabled": "w.enabled",
        "secret": "w.secret",
        "previous_secret": "w.previous_secret",
        "previous_secret_expires_at": "w.previous_secret_expires_at",
        "event_id": "e.id",
        "event_type": "e.type",
        "event_created_at": "e.created_at",
        "event_data": "e.data",
    },
    decoders={"enabled": bool},  # 0/1 on SQLite
)


async def load_work(db: Executor, delivery_ids: Sequence[str]) -> list[Work]:
    """What the attempts of these deliveries need (deliveries deleted meanwhile are left out)."""
    if not delivery_ids:
        return []
    marks = ", ".join(f"${i}" for i in range(1, len(delivery_ids) + 1))
    rows = await db.fetch(
        f"SELECT {_WORK.select} FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id"
        f" JOIN events e ON e.id = d.event_id WHERE d.id IN ({marks})",
        *delivery_ids,
    )
    return _WORK.from_rows(rows)


async def record_attempt(db: Executor, delivery_id: str, attempt: WebhookAttempt) -> None:
    await db.execute(
        "INSERT INTO webhook_attempts (delivery_id, attempt, created_at, status_code, duration_ms, error,"
        " response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        delivery_id,
        attempt.attempt,
        attempt.created_at,
        attempt.status_code,
        attempt.duration_ms,
        attempt.error,
        attempt.response_excerpt,
    )


async def settle(
    db: Executor, delivery_id: str, lease: str, *, status: str, next_attempt_at: datetime | None, now: datetime
) -> bool:
    """Record where a claimed delivery stands after its attempt; False if the lease was lost."""
    touched = await db.execute(
        "UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, lease = NULL, updated_at = $5"
        " WHERE id = $1 AND lease = $2",
        delivery_id,
        lease,
        status,
        next_attempt_at,
        now,
    )
    return touched > 0


async def disable_endpoint(db: Executor, org_id: str, endpoint_id: str, reason: str, now: datetime) -> None:
    """Stop delivering to an endpoint: it is disabled and its waiting deliveries fail. Never waits:
    an endpoint another change holds (being edited or deleted) is left to that change, and the next
    410 disables it."""
    lock = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
    disabled = await db.execute(
        "UPDATE webhook_endpoints SET enabled = $2, disabled_reason = $3, updated_at = $4"
        f" WHERE id IN (SELECT id FROM webhook_endpoints WHERE id = $1{lock})",
        endpoint_id,
        False,
        reason,
        now,
    )
    if disabled:
        await fail_waiting(db, org_id, endpoint_id, now)


async def fail_waiting(db: Executor, org_id: str, endpoint_id: str, now: datetime) -> None:
    """Deliveries of ``endpoint_id`` waiting for an attempt (not those in flight) fail."""
    await db.execute(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = $3"
        " WHERE org_id = $1 AND endpoint_id = $2 AND status = 'pending' AND lease IS NULL",
        org_id,
        endpoint_id,
        now,
    )


async def schedule_now(db: Executor, org_id: str, endpoint_id: str, delivery_id: str, now: datetime) -> int:
    """Make a delivery due now, unless a worker holds it; the number of rows changed (0 or 1)."""
    return await db.execute(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $4, lease = NULL, updated_at = $4"
        " WHERE id = $1 AND org_id = $2 AND endpoint_id = $3"
        " AND NOT (status = 'pending' AND lease IS NOT NULL AND next_attempt_at > $4)",
        delivery_id,
        org_id,
        endpoint_id,
        now,
    )


_ATTEMPTS = Columns(WebhookAttempt)


async def attempts_of(db: Executor, delivery_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
    """The attempts of each delivery, in order."""
    found: dict[str, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return found
    marks = ", ".join(f"${i}" for i in range(1, len(delivery_ids) + 1))
    rows = await db.fetch(
        f"SELECT delivery_id, {_ATTEMPTS.select} FROM webhook_attempts WHERE delivery_id IN ({marks})"
        " ORDER BY delivery_id, attempt, seq",
        *delivery_ids,
    )
    for row in rows:
        found[row[0]].append(_ATTEMPTS.from_row(row[1:]))
    return found


# -- erasure and retention (housekeeping) -------------------------------------------------------


async def next_pending_for_subject(db: Executor, org_id: str, subject_id: str) -> datetime | None:
    """When the soonest pending delivery of an event about ``subject_id`` is next attempted (or its
    attempt in flight ends); None when no delivery of those events is pending."""
    due: datetime | None = await db.fetchval(
        "SELECT d.next_attempt_at FROM events e JOIN webhook_deliveries d ON d.event_id = e.id"
        " WHERE e.org_id = $1 AND e.subject_id = $2 AND d.status = 'pending' ORDER BY d.next_attempt_at LIMIT 1",
        org_id,
        subject_id,
    )
    return due


async def erase_excerpts_of_subject(db: Executor, org_id: str, subject_id: str, limit: int) -> int:
    """Forget what receivers answered (which may echo the payload) to up to ``limit`` attempts at
    delivering events about ``subject_id``."""
    return await db.execute(
        "UPDATE webhook_attempts SET response_excerpt = NULL WHERE seq IN (SELECT a.seq FROM events e"
        " JOIN webhook_deliveries d ON d.event_id = e.id JOIN webhook_attempts a ON a.delivery_id = d.id"
        " WHERE e.org_id = $1 AND e.subject_id = $2 AND a.response_excerpt IS NOT NULL"
        " LIMIT $3)",
        org_id,
        subject_id,
        limit,
    )


# A delivery of one of the events ($5…) goes with its event once the event is older than the
# retention ($1) and the delivery is done, or, when it is still pending, once the event is older than
# twice the retention ($2) and no worker holds the delivery ($3: now).
def _expired(event_ids: Sequence[str]) -> str:
    marks = ", ".join(f"${i}" for i in range(5, len(event_ids) + 5))
    return (
        f"d.event_id IN ({marks}) AND e.created_at < $1 AND (d.status <> 'pending'"
        " OR (e.created_at < $2 AND (d.lease IS NULL OR d.next_attempt_at <= $3)))"
    )


async def purge_attempts(
    db: Executor, event_ids: Sequence[str], *, cutoff: datetime, far: datetime, now: datetime, limit: int
) -> int:
    """Delete up to ``limit`` attempts of the expired deliveries of ``event_ids`` (before the
    deliveries themselves, so that no transaction deletes more than ``limit`` rows)."""
    return await db.execute(
        "DELETE FROM webhook_attempts WHERE seq IN (SELECT a.seq FROM webhook_deliveries d"
        " JOIN events e ON e.id = d.event_id JOIN webhook_attempts a ON a.delivery_id = d.id"
        f" WHERE {_expired(event_ids)} LIMIT $4{skip_locked(db, 'a')})",
        cutoff,
        far,
        now,
        limit,
        *event_ids,
    )


async def purge_deliveries(
    db: Executor, event_ids: Sequence[str], *, cutoff: datetime, far: datetime, now: datetime, limit: int
) -> int:
    """Delete up to ``limit`` of the expired deliveries of ``event_ids``."""
    return await db.execute(
        "DELETE FROM webhook_deliveries WHERE seq IN (SELECT d.seq FROM webhook_deliveries d"
        f" JOIN events e ON e.id = d.event_id WHERE {_expired(event_ids)} LIMIT $4{skip_locked(db, 'd')})",
        cutoff,
        far,
        now,
        limit,
        *event_ids,
    )
