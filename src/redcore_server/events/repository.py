"""Every query on events, and only here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from redcore_server.db import Executor
from redcore_server.db.batches import skip_locked
from redcore_server.events import spec
from redcore_server.kit.repository import ResourceRepository

EVENTS = ResourceRepository(spec.EVENTS)
_encode = msgspec.json.Encoder().encode


async def record(
    db: Executor,
    *,
    ident: str,
    org_id: str,
    type_: str,
    created_at: datetime,
    data: Any,
    subject_id: str | None,
    request_id: str | None,
    credential_id: str | None,
) -> None:
    await EVENTS.insert(
        db,
        {
            "id": ident,
            "org_id": org_id,
            "type": type_,
            "created_at": created_at,
            "data": _encode(data).decode(),
            "request_id": request_id,
            "credential_id": credential_id,
            "subject_id": subject_id,
        },
    )


# -- erasure and retention (housekeeping) -------------------------------------------------------


async def erase_subject(db: Executor, org_id: str, subject_id: str, erased_data: str, limit: int) -> int:
    """Replace the data of up to ``limit`` of ``subject_id``'s events with ``erased_data``."""
    return await db.execute(
        "UPDATE events SET data = $3 WHERE seq IN (SELECT seq FROM events WHERE org_id = $1 AND subject_id = $2"
        " AND data <> $3 LIMIT $4)",
        org_id,
        subject_id,
        erased_data,
        limit,
    )


Position = tuple[datetime, int]  # (created_at, seq): where a walk through the events in time order is


async def expired_after(
    db: Executor, cutoff: datetime, after: Position | None, limit: int
) -> list[tuple[str, Position]]:
    """The ids (and positions) of the next ``limit`` events older than ``cutoff``, oldest first,
    after ``after``."""
    if after is None:
        rows = await db.fetch(
            "SELECT id, created_at, seq FROM events WHERE created_at < $1 ORDER BY created_at, seq LIMIT $2",
            cutoff,
            limit,
        )
    else:
        rows = await db.fetch(
            "SELECT id, created_at, seq FROM events WHERE created_at < $1 AND (created_at, seq) > ($2, $3)"
            " ORDER BY created_at, seq LIMIT $4",
            cutoff,
            after[0],
            after[1],
            limit,
        )
    return [(row[0], (row[1], row[2])) for row in rows]


async def purge(db: Executor, event_ids: Sequence[str]) -> int:
    """Delete those of ``event_ids`` that have no deliveries left (those are purged first,
    ``webhooks.repository.purge_deliveries``, unless still pending)."""
    marks = ", ".join(f"${i}" for i in range(1, len(event_ids) + 1))
    return await db.execute(
        f"DELETE FROM events WHERE seq IN (SELECT e.seq FROM events e WHERE e.id IN ({marks})"
        f" AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id){skip_locked(db)})",
        *event_ids,
    )
