"""The purge past ``REDCORE_EVENT_RETENTION`` of the email outbox's finished rows (a housekeeping
job, listed in ``background.py``): an email goes once it is older than the retention and sent,
failed or cancelled (or twice as old)."""

from __future__ import annotations

from datetime import datetime, timedelta

from redcore_server.db import Database
from redcore_server.db.batches import in_batches
from redcore_server.mail import repository as mail_repository


async def purge_finished_emails(db: Database, now: datetime, *, retention: float) -> int:
    cutoff, far = now - timedelta(seconds=retention), now - timedelta(seconds=2 * retention)
    if not await mail_repository.any_before(db, cutoff):
        return 0
    return await in_batches(db, lambda tx, n: mail_repository.purge_before(tx, cutoff=cutoff, far=far, limit=n))
