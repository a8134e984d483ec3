"""Every query on events, and only here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from redcore_server.db import Executor
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
        },
    )
