"""Purges past ``REDCORE_EVENT_RETENTION``: events with their deliveries and attempts, and the email
outbox's finished rows.

An event older than the retention goes, with its deliveries and their attempts, once none of its
deliveries is pending; a delivery still pending holds its event back until the event is twice the
retention old (no retry schedule the settings accept lasts that long: only retries asked for by
hand can get there), and is then purged too unless a worker is attempting it at that moment. An
email goes once it is older than the retention and sent, failed or cancelled (or twice as old).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from redcore_server.db import Database
from redcore_server.db.batches import in_batches
from redcore_server.events import repository as events_repository
from redcore_server.mail import repository as mail_repository
from redcore_server.webhooks import repository as webhooks_repository


async def purge_expired_events(db: Database, now: datetime, *, retention: float) -> int:
    cutoff, far = now - timedelta(seconds=retention), now - timedelta(seconds=2 * retention)
    if not await events_repository.any_before(db, cutoff):
        return 0
    # Children first, so that each transaction deletes at most a batch of rows (no large cascades).
    attempts = await in_batches(
        db, lambda tx, n: webhooks_repository.purge_attempts(tx, cutoff=cutoff, far=far, now=now, limit=n)
    )
    deliveries = await in_batches(
        db, lambda tx, n: webhooks_repository.purge_deliveries(tx, cutoff=cutoff, far=far, now=now, limit=n)
    )
    events = await in_batches(db, lambda tx, n: events_repository.purge_before(tx, cutoff, n))
    return attempts + deliveries + events


async def purge_finished_emails(db: Database, now: datetime, *, retention: float) -> int:
    cutoff, far = now - timedelta(seconds=retention), now - timedelta(seconds=2 * retention)
    if not await mail_repository.any_before(db, cutoff):
        return 0
    return await in_batches(db, lambda tx, n: mail_repository.purge_before(tx, cutoff=cutoff, far=far, limit=n))
