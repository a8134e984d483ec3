"""HTTP for events: the shared collection routes (http/crud.py), read-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar.params import Parameter

from redcore_server import errors
from redcore_server.auth.scopes import EVENTS_READ
from redcore_server.events.schemas import Event
from redcore_server.http.crud import Collection, ListFilters, collection_controller
from redcore_server.http.listing import text_parameter


def _utc(name: str, moment: datetime) -> datetime:
    """``moment`` in UTC; a time without an offset is taken as UTC, like every timestamp this API writes."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable instant
        raise errors.ValidationError.of((name, "is outside the range of representable times")) from None


def event_filters(
    type: Annotated[str | None, text_parameter("Only events of this type, e.g. `user.created`.", max_length=64)] = None,
    created_after: Annotated[
        datetime | None, Parameter(description="Only events at or after this time (RFC 3339).")
    ] = None,
    created_before: Annotated[
        datetime | None, Parameter(description="Only events before this time (RFC 3339).")
    ] = None,
) -> ListFilters:
    bounds = (("created_after", ">=", created_after), ("created_before", "<", created_before))
    ranges = [("created_at", op, _utc(name, v)) for name, op, v in bounds if v is not None]
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
