"""Every housekeeping job, in one place.

To add one, write ``async def my_job(db: Database, now: datetime) -> int`` (safe to run in several
processes at once: bounded batches with ``db.batches.in_batches`` and ``skip_locked``) and append a
``Job("my-job", interval_seconds, my_job)`` below; settings reach it through ``functools.partial``.
"""

from __future__ import annotations

from functools import partial

from redcore_server.config import Settings
from redcore_server.erasure.service import erase_deleted_users
from redcore_server.housekeeping.retention import purge_expired_events, purge_finished_emails
from redcore_server.housekeeping.runner import Job
from redcore_server.idempotency.service import purge_expired_keys


def housekeeping_jobs(settings: Settings) -> list[Job]:
    every = settings.housekeeping_interval
    jobs = [
        Job("erase-deleted-users", every, partial(erase_deleted_users, recheck=every)),
        Job("purge-expired-idempotency-keys", every, purge_expired_keys),
    ]
    if settings.event_retention > 0:  # 0 keeps events and emails forever
        retention = settings.event_retention
        jobs += [
            Job("purge-expired-events", every, partial(purge_expired_events, retention=retention)),
            Job("purge-finished-emails", every, partial(purge_finished_emails, retention=retention)),
        ]
    return jobs
