"""The transactional outbox: an event's deliveries are written in the transaction of its change.

So a committed change always has its deliveries on disk, whatever happens to the process next,
and a rolled-back change has none. Workers (``dispatcher.py``) send them afterwards.
"""

from __future__ import annotations

from datetime import datetime

from redcore_server.db import Executor
from redcore_server.ids import new_id
from redcore_server.webhooks import repository
from redcore_server.webhooks.schemas import DELIVERY_ID_PREFIX


async def enqueue_event(db: Executor, org_id: str, event_id: str, event_type: str, now: datetime) -> int:
    """One pending delivery per enabled endpoint subscribed to ``event_type``; how many were written."""
    written = 0
    for endpoint_id, types in await repository.subscribers(db, org_id):
        if repository.subscribed(types, event_type):
            await repository.enqueue(
                db,
                ident=new_id(DELIVERY_ID_PREFIX),
                org_id=org_id,
                endpoint_id=endpoint_id,
                event_id=event_id,
                event_type=event_type,
                now=now,
            )
            written += 1
    return written
