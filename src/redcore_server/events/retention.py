"""The purge past ``REDCORE_EVENT_RETENTION`` of events, with their deliveries and attempts (a
housekeeping job, listed in ``background.py``).

An event older than the retention goes, with its deliveries and their attempts, once none of its
deliveries is pending; a delivery still pending holds its event back until the event is twice the
retention old (no retry schedule the settings accept lasts that long: only retries asked for by
hand can get there), and is then purged too unless a worker is attempting it at that moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from redcore_server.db import Database
from redcore_server.db.batches import BATCH_SIZE, in_batches
from redcore_server.events import repository as events_repository
from redcore_server.webhooks import repository as webhooks_repository


async def purge_expired_events(db: Database, now: datetime, *, retention: float) -> int:
    """Walk the expired events oldest first, a batch at a time (never reading the same expired rows
    twice in a run), purging each batch's deliveries and then the events left without any."""
    cutoff, far = now - timedelta(seconds=retention), now - timedelta(seconds=2 * retention)
    purged, after = 0, None
    while True:
        window = await events_repository.expired_after(db, cutoff, after, BATCH_SIZE)
        if window:
            purged += await _purge_events(db, [ident for ident, _ in window], cutoff=cutoff, far=far, now=now)
        if len(window) < BATCH_SIZE:
            return purged
        after = window[-1][1]


async def _purge_events(db: Database, ids: list[str], *, cutoff: datetime, far: datetime, now: datetime) -> int:
    """The expired deliveries' attempts, then those deliveries, then the events without deliveries:
    children first, so that no transaction deletes more than a batch of rows (no large cascades)."""
    attempts = await in_batches(
        db, lambda tx, n: webhooks_repository.purge_attempts(tx, ids, cutoff=cutoff, far=far, now=now, limit=n)
    )
    deliveries = await in_batches(
        db, lambda tx, n: webhooks_repository.purge_deliveries(tx, ids, cutoff=cutoff, far=far, now=now, limit=n)
    )
    async with db.transaction() as tx:
        return attempts + deliveries + await events_repository.purge(tx, ids)
