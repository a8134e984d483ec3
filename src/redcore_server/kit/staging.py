"""Loading an import's checked rows into its staging table in batches, while the next rows are read
and checked: each batch's statements run in a task of their own, so the database works on one batch
while this process checks the next (one batch at a time on the transaction's connection).

Writing early (an insert-only import): each staged batch is also inserted at once, unique conflicts
skipped and counted; at the first problem anywhere the rest is only staged, for the checks to name,
and the caller rolls the whole transaction back. The caller's set-wise checks then decide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NamedTuple

from redcore_server.db import Executor
from redcore_server.kit.importing import ImportCounts, ImportProblem, ProblemLog, Rows

Record = tuple[Any, ...]  # a staged row; its first value is its place among the staged rows (1, 2, 3 …)
Progress = Callable[[ImportCounts], Awaitable[None] | None]
BATCH = 10_000  # rows staged, and written, per statement
YIELD_EVERY = 500  # rows checked between looks at the database's answers


class BatchLoader:
    def __init__(
        self,
        stage: Callable[[list[Record]], Awaitable[None]],
        insert: Callable[[int, int], Awaitable[int]] | None,
        counts: ImportCounts,
        log: ProblemLog,
    ) -> None:
        """``stage(records)`` loads a batch; ``insert(first, last)`` (writing early) inserts the staged
        rows ``first``–``last`` and says how many went in."""
        self._stage, self._insert = stage, insert
        self._counts, self._log = counts, log
        self.early = insert is not None
        self._inserting = self.early  # until a problem: then the rest is only staged
        self._task: asyncio.Task[None] | None = None

    async def load(self, records: list[Record]) -> None:
        await self.done()
        if records:
            self._task = asyncio.ensure_future(self._load(records))
            await asyncio.sleep(0)  # the task sends its first statement now

    async def done(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await task

    async def _load(self, records: list[Record]) -> None:
        await self._stage(records)
        if self._insert is None or not self._inserting or self._log.count:
            self._inserting = False
            return
        created = await self._insert(records[0][0], records[-1][0])
        self._counts.created += created
        if created < len(records):  # a conflict: the checks will name it, and nothing is kept
            self._inserting = False


async def load_rows(
    rows: Rows,
    check: Callable[[int, dict[str, Any]], Record | None],
    loader: BatchLoader,
    counts: ImportCounts,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> None:
    """Read every row, ``check`` it (None: it has a problem, logged) and load the records in
    batches; ``counts.rows``, ``processed`` and ``failed`` follow."""
    batch: list[Record] = []
    for line, values in rows:
        counts.rows += 1
        record = None if values is None else check(line, values)
        if record is None:
            counts.failed += 1
        else:
            batch.append(record)
        if len(batch) >= batch_size:
            await loader.load(batch)
            batch = []
            counts.processed = counts.rows
            if progress is not None and (waiting := progress(counts)) is not None:
                await waiting
        elif counts.rows % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let the database's answer in, and the next statement out
    await loader.load(batch)
    await loader.done()
    counts.processed = counts.rows


# -- the staging table (the import's SQL beyond a resource's own) --------------------------------


async def create_stage(db: Executor, table: str, columns: Sequence[str], types: Mapping[str, str]) -> None:
    """A table of the transaction for the staged rows (``types``: a column's SQL type, else text),
    with an index on ``n`` (batches are ranges of it): PostgreSQL drops it on commit; SQLite keeps
    it for the connection, so :func:`drop_stage` drops it before the commit."""
    listed = ", ".join(f"{name} {types.get(name, 'text')}" for name in columns)
    if db.dialect == "postgresql":
        await db.execute(f"CREATE TEMP TABLE {table} ({listed}) ON COMMIT DROP")
    else:
        await db.execute(f"DROP TABLE IF EXISTS temp.{table}")
        await db.execute(f"CREATE TEMP TABLE {table} ({listed})")
    await db.execute(f"CREATE INDEX ix_{table}_n ON {table} (n)")


async def drop_stage(db: Executor, table: str) -> None:
    if db.dialect != "postgresql":
        await db.execute(f"DROP TABLE IF EXISTS temp.{table}")


class StagedProblems(NamedTuple):
    items: list[ImportProblem]  # the first ``cap``, by line
    total: int  # all of them
    lines: int  # how many lines have one


async def find_problems(db: Executor, checks: Sequence[str], cap: int, *args: Any) -> StagedProblems:
    """Run the ``checks`` (queries of ``(line, field, issue)`` over the staged rows) as one."""
    union = " UNION ALL ".join(f"SELECT * FROM ({check}) c{i}" for i, check in enumerate(checks))
    rows = await db.fetch(f"SELECT * FROM ({union}) p ORDER BY 1, 2 LIMIT {int(cap)}", *args)
    if not rows:
        return StagedProblems([], 0, 0)
    total = await db.fetchrow(f"SELECT count(*), count(DISTINCT line) FROM ({union}) p", *args)
    assert total is not None
    return StagedProblems([ImportProblem(int(r[0]), str(r[1]), str(r[2])) for r in rows], int(total[0]), int(total[1]))


def take_problems(log: ProblemLog, counts: ImportCounts, found: StagedProblems) -> None:
    """Add what the set-wise checks found to the import's log and counts."""
    for problem in found.items:
        log.add(problem.line, problem.field, problem.issue)
    log.count += found.total - len(found.items)
    counts.failed += found.lines
