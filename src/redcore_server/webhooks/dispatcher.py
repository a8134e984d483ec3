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

import msgspec

from redcore_server.config import Settings
from redcore_server.db import Database, Executor
from redcore_server.ids import utcnow
from redcore_server.webhooks import repository
from redcore_server.webhooks.repository import Work
from redcore_server.webhooks.schemas import WebhookAttempt, WebhookPayload
from redcore_server.webhooks.sender import Outcome, new_session, send

logger = logging.getLogger("redcore.webhooks")
_encode = msgspec.json.Encoder().encode
RECORD_BATCH = 200
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
    def __init__(self, db: Database, config: DeliveryConfig) -> None:
        self.db = db
        self.config = config
        self._http = new_session(config.concurrency, config.timeout)
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(config.concurrency)
        self._inflight: set[asyncio.Task[None]] = set()
        self._results: asyncio.Queue[_Result] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """Look at the outbox now (a request just queued deliveries) instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="redcore-webhook-dispatcher")
        self._recorder = asyncio.create_task(self._record_results(), name="redcore-webhook-recorder")

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
        if self._recorder is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._results.join(), grace)
            self._recorder.cancel()
            await asyncio.gather(self._recorder, return_exceptions=True)
        await self._http.close()

    async def run(self) -> None:
        failing = False  # say so once per outage, not on every poll
        while not self._stopping:
            try:
                claimed = await self.claim_and_send()
            except Exception:
                if not failing:
                    logger.exception("webhook dispatcher: cannot read the outbox; retrying every poll")
                failing, claimed = True, 0
            else:
                if failing:
                    logger.warning("webhook dispatcher: reading the outbox again")
                failing = False
            if claimed == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.config.poll_interval)
                self._wake.clear()

    async def claim_and_send(self) -> int:
        """Claim what is due and start sending it. Slots are refilled in batches (once half are free),
        so a busy worker makes one claim per several deliveries, not one per delivery."""
        free = self.config.concurrency - len(self._inflight)
        if free < max(1, self.config.concurrency // 2):
            await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            return 1
        now = utcnow()
        if not await repository.any_due(self.db, now):
            return 0
        lease = secrets.token_hex(8)
        async with self.db.transaction() as tx:
            claimed = await repository.claim(tx, now=now, lease=lease, lease_until=now + self.config.lease, limit=free)
        attempts = dict(claimed)
        for work in await repository.load_work(self.db, list(attempts)):
            task = asyncio.create_task(self._attempt(work, attempts[work.delivery_id], lease))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(claimed)

    async def _attempt(self, work: Work, attempt: int, lease: str) -> None:
        try:
            outcome = None  # the endpoint was disabled after this delivery was queued: nothing is sent
            if work.enabled:
                outcome = await send(
                    self._http,
                    work.url,
                    work.delivery_id,
                    payload(work),
                    signing_secrets(work, utcnow()),
                    time_limit=self.config.timeout,
                    allow_private=self.config.allow_private,
                )
            self._results.put_nowait(_Result(work, attempt, lease, outcome, utcnow()))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("webhook delivery %s: attempt %d failed unexpectedly", work.delivery_id, attempt)

    async def _record_results(self) -> None:
        """Write outcomes as they come, many to a transaction: a commit per attempt would bound a
        worker's rate by the database's commit rate."""
        while True:
            batch = [await self._results.get()]
            while not self._results.empty() and len(batch) < RECORD_BATCH:
                batch.append(self._results.get_nowait())
            try:
                async with self.db.transaction() as tx:
                    settled = [(result, await self._settle(tx, result)) for result in batch]
            except Exception:
                logger.exception(
                    "webhook dispatcher: could not record %d attempt(s); they will be sent again when their leases end",
                    len(batch),
                )
            else:
                for result, status in settled:
                    _log_outcome(result, status)
            finally:
                for _ in batch:
                    self._results.task_done()

    async def _settle(self, tx: Executor, r: _Result) -> str:
        """Record one attempt and decide what comes next: the delivery's new status."""
        delivery_id, outcome = r.work.delivery_id, r.outcome
        if outcome is None:
            await repository.settle(tx, delivery_id, r.lease, status="failed", next_attempt_at=None, now=r.at)
            return "failed"
        attempt = WebhookAttempt(
            r.attempt, r.at, outcome.status_code, outcome.duration_ms, outcome.error, outcome.response_excerpt
        )
        await repository.record_attempt(tx, delivery_id, attempt)
        if outcome.succeeded:
            status, next_at = "succeeded", None
        elif outcome.status_code == 410:
            status, next_at = "failed", None
        else:
            next_at = self.config.next_attempt(r.attempt, r.at)
            status = "pending" if next_at is not None else "failed"
        if not await repository.settle(tx, delivery_id, r.lease, status=status, next_attempt_at=next_at, now=r.at):
            logger.warning("webhook delivery %s: lease lost during attempt %d", delivery_id, r.attempt)
        if outcome.status_code == 410:
            await repository.disable_endpoint(tx, r.work.org_id, r.work.endpoint_id, GONE_REASON, r.at)
        return status


@dataclass(frozen=True, slots=True)
class _Result:
    work: Work
    attempt: int
    lease: str
    outcome: Outcome | None  # None: not sent, the endpoint is disabled
    at: datetime


def _log_outcome(r: _Result, status: str) -> None:
    if r.outcome is None or r.outcome.succeeded:
        return
    then = "; giving up" if status == "failed" else ""
    logger.info("webhook delivery %s attempt %d failed (%s)%s", r.work.delivery_id, r.attempt, r.outcome.error, then)
