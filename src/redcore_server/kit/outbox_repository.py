"""The queries every outbox table shares (each has ``seq``, ``status``, ``next_attempt_at``,
``lease`` and ``attempt_count``, and a partial index on ``next_attempt_at`` where pending)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from redcore_server.db import Executor, Row


async def any_due(db: Executor, table: str, now: datetime) -> bool:
    row = await db.fetchrow(f"SELECT 1 FROM {table} WHERE status = 'pending' AND next_attempt_at <= $1 LIMIT 1", now)
    return row is not None


async def claim(
    db: Executor, table: str, returning: str, *, now: datetime, lease: str, until: datetime, limit: int
) -> Sequence[Row]:
    """Take up to ``limit`` due rows for this worker, counting the attempt it is about to make.

    The claim moves ``next_attempt_at`` to the lease's end, so a worker that dies mid-attempt leaves
    the row due again once the lease runs out (at-least-once). On PostgreSQL ``SKIP LOCKED`` lets
    concurrent workers claim disjoint rows without waiting; SQLite serialises writers anyway.
    """
    lock = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
    return await db.fetch(
        f"UPDATE {table} SET next_attempt_at = $2, lease = $3, attempt_count = attempt_count + 1"
        f" WHERE seq IN (SELECT seq FROM {table} WHERE status = 'pending' AND next_attempt_at <= $1"
        f" ORDER BY next_attempt_at LIMIT $4{lock}) RETURNING {returning}",
        now,
        until,
        lease,
        limit,
    )


async def hold(db: Executor, table: str, ids: Sequence[str]) -> set[str]:
    """Lock the rows of ``ids`` that still exist and that no other transaction holds, without waiting
    for any (``SKIP LOCKED``; SQLite's one writer holds them all already): the ones returned."""
    marks = ", ".join(f"${i}" for i in range(1, len(ids) + 1))
    lock = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
    return {row[0] for row in await db.fetch(f"SELECT id FROM {table} WHERE id IN ({marks}){lock}", *ids)}


async def existing(db: Executor, table: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are still rows (a deleted one, with its endpoint or user, is not)."""
    marks = ", ".join(f"${i}" for i in range(1, len(ids) + 1))
    return {row[0] for row in await db.fetch(f"SELECT id FROM {table} WHERE id IN ({marks})", *ids)}
