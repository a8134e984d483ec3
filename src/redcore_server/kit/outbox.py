"""The worker every outbox shares: claim what is due, attempt it, record the outcome.

A claim is one short transaction that leases the rows it takes (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; SQLite has one writer at a time), so any number of workers — in the server processes and
in ``redcore-server worker`` processes — never hold the same row, and a worker that dies mid-attempt
only delays the row until its lease ends: at-least-once. Attempts run concurrently up to
``concurrency``; slots are refilled in batches (once half are free) so a busy worker makes one claim
per several rows, and outcomes are recorded many to a transaction, so the database's commit rate
does not bound the worker's. Recording never waits for a lock: it takes the rows of its batch that
no other transaction holds (``SKIP LOCKED``) and settles those, so it cannot deadlock with a change
that holds some of them (deleting an endpoint deletes its deliveries, deleting a user cancels their
emails); an outcome whose row is held is recorded in a later batch, one whose row is gone is dropped.

An outbox subclasses :class:`OutboxWorker` with its ``table``, and its own ``any_due``, ``claim``,
``row_id``, ``attempt`` and ``settle``.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from redcore_server.db import Database, Executor
from redcore_server.ids import utcnow
from redcore_server.kit import outbox_repository as repository

J = TypeVar("J")  # a claimed row, with what its attempt needs
R = TypeVar("R")  # the outcome of one attempt
RECORD_BATCH = 200
HELD_RETRIES = 50  # batches an outcome waits for its row, held by another change, before its lease decides


@dataclass(frozen=True, slots=True)
class Pace:
    concurrency: int = 16  # attempts in flight
    poll_interval: float = 1.0  # seconds between looks at the outbox when nothing wakes the worker
    lease: timedelta = timedelta(seconds=20)  # how long a claim holds a row: an attempt's deadline and then some


class OutboxWorker(abc.ABC, Generic[J, R]):
    name = "outbox"
    table = ""  # the outbox table, whose rows have a text ``id``

    def __init__(self, db: Database, pace: Pace) -> None:
        self.db = db
        self.pace = pace
        self.logger = logging.getLogger(f"redcore.{self.name}")
        self._wake = asyncio.Event()
        self._results: asyncio.Queue[tuple[J, R]] = asyncio.Queue()
        self._held: dict[str, int] = {}  # row id -> batches its outcome has waited for the row
        self._inflight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._stopping = False

    # -- what an outbox defines -------------------------------------------------------------------

    @abc.abstractmethod
    async def any_due(self, db: Executor, now: datetime) -> bool:
        """Whether anything is due (a cheap read, so an idle worker never writes)."""

    @abc.abstractmethod
    async def claim(self, tx: Executor, *, now: datetime, lease: str, until: datetime, limit: int) -> list[J]:
        """Lease up to ``limit`` due rows until ``until`` and load what their attempts need."""

    @abc.abstractmethod
    def row_id(self, job: J) -> str:
        """The id of the row ``job`` was claimed from."""

    @abc.abstractmethod
    async def attempt(self, job: J) -> R:
        """Try once; never raise for the far side's faults."""

    @abc.abstractmethod
    async def settle(self, tx: Executor, job: J, result: R) -> None:
        """Record the attempt and what comes next, in the caller's transaction."""

    async def close(self) -> None:
        """Release what the attempts use (connection pools)."""

    # -- running ----------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now (a request just queued rows) instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"redcore-{self.name}")
        self._recorder = asyncio.create_task(self._record_results(), name=f"redcore-{self.name}-recorder")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, give attempts in flight ``grace`` seconds, then cancel them (their leases
        run out and another worker takes them), record what finished, and close."""
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
        await self.close()

    async def run(self) -> None:
        failing = False  # say so once per outage, not on every poll
        while not self._stopping:
            try:
                claimed = await self.claim_and_start()
            except Exception:
                if not failing:
                    self.logger.exception("%s: cannot read the outbox; retrying every poll", self.name)
                failing, claimed = True, 0
            else:
                if failing:
                    self.logger.warning("%s: reading the outbox again", self.name)
                failing = False
            if claimed == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.pace.poll_interval)
                self._wake.clear()

    async def claim_and_start(self) -> int:
        """Claim what is due (once half the slots are free) and start attempting it."""
        free = self.pace.concurrency - len(self._inflight)
        if free < max(1, self.pace.concurrency // 2):
            await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            return 1
        now = utcnow()
        if not await self.any_due(self.db, now):
            return 0
        async with self.db.transaction() as tx:
            jobs = await self.claim(tx, now=now, lease=secrets.token_hex(8), until=now + self.pace.lease, limit=free)
        for job in jobs:
            task = asyncio.create_task(self._attempt(job))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(jobs)

    async def _attempt(self, job: J) -> None:
        try:
            self._results.put_nowait((job, await self.attempt(job)))
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger.exception("%s: an attempt failed unexpectedly; it is retried when its lease ends", self.name)

    async def _record_results(self) -> None:
        while True:
            batch = [await self._results.get()]
            while not self._results.empty() and len(batch) < RECORD_BATCH:
                batch.append(self._results.get_nowait())
            try:
                await self._record(batch)
            except Exception:
                self.logger.exception(
                    "%s: could not record %d attempt(s); they are retried when their leases end", self.name, len(batch)
                )
            finally:
                for _ in batch:
                    self._results.task_done()

    async def _record(self, batch: list[tuple[J, R]]) -> None:
        """Settle the outcomes whose rows this transaction can take at once; put back those whose rows
        another change holds (for a later batch), and drop those whose rows are gone."""
        ids = [self.row_id(job) for job, _ in batch]
        async with self.db.transaction() as tx:
            held = await repository.hold(tx, self.table, ids)
            for job, result in batch:
                if self.row_id(job) in held:
                    await self.settle(tx, job, result)
        waiting = [(job, result) for job, result in batch if self.row_id(job) not in held]
        if not waiting:
            return
        still = await repository.existing(self.db, self.table, [self.row_id(job) for job, _ in waiting])
        for job, result in waiting:
            ident = self.row_id(job)
            tries = self._held.pop(ident, 0) + 1
            if ident in still and tries <= HELD_RETRIES:
                self._held[ident] = tries
                self._results.put_nowait((job, result))
        await asyncio.sleep(0.05)  # give the change holding them a moment
