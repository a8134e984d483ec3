"""Reading events back (they are written by ``events.recorder`` as changes happen)."""

from __future__ import annotations

from redcore_server.events import repository
from redcore_server.events.schemas import Event
from redcore_server.kit.service import ResourceService


class EventService(ResourceService[Event]):
    """Events are read-only through the API."""

    def __init__(self) -> None:
        super().__init__(repository.EVENTS)
