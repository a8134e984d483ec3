"""The housekeeping runner: periodic jobs, each on its own interval, in every process that runs the
outbox workers (the embedded worker of ``serve`` and ``redcore-server worker``).

A job is ``async fn(db, now) -> int``: it does what is due at ``now`` and says how many rows it
touched. Any number of processes run the same jobs at once, so a job must be safe to run
concurrently with itself: bounded batches (``db/batches.py``) whose rows another process holds are
skipped, and leases where work takes longer than a batch. A job that fails is logged once per
outage (and once more when it works again) and tried again at its next interval; it never stops
the process or the other jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from redcore_server.db import Database
from redcore_server.ids import utcnow
from redcore_server.kit.retry import jittered

logger = logging.getLogger("redcore.housekeeping")


@dataclass(frozen=True, slots=True)
class Job:
    name: str  # in logs, e.g. "purge-expired-events"
    interval: float  # seconds from the end of one run to the start of the next (10% jitter added)
    run: Callable[[Database, datetime], Awaitable[int]]  # what is due at ``now``; the rows touched


class Housekeeper:
    def __init__(self, db: Database, jobs: Sequence[Job]) -> None:
        self.db = db
        self.jobs = list(jobs)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(job), name=f"redcore-housekeeping-{job.name}") for job in self.jobs
        ]

    async def stop(self, grace: float = 5.0) -> None:
        """Let runs in progress finish their batch for up to ``grace`` seconds, then cancel them (a
        cancelled batch is rolled back and done again by the next run, here or elsewhere)."""
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _loop(self, job: Job) -> None:
        # Processes started together spread their runs instead of all running in step.
        await self._sleep(random.uniform(0, min(job.interval, 5.0)))
        failing = False
        while not self._stop.is_set():
            try:
                touched = await job.run(self.db, utcnow())
            except Exception:
                if not failing:
                    logger.exception("housekeeping %s failed; trying again every %gs", job.name, job.interval)
                failing = True
            else:
                if failing:
                    logger.warning("housekeeping %s works again", job.name)
                if touched:
                    logger.info("housekeeping %s: %d row(s)", job.name, touched)
                failing = False
            await self._sleep(jittered(job.interval))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
