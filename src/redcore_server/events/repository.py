"""Every query on events, and only here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from redcore_server.db import Executor
from redcore_server.db.batches import skip_locked
from redcore_server.db.listing import ListSpec, SortField
from redcore_server.db.resources import ResourceTable
from redcore_server.events.schemas import Event

_decode = msgspec.json.Decoder(dict[str, Any]).decode
_encode = msgspec.json.Encoder().encode


def _event(ident: str, type_: str, created_at: datetime, data: str, request_id: str | None, cred: str | None) -> Event:
    return Event(ident, type_, created_at, _decode(data), request_id, cred)


EVENTS = ResourceTable(
    _event,
    ListSpec(
        table="events",
        columns="id, type, created_at, data, request_id, credential_id",
        sort_fields={"created_at": SortField("created_at", "timestamp")},
    ),
    updatable=frozenset(),
)


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


async def any_before(db: Executor, cutoff: datetime) -> bool:
    return await db.fetchrow("SELECT 1 FROM events WHERE created_at < $1 LIMIT 1", cutoff) is not None


async def purge_before(db: Executor, cutoff: datetime, limit: int) -> int:
    """Delete up to ``limit`` events older than ``cutoff`` that have no deliveries left (those are
    purged first, ``webhooks.repository.purge_deliveries``, unless still pending)."""
    return await db.execute(
        "DELETE FROM events WHERE seq IN (SELECT e.seq FROM events e WHERE e.created_at < $1"
        " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)"
        f" LIMIT $2{skip_locked(db)})",
        cutoff,
        limit,
    )
