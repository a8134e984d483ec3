"""What a process runs in the background, decided in one place above the domains.

Every process that runs workers (``serve`` with its embedded worker, and ``redcore-server worker``)
runs the same set: the outbox workers (webhook deliveries, email, password-reset requests), the import jobs
(``imports/worker.py``) and the housekeeping jobs
(erasure of deleted users' data, purges past the retention). To add a housekeeping job, write
``async def my_job(db: Database, now: datetime) -> int`` (safe to run in several processes at once:
bounded batches with ``db.batches.in_batches`` and ``skip_locked``) and add a ``Job`` to
:func:`housekeeping_jobs`; settings reach it through ``functools.partial``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from redcore_server.accounts.links import AccountPolicy
from redcore_server.accounts.worker import PasswordResets, purge_stale_requests
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.erasure.service import erase_deleted_users
from redcore_server.events.retention import purge_expired_events
from redcore_server.housekeeping.runner import Housekeeper, Job
from redcore_server.idempotency.service import purge_expired_keys
from redcore_server.imports.service import ImportService
from redcore_server.imports.worker import ImportWorker
from redcore_server.kit.outbox import OutboxWorker
from redcore_server.mail.retention import purge_finished_emails
from redcore_server.mail.transport import SmtpServer
from redcore_server.mail.worker import MailConfig, Mailer
from redcore_server.webhooks.dispatcher import DeliveryConfig, Dispatcher


def outbox_workers(db: Database, settings: Settings) -> list[OutboxWorker[Any, Any]]:
    smtp = SmtpServer.from_url(settings.smtp_url) if settings.smtp_url else None
    mail = MailConfig(smtp=smtp, sender=settings.mail_from, poll_interval=settings.webhook_poll_interval)
    resets = PasswordResets(db, AccountPolicy.from_settings(settings), poll_interval=settings.webhook_poll_interval)
    return [Dispatcher(db, DeliveryConfig.from_settings(settings)), Mailer(db, mail), resets]


def housekeeping_jobs(settings: Settings) -> list[Job]:
    every = settings.housekeeping_interval
    jobs = [
        Job("erase-deleted-users", every, partial(erase_deleted_users, recheck=every)),
        Job("purge-expired-idempotency-keys", every, purge_expired_keys),
        # Queued reset requests no worker resolved: gone once a link sent now would already have expired.
        Job("purge-stale-reset-requests", every, partial(purge_stale_requests, older_than=settings.password_reset_ttl)),
    ]
    if settings.event_retention > 0:  # 0 keeps events and emails forever
        retention = settings.event_retention
        jobs += [
            Job("purge-expired-events", every, partial(purge_expired_events, retention=retention)),
            Job("purge-finished-emails", every, partial(purge_finished_emails, retention=retention)),
        ]
    return jobs


class Background:
    """The outbox workers and the housekeeper of one process: started together, stopped together,
    and woken by name when a committed change queued work for them (``UnitOfWork.queued``)."""

    def __init__(self, db: Database, settings: Settings, imports: ImportService | None = None) -> None:
        self._db = db
        self._settings = settings
        self.workers: dict[str, OutboxWorker[Any, Any]] = {}
        self._housekeeper: Housekeeper | None = None
        self._imports = imports  # None: this process runs no import jobs
        self._importer: ImportWorker | None = None

    def start(self) -> None:
        self.workers = {worker.name: worker for worker in outbox_workers(self._db, self._settings)}
        for worker in self.workers.values():
            worker.start()
        self._housekeeper = Housekeeper(self._db, housekeeping_jobs(self._settings))
        self._housekeeper.start()
        if self._imports is not None:
            self._importer = ImportWorker(self._db, self._imports, self._settings.webhook_poll_interval, self.wake)
            self._importer.start()

    async def stop(self) -> None:
        if self._importer is not None:
            await self._importer.stop()
            self._importer = None
        if self._housekeeper is not None:
            await self._housekeeper.stop()
            self._housekeeper = None
        for worker in self.workers.values():
            await worker.stop()
        self.workers = {}

    def wake(self, names: Iterable[str]) -> None:
        """Look at these outboxes now (a no-op where no worker runs: another process's will poll)."""
        for name in names:
            if (worker := self.workers.get(name)) is not None:
                worker.wake()
            elif name == ImportWorker.name and self._importer is not None:
                self._importer.wake()
