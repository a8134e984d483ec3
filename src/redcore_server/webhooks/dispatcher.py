"""Webhook delivery on the shared outbox worker (``kit/outbox.py``): claims due deliveries,
sends them signed, records every attempt and schedules retries.

Any number of dispatchers may run at once, in server processes (``REDCORE_EMBEDDED_WORKER``) and in
``redcore-server worker`` processes; delivery is at-least-once, so a receiver should de-duplicate on
``webhook-id``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from redcore_server.config import Settings
from redcore_server.db import Database, Executor
from redcore_server.ids import utcnow
from redcore_server.kit import retry
from redcore_server.kit.outbox import OutboxWorker, Pace
from redcore_server.webhooks import repository
from redcore_server.webhooks.repository import Work
from redcore_server.webhooks.schemas import WebhookAttempt, WebhookPayload
from redcore_server.webhooks.sender import Outcome, new_session, send

logger = logging.getLogger("redcore.webhooks")
_encode = msgspec.json.Encoder().encode
GONE_REASON = "The endpoint answered 410 Gone, which asks senders to stop; enable it again to resume."


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    timeout: float = 10.0
    retry_delays: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    poll_interval: float = 1.0
    concurrency: int = 16
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        return cls(
            timeout=settings.webhook_timeout,
            retry_delays=settings.webhook_retry_delays,
            poll_interval=settings.webhook_poll_interval,
            concurrency=settings.webhook_concurrency,
            allow_private=settings.webhook_allow_private,
        )

    @property
    def lease(self) -> timedelta:
        """How long a claim holds a delivery: the attempt's deadline plus time to record it."""
        return timedelta(seconds=self.timeout + max(1.0, self.timeout))

    @property
    def pace(self) -> Pace:
        return Pace(concurrency=self.concurrency, poll_interval=self.poll_interval, lease=self.lease)

    def next_attempt(self, attempt: int, now: datetime) -> datetime | None:
        """When to try again after failed attempt number ``attempt`` (1-based); None: give up."""
        return retry.next_attempt(self.retry_delays, attempt, now)  # jitter spreads a recovering endpoint's load


def payload(work: Work) -> bytes:
    return _encode(
        WebhookPayload(work.event_id, work.event_type, work.event_created_at, msgspec.Raw(work.event_data.encode()))
    )


def signing_secrets(work: Work, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    active = [work.secret]
    if work.previous_secret and work.previous_secret_expires_at and work.previous_secret_expires_at > now:
        active.append(work.previous_secret)
    return active


@dataclass(frozen=True, slots=True)
class Job:
    work: Work
    attempt: int  # 1-based, counting this one
    lease: str


class Dispatcher(OutboxWorker[Job, Outcome | None]):
    """Webhook deliveries. An outcome of None: not sent, the endpoint was disabled after queueing."""

    name = "webhooks"
    table = "webhook_deliveries"

    def __init__(self, db: Database, config: DeliveryConfig) -> None:
        super().__init__(db, config.pace)
        self.config = config
        self._http = new_session(config.concurrency, config.timeout)

    async def close(self) -> None:
        await self._http.close()

    async def any_due(self, db: Executor, now: datetime) -> bool:
        return await repository.any_due(db, now)

    async def claim(self, tx: Executor, *, now: datetime, lease: str, until: datetime, limit: int) -> list[Job]:
        attempts = dict(await repository.claim(tx, now=now, lease=lease, lease_until=until, limit=limit))
        return [Job(work, attempts[work.delivery_id], lease) for work in await repository.load_work(tx, list(attempts))]

    def row_id(self, job: Job) -> str:
        return job.work.delivery_id

    async def attempt(self, job: Job) -> Outcome | None:
        work = job.work
        if not work.enabled:
            return None
        return await send(
            self._http,
            work.url,
            work.delivery_id,
            payload(work),
            signing_secrets(work, utcnow()),
            time_limit=self.config.timeout,
            allow_private=self.config.allow_private,
        )

    async def settle(self, tx: Executor, job: Job, outcome: Outcome | None) -> None:
        """Record one attempt and decide what comes next."""
        delivery_id, now = job.work.delivery_id, utcnow()
        if outcome is None:
            await repository.settle(tx, delivery_id, job.lease, status="failed", next_attempt_at=None, now=now)
            return
        attempt = WebhookAttempt(
            job.attempt, now, outcome.status_code, outcome.duration_ms, outcome.error, outcome.response_excerpt
        )
        await repository.record_attempt(tx, delivery_id, attempt)
        if outcome.succeeded:
            status, next_at = "succeeded", None
        elif outcome.status_code == 410:
            status, next_at = "failed", None
        else:
            next_at = self.config.next_attempt(job.attempt, now)
            status = "pending" if next_at is not None else "failed"
        if not await repository.settle(tx, delivery_id, job.lease, status=status, next_attempt_at=next_at, now=now):
            logger.warning("webhook delivery %s: lease lost during attempt %d", delivery_id, job.attempt)
        if outcome.status_code == 410:
            await repository.disable_endpoint(tx, job.work.org_id, job.work.endpoint_id, GONE_REASON, now)
        if not outcome.succeeded:
            then = "; giving up" if status == "failed" else ""
            logger.info("webhook delivery %s attempt %d failed (%s)%s", delivery_id, job.attempt, outcome.error, then)
