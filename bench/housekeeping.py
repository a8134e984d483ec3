"""What the housekeeping jobs cost on PostgreSQL: purging a backlog of expired events (each with a
delivery and an attempt) and erasing a deleted user with many events, in bounded batches.

    .venv/bin/python bench/housekeeping.py [--events 200000] [--user-events 20000]

Loads the rows with SQL into a scratch database (dropped afterwards), runs each job once as the
runner would, and prints rows per second and the longest single transaction (how long a batch holds
its row locks). Needs PostgreSQL (``REDCORE_TEST_POSTGRES_URL``, default the local one).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import support

from redcore_server.db import Database, Executor, open_database
from redcore_server.db.migrate import upgrade
from redcore_server.erasure import repository as erasures
from redcore_server.erasure.service import erase_deleted_users
from redcore_server.events.retention import purge_expired_events
from redcore_server.ids import utcnow
from redcore_server.orgs import service as orgs_service

RETENTION = 30 * 86400.0


class Timed:
    """The database, with every transaction's duration noted."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.durations: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        started = time.perf_counter()
        async with self.db.transaction() as tx:
            yield tx
        self.durations.append(time.perf_counter() - started)


async def load(db: Database, org_id: str, count: int, *, days_old: int, subject: str) -> None:
    """``count`` user events ``days_old`` days old about ``subject`` (a fresh id per event when
    ``subject`` is "each"), each with a succeeded delivery and an attempt that echoed the payload."""
    endpoint = f"we_bench_{subject}"[:40]
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO webhook_endpoints (id, org_id, url, enabled, secret, created_at, updated_at)"
            " VALUES ($1, $2, 'https://example.com/hook', true, 'whsec_x', now(), now())",
            endpoint,
            org_id,
        )
        subject_sql = "'usr_' || md5(g::text)" if subject == "each" else f"'{subject}'"
        data = """'{"id":"usr_x","email":"someone@example.com","name":"Some One","role":"viewer"}'"""
        await tx.execute(
            "INSERT INTO events (id, org_id, type, created_at, data, subject_id)"
            f" SELECT 'evt_{subject[:8]}_' || g, $1, 'user.updated', now() - make_interval(days => $2), {data},"
            f" {subject_sql} FROM generate_series(1, $3) g",
            org_id,
            days_old,
            count,
        )
        await tx.execute(
            "INSERT INTO webhook_deliveries (id, org_id, endpoint_id, event_id, event_type, status, attempt_count,"
            " created_at, updated_at) SELECT 'msg_' || e.id, e.org_id, $2, e.id, e.type, 'succeeded', 1,"
            " e.created_at, e.created_at FROM events e WHERE e.org_id = $1 AND e.id LIKE $3",
            org_id,
            endpoint,
            f"evt_{subject[:8]}_%",
        )
        await tx.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, created_at, status_code, duration_ms,"
            " response_excerpt) SELECT d.id, 1, d.created_at, 200, 12, e.data FROM webhook_deliveries d"
            " JOIN events e ON e.id = d.event_id WHERE d.endpoint_id = $1",
            endpoint,
        )
    await db.execute("ANALYZE")


def report(name: str, rows: int, seconds: float, timed: Timed) -> None:
    longest = max(timed.durations) * 1000
    median = statistics.median(timed.durations) * 1000
    print(
        f"{name:24} {rows:>9,} rows in {seconds:6.2f} s = {rows / seconds:>9,.0f} rows/s;"
        f" {len(timed.durations)} transactions, median {median:.1f} ms, longest {longest:.1f} ms"
    )


async def main(events: int, user_events: int) -> None:
    url = await support.create_postgres_database()
    try:
        await asyncio.to_thread(upgrade, url)
        async with open_database(url) as db:
            async with db.transaction() as tx:
                org = await orgs_service.create(tx, "Bench")
            await load(db, org.id, events, days_old=40, subject="each")
            await load(db, org.id, user_events, days_old=1, subject="usr_bench_deleted")

            timed = Timed(db)
            started = time.perf_counter()
            purged = await purge_expired_events(timed, utcnow(), retention=RETENTION)  # type: ignore[arg-type]
            report("purge-expired-events", purged, time.perf_counter() - started, timed)

            await erasures.request(db, org.id, "usr_bench_deleted", utcnow())
            timed = Timed(db)
            started = time.perf_counter()
            erased = await erase_deleted_users(timed, utcnow(), recheck=60)  # type: ignore[arg-type]
            report("erase-deleted-users", erased, time.perf_counter() - started, timed)
    finally:
        await support.drop_postgres_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000, help="expired events to purge")
    parser.add_argument("--user-events", type=int, default=20_000, help="events of the user to erase")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.user_events))
