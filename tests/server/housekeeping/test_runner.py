"""The housekeeping runner: every job on its own interval; a job that fails is logged once per outage
(and once when it works again), tried again at its next interval, and stops neither the process
nor the other jobs."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import pytest

from redcore_server.background import housekeeping_jobs
from redcore_server.db import Database, open_database
from redcore_server.housekeeping.runner import Housekeeper, Job
from tests import support
from tests.support import eventually


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "redcore.housekeeping" and r.levelno == level]


async def test_a_database_outage_is_logged_once_per_job_and_the_jobs_resume(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="redcore.housekeeping")
    db = open_database(database_url)  # not connected yet: every query fails, as in an outage
    runs: list[datetime] = []

    async def heartbeat(db: Database, now: datetime) -> int:
        runs.append(now)
        return 0

    jobs = [*housekeeping_jobs(support.test_settings(database_url)), Job("heartbeat", 0.05, heartbeat)]
    housekeeper = Housekeeper(db, jobs)
    housekeeper.start()
    try:

        async def failed_often() -> bool:
            return len(runs) >= 20  # every real job has failed several times meanwhile (every 0.1 s)

        await eventually(failed_often)
        failures = messages(caplog, logging.ERROR)
        assert sorted(failures) == sorted(f"housekeeping {j.name} failed; trying again every 0.1s" for j in jobs[:-1])

        await db.connect()  # the database is back

        async def recovered() -> bool:
            return len(messages(caplog, logging.WARNING)) == len(jobs) - 1

        await eventually(recovered)
        assert sorted(messages(caplog, logging.WARNING)) == sorted(
            f"housekeeping {j.name} works again" for j in jobs[:-1]
        )
        await asyncio.sleep(0.3)
        assert len(messages(caplog, logging.ERROR)) == len(jobs) - 1  # nothing more once it works
    finally:
        await housekeeper.stop()
        await db.close()


async def test_stop_ends_every_job(database_url: str) -> None:
    started = asyncio.Event()

    async def slow(db: Database, now: datetime) -> int:
        started.set()
        await asyncio.sleep(60)  # a run that does not finish by itself
        return 0

    async with open_database(database_url) as db:
        housekeeper = Housekeeper(
            db, [*housekeeping_jobs(support.test_settings(database_url)), Job("slow", 0.01, slow)]
        )
        housekeeper.start()
        await asyncio.wait_for(started.wait(), 10)
        await asyncio.wait_for(housekeeper.stop(grace=0.1), 10)
