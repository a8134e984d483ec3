"""Writing an event in the transaction of the change it describes, with its webhook deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.events import repository
from redcore_server.events.schemas import ID_PREFIX
from redcore_server.ids import new_id, utcnow
from redcore_server.webhooks.fanout import enqueue_event


def subject_of(data: Any) -> str | None:
    """The id of the object an event is about: ``data``'s own ``id`` (a struct's or a mapping's)."""
    ident = data.get("id") if isinstance(data, Mapping) else getattr(data, "id", None)
    return ident if isinstance(ident, str) else None


async def record(
    tx: Executor, uow: UnitOfWork | None, org_id: str, type_: str, data: Any, *, subject_id: str | None = None
) -> None:
    """Write one event in the caller's transaction, naming who made the change when known, and queue
    it for every subscribed webhook endpoint in that same transaction.

    ``subject_id`` names whose data the event holds (the object's own id unless given), so that the
    data can be erased when that object is deleted (``erasure/``).
    """
    actor = uow.actor if uow is not None else None
    ident, now = new_id(ID_PREFIX), utcnow()
    await repository.record(
        tx,
        ident=ident,
        org_id=org_id,
        type_=type_,
        created_at=now,
        data=data,
        subject_id=subject_id or subject_of(data),
        request_id=actor.request_id if actor else None,
        credential_id=actor.credential_id if actor else None,
    )
    if await enqueue_event(tx, org_id, ident, type_, now) and uow is not None:
        uow.queued.add("webhooks")
