"""Erasing a deleted user's personal data.

Deleting a user writes, in the deletion's transaction, an erasure to do and cancels the emails not
yet sent to them. The ``erase-deleted-users`` housekeeping job then waits until no delivery of an
event about the user is pending (receivers get ``user.deleted`` with the user's data, as they rely
on it) and erases, in bounded transactions:

- each event about the user keeps its id, type, time, request and credential ids, and its ``data``
  becomes ``{"id": "usr_…", "erased": true}``;
- each attempt at delivering those events forgets the receiver's answer (``response_excerpt``:
  it may echo the payload); statuses, durations and errors stay;
- each email to the user keeps its id, kind, status and times, and loses its address, subject,
  text and error.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from redcore_server.db import Database, Executor
from redcore_server.db.batches import in_batches
from redcore_server.erasure import repository
from redcore_server.events import repository as events_repository
from redcore_server.mail import repository as mail_repository
from redcore_server.webhooks import repository as webhooks_repository

CLAIM_BATCH = 100  # erasures taken at once
LEASE = timedelta(minutes=10)  # how long one process keeps an erasure to itself
_encode = msgspec.json.Encoder().encode


def erased_data(subject_id: str) -> str:
    """What an erased event's ``data`` becomes (JSON text)."""
    return _encode({"id": subject_id, "erased": True}).decode()


async def request_user_erasure(tx: Executor, org_id: str, user_id: str, now: datetime) -> None:
    """In the transaction that deletes the user: erase their data once their deliveries are done,
    and send them nothing more."""
    await repository.request(tx, org_id, user_id, now)
    await mail_repository.cancel_pending_for_user(tx, org_id, user_id)


def next_look(now: datetime, pending_due: datetime | None, recheck: float) -> datetime:
    """When to look again at an erasure waiting for a delivery: not before the delivery's next
    attempt (it cannot be done sooner) nor before ``recheck`` seconds, and not after ten times that
    (a delivery failed or retried by hand meanwhile is noticed soon enough)."""
    soonest, latest = now + timedelta(seconds=recheck), now + timedelta(seconds=10 * recheck)
    return min(max(soonest, pending_due or soonest), latest)


async def erase_deleted_users(db: Database, now: datetime, *, recheck: float) -> int:
    """The housekeeping job: every due erasure is done, or looked at again later while a delivery is
    pending (``next_look``). Returns the rows erased."""
    erased = 0
    if not await repository.any_due(db, now):
        return erased
    while True:
        async with db.transaction() as tx:
            claimed = await repository.claim(tx, now=now, until=now + LEASE, limit=CLAIM_BATCH)
        for org_id, subject_id in claimed:
            pending = await webhooks_repository.next_pending_for_subject(db, org_id, subject_id)
            if pending is not None:
                await repository.postpone(db, subject_id, next_look(now, pending, recheck))
                continue
            erased += await erase(db, org_id, subject_id)
            await repository.finish(db, subject_id)
        if len(claimed) < CLAIM_BATCH:
            return erased


async def erase(db: Database, org_id: str, subject_id: str) -> int:
    """Erase ``subject_id``'s data everywhere it is kept, a bounded batch per transaction.

    These batches wait for rows another transaction holds (a purge's, briefly) rather than skip
    them, so that none is left behind; the erasure's lease keeps other processes off the subject.
    """
    data = erased_data(subject_id)
    return (
        await in_batches(db, lambda tx, n: events_repository.erase_subject(tx, org_id, subject_id, data, n))
        + await in_batches(db, lambda tx, n: webhooks_repository.erase_excerpts_of_subject(tx, org_id, subject_id, n))
        + await in_batches(db, lambda tx, n: mail_repository.erase_for_user(tx, org_id, subject_id, n))
    )
