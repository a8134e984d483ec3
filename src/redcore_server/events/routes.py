"""HTTP for events: the shared collection routes (http/crud.py), read-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar.params import Parameter

from redcore_server.auth.scopes import EVENTS_READ
from redcore_server.events.schemas import Event
from redcore_server.http.crud import Collection, ListFilters, collection_controller


def event_filters(
    type: Annotated[
        str | None, Parameter(max_length=64, description="Only events of this type, e.g. `user.created`.")
    ] = None,
    created_after: Annotated[
        datetime | None, Parameter(description="Only events at or after this time (RFC 3339).")
    ] = None,
    created_before: Annotated[
        datetime | None, Parameter(description="Only events before this time (RFC 3339).")
    ] = None,
) -> ListFilters:
    bounds = ((">=", created_after), ("<", created_before))
    # A time without an offset is taken as UTC, like every timestamp this API writes.
    ranges = [("created_at", op, v if v.tzinfo else v.replace(tzinfo=UTC)) for op, v in bounds if v is not None]
    return ListFilters({"type": type} if type else {}, None, ranges)


EVENTS = Collection(
    name="events",
    noun="event",
    id_prefix="evt_",
    tag="Events",
    model=Event,
    create_model=None,
    update_model=None,
    read_scope=EVENTS_READ,
    write_scope=None,
    filters=event_filters,
    sortable=("created_at",),
    create_doc="",
    conflict_codes="",
    version_field="created_at",
)
EventController = collection_controller(EVENTS)
