"""The delivery worker: claims due deliveries from the outbox, sends them, records every attempt.

Any number of dispatchers may run at once, in server processes (``REDCORE_EMBEDDED_WORKER``) and in
``redcore-server worker`` processes: a claim is one short transaction that leases the rows it takes
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's single writer otherwise), so no two dispatchers
hold the same delivery, and a dispatcher that dies mid-attempt only delays it until its lease ends.
Delivery is at-least-once: a receiver should de-duplicate on ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import msgspec

from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.ids import utcnow
from redcore_server.webhooks import repository
from redcore_server.webhooks.repository import Work
from redcore_server.webhooks.schemas import WebhookAttempt, WebhookPayload
from redcore_server.webhooks.sender import Outcome, send

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

    def next_attempt(self, attempt: int, now: datetime) -> datetime | None:
        """When to try again after failed attempt number ``attempt`` (1-based); None: give up."""
        if attempt > len(self.retry_delays):
            return None
        delay = self.retry_delays[attempt - 1]
        return now + timedelta(seconds=delay * random.uniform(1.0, 1.1))  # jitter spreads a recovering endpoint's load


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


class Dispatcher:
    def __init__(self, db: Database, config: DeliveryConfig, *, http: httpx.AsyncClient | None = None) -> None:
        self.db = db
        self.config = config
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(config.timeout),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=config.concurrency * 2, max_keepalive_connections=config.concurrency),
        )
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(config.concurrency)
        self._inflight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """Look at the outbox now (a request just queued deliveries) instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="redcore-webhook-dispatcher")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, give attempts in flight ``grace`` seconds, then cancel them (their leases
        run out and another dispatcher delivers them)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._inflight:
            _, pending = await asyncio.wait(self._inflight, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._http.aclose()

    async def run(self) -> None:
        while not self._stopping:
            try:
                claimed = await self.claim_and_send()
            except Exception:
                logger.exception("webhook dispatcher: could not read the outbox; retrying")
                claimed = 0
            if claimed == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.config.poll_interval)
                self._wake.clear()

    async def claim_and_send(self) -> int:
        """Claim what is due (as many as there are free slots) and start sending it."""
        free = self.config.concurrency - len(self._inflight)
        if free <= 0:
            await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            return 1
        now = utcnow()
        if not await repository.any_due(self.db, now):
            return 0
        lease = secrets.token_hex(8)
        async with self.db.transaction() as tx:
            claimed = await repository.claim(tx, now=now, lease=lease, lease_until=now + self.config.lease, limit=free)
        for delivery_id, attempt in claimed:
            task = asyncio.create_task(self._attempt(delivery_id, attempt, lease))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(claimed)

    async def _attempt(self, delivery_id: str, attempt: int, lease: str) -> None:
        try:
            work = await repository.load_work(self.db, delivery_id)
            if work is None:  # the endpoint or the organization was deleted meanwhile
                return
            if not work.enabled:
                await self._settle(work, attempt, lease, None)
                return
            now = utcnow()
            outcome = await send(
                self._http,
                work.url,
                work.delivery_id,
                payload(work),
                signing_secrets(work, now),
                time_limit=self.config.timeout,
                allow_private=self.config.allow_private,
            )
            await self._settle(work, attempt, lease, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("webhook delivery %s: attempt %d could not be recorded", delivery_id, attempt)

    async def _settle(self, work: Work, attempt: int, lease: str, outcome: Outcome | None) -> None:
        """Record the attempt and decide what comes next, in one transaction."""
        now = utcnow()
        async with self.db.transaction() as tx:
            if outcome is None:  # the endpoint was disabled after this delivery was queued
                await repository.settle(tx, work.delivery_id, lease, status="failed", next_attempt_at=None, now=now)
                return
            await repository.record_attempt(
                tx,
                work.delivery_id,
                WebhookAttempt(
                    attempt, now, outcome.status_code, outcome.duration_ms, outcome.error, outcome.response_excerpt
                ),
            )
            if outcome.succeeded:
                status, next_at = "succeeded", None
            elif outcome.status_code == 410:
                status, next_at = "failed", None
            else:
                next_at = self.config.next_attempt(attempt, now)
                status = "pending" if next_at is not None else "failed"
            if not await repository.settle(
                tx, work.delivery_id, lease, status=status, next_attempt_at=next_at, now=now
            ):
                logger.warning("webhook delivery %s: lease lost during attempt %d", work.delivery_id, attempt)
            if outcome.status_code == 410:
                await repository.disable_endpoint(tx, work.endpoint_id, GONE_REASON, now)
        if outcome.succeeded:
            logger.debug("webhook delivery %s succeeded on attempt %d", work.delivery_id, attempt)
        else:
            logger.info(
                "webhook delivery %s attempt %d failed (%s)%s",
                work.delivery_id,
                attempt,
                outcome.error,
                "" if status == "pending" else "; giving up",
            )
