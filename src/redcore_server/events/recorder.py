"""Writing an event in the transaction of the change it describes."""

from __future__ import annotations

from typing import Any

from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.events import repository
from redcore_server.ids import new_id, utcnow


async def record(tx: Executor, uow: UnitOfWork | None, org_id: str, type_: str, data: Any) -> None:
    """Write one event in the caller's transaction, naming who made the change when known."""
    actor = uow.actor if uow is not None else None
    await repository.record(
        tx,
        ident=new_id("evt"),
        org_id=org_id,
        type_=type_,
        created_at=utcnow(),
        data=data,
        request_id=actor.request_id if actor else None,
        credential_id=actor.credential_id if actor else None,
    )
