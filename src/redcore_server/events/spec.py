"""Events, declared once (see ``kit/spec.py``): read-only, each the record of one change."""

from __future__ import annotations

from typing import Any

import msgspec

from redcore_server.events.schemas import ID_PREFIX, Event
from redcore_server.kit.spec import ResourceSpec

EVENTS = ResourceSpec(
    name="events",
    noun="event",
    id_prefix=ID_PREFIX,
    model=Event,
    sortable={"created_at": "timestamp"},
    filterable=("type", "created_at"),
    fixed=("type", "data", "request_id", "credential_id"),
    decoders={"data": msgspec.json.Decoder(dict[str, Any]).decode},  # stored as JSON text
    version_field="created_at",  # an event never changes
    records_events=False,
)
