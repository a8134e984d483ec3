"""Queueing an email in the caller's transaction (the outbox): sent once the change commits."""

from __future__ import annotations

from datetime import datetime

from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import new_id, utcnow
from redcore_server.mail import repository
from redcore_server.mail.repository import ID_PREFIX, Email


async def queue(
    tx: Executor,
    uow: UnitOfWork | None,
    *,
    org_id: str,
    user_id: str | None,
    kind: str,
    to: str,
    subject: str,
    body: str,
    send_at: datetime | None = None,
) -> str:
    """Queue an email to ``to``, sent once the transaction commits (or not before ``send_at``, when
    given); ``user_id`` names the user it is for, so that it is cancelled and erased with them
    (``erasure/``)."""
    email = Email(
        id=new_id(ID_PREFIX),
        org_id=org_id,
        user_id=user_id,
        kind=kind,
        to_address=to,
        subject=subject,
        body=body,
        status="pending",
        attempt_count=0,
        last_error=None,
        transport=None,
        created_at=utcnow(),
        sent_at=None,
    )
    await repository.enqueue(tx, email, send_at or email.created_at)
    if uow is not None:
        uow.queued.add("mail")
    return email.id
