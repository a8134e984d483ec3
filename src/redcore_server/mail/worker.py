"""Sending the email outbox on the shared outbox worker: SMTP when configured, else the local
mailbox (the message stays in the outbox, marked sent, for ``redcore-server mail`` to show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosmtplib

from redcore_server.db import Database, Executor
from redcore_server.ids import utcnow
from redcore_server.kit import retry
from redcore_server.kit.outbox import OutboxWorker, Pace
from redcore_server.mail import repository
from redcore_server.mail.repository import Email
from redcore_server.mail.transport import SmtpServer, message, send_smtp


@dataclass(frozen=True, slots=True)
class MailConfig:
    smtp: SmtpServer | None  # None: the local mailbox
    sender: str
    timeout: float = 30.0
    retry_delays: tuple[float, ...] = (60, 300, 1800, 7200, 21600)
    poll_interval: float = 1.0


@dataclass(frozen=True, slots=True)
class Job:
    email: Email
    lease: str


class Mailer(OutboxWorker[Job, str | None]):
    """An outcome is None when the message was handed over, else what went wrong."""

    name = "mail"
    table = "emails"

    def __init__(self, db: Database, config: MailConfig) -> None:
        lease = timedelta(seconds=config.timeout * 2 + 1)
        super().__init__(db, Pace(concurrency=4, poll_interval=config.poll_interval, lease=lease))
        self.config = config

    async def any_due(self, db: Executor, now: datetime) -> bool:
        return await repository.any_due(db, now)

    def row_id(self, job: Job) -> str:
        return job.email.id

    async def claim(self, tx: Executor, *, now: datetime, lease: str, until: datetime, limit: int) -> list[Job]:
        return [
            Job(email, lease) for email in await repository.claim(tx, now=now, lease=lease, until=until, limit=limit)
        ]

    async def attempt(self, job: Job) -> str | None:
        if self.config.smtp is None:
            return None
        email = job.email
        msg = message(self.config.sender, email.to_address, email.subject, email.body or "")
        try:
            await send_smtp(self.config.smtp, msg, time_limit=self.config.timeout)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        return None

    async def settle(self, tx: Executor, job: Job, error: str | None) -> None:
        email, now = job.email, utcnow()
        transport = "smtp" if self.config.smtp is not None else "local"
        if error is None:
            await repository.settle(
                tx,
                email.id,
                job.lease,
                status="sent",
                next_attempt_at=None,
                error=None,
                transport=transport,
                sent_at=now,
                keep_body=transport == "local",
            )
            return
        attempt = email.attempt_count
        next_at = retry.next_attempt(self.config.retry_delays, attempt, now)
        self.logger.warning("email %s to %s: attempt %d failed (%s)", email.id, email.to_address, attempt, error)
        await repository.settle(
            tx,
            email.id,
            job.lease,
            status="pending" if next_at is not None else "failed",
            next_attempt_at=next_at,
            error=error,
            transport=None,
            sent_at=None,
            keep_body=True,
        )
