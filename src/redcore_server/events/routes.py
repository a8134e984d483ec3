"""HTTP for events: the shared collection routes (kit/routes.py), read-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar.params import Parameter

from redcore_server import errors
from redcore_server.auth.scopes import EVENTS_READ
from redcore_server.events import spec
from redcore_server.events.service import EventService
from redcore_server.kit.params import text_parameter
from redcore_server.kit.routes import Collection, ListFilters, collection_controller

# RFC 3339's date-time (the offset may be left out: the time is then UTC). Parsed here rather than
# by the framework, which would also take a number such as 0.5 for a time.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]\d{2}:\d{2})?")


def _utc(name: str, text: str) -> datetime:
    """``text`` as a time in UTC; a time without an offset is taken as UTC, like every timestamp this
    API writes."""
    try:
        if not _DATE_TIME.fullmatch(text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        raise errors.ValidationError.of((name, "must be an RFC 3339 time such as 2026-04-01T14:22:00Z")) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable instant
        raise errors.ValidationError.of((name, "is outside the range of representable times")) from None


def _time_parameter(description: str) -> Any:
    return Parameter(
        description=f"{description} RFC 3339 (`2026-04-01T14:22:00Z`); without an offset, UTC.",
        schema_extra={"format": "date-time"},
    )


def event_filters(
    type: Annotated[str | None, text_parameter("Only events of this type, e.g. `user.created`.", max_length=64)] = None,
    created_after: Annotated[str | None, _time_parameter("Only events at or after this time.")] = None,
    created_before: Annotated[str | None, _time_parameter("Only events before this time.")] = None,
) -> ListFilters:
    bounds = (("created_after", ">=", created_after), ("created_before", "<", created_before))
    ranges = [("created_at", op, _utc(name, v)) for name, op, v in bounds if v is not None]
    return ListFilters({"type": type} if type else {}, None, ranges)


EVENTS = Collection(
    spec=spec.EVENTS,
    service=EventService,
    tag="Events",
    read_scope=EVENTS_READ,
    filters=event_filters,
)
EventController = collection_controller(EVENTS)
