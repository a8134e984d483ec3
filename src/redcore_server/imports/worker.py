"""The worker that runs import jobs (``imports/service.py``), one at a time per process, in every
process that runs background work (``background.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from redcore_server.db import Database
from redcore_server.imports.service import ImportService

logger = logging.getLogger("redcore.imports")


class ImportWorker:
    name = "imports"

    def __init__(
        self,
        db: Database,
        service: ImportService,
        poll_interval: float,
        queued: Callable[[Iterable[str]], None] = lambda names: None,
    ) -> None:
        self._db = db
        self._service = service
        self._poll = poll_interval
        self._queued = queued  # wakes the outboxes a finished import wrote to (invitations, webhooks)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="redcore-imports")

    async def stop(self) -> None:
        """Stop now: a job in progress is rolled back and taken again when its lease runs out."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                job = await self._service.claim(self._db)
                if job is not None:
                    logger.info("running import %s", job.id)
                    self._queued(await self._service.run(self._db, job))
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("imports: a job could not run; it is taken again when its lease runs out")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()
