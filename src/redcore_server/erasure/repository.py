"""Every query on the erasures still to do, and only here."""

from __future__ import annotations

from datetime import datetime

from redcore_server.db import Executor
from redcore_server.db.batches import skip_locked


async def request(db: Executor, org_id: str, subject_id: str, now: datetime) -> None:
    await db.execute(
        "INSERT INTO erasures (org_id, subject_id, created_at, next_check_at) VALUES ($1, $2, $3, $3)",
        org_id,
        subject_id,
        now,
    )


async def any_due(db: Executor, now: datetime) -> bool:
    return await db.fetchrow("SELECT 1 FROM erasures WHERE next_check_at <= $1 LIMIT 1", now) is not None


async def claim(db: Executor, *, now: datetime, until: datetime, limit: int) -> list[tuple[str, str]]:
    """Take up to ``limit`` due erasures until ``until`` (a lease: if this process dies, another
    takes them then): ``(org_id, subject_id)`` each."""
    rows = await db.fetch(
        "UPDATE erasures SET next_check_at = $2 WHERE seq IN (SELECT seq FROM erasures WHERE next_check_at <= $1"
        f" ORDER BY next_check_at LIMIT $3{skip_locked(db)}) RETURNING org_id, subject_id",
        now,
        until,
        limit,
    )
    return [(row[0], row[1]) for row in rows]


async def postpone(db: Executor, subject_id: str, until: datetime) -> None:
    await db.execute("UPDATE erasures SET next_check_at = $2 WHERE subject_id = $1", subject_id, until)


async def finish(db: Executor, subject_id: str) -> None:
    await db.execute("DELETE FROM erasures WHERE subject_id = $1", subject_id)
