"""Bounded writes for background work: each statement touches at most ``limit`` rows in its own short
transaction, so a large backlog never holds long locks, and processes doing the same work at once
take different rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer at a time)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from redcore_server.db.database import Database, Executor

BATCH_SIZE = 1000  # rows per transaction


def skip_locked(db: Executor, of: str | None = None) -> str:
    """The clause that ends a batch's row-selecting subquery: rows another transaction holds are
    left to it (``of``: the alias whose rows are taken, in a join)."""
    if db.dialect != "postgresql":
        return ""
    return f" FOR UPDATE OF {of} SKIP LOCKED" if of else " FOR UPDATE SKIP LOCKED"


async def in_batches(
    db: Database, statement: Callable[[Executor, int], Awaitable[int]], limit: int = BATCH_SIZE
) -> int:
    """Run ``statement(tx, limit)`` (which changes at most ``limit`` rows and says how many it did),
    each time in a transaction of its own, until it changes fewer than ``limit``; the total."""
    total = 0
    while True:
        async with db.transaction() as tx:
            done = await statement(tx, limit)
        total += done
        if done < limit:
            return total
        await asyncio.sleep(0)  # let requests waiting for the database in this process go first
