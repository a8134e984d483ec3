"""Loading an import's checked rows into its staging table in batches, while the next rows are read
and checked: each batch's statements run in a task of their own, so the database works on one batch
while this process checks the next (one batch at a time on the transaction's connection).

Writing early (an insert-only import): each staged batch is also inserted at once, unique conflicts
skipped and counted; at the first problem anywhere the rest is only staged, for the checks to name,
and the caller rolls the whole transaction back. The caller's set-wise checks then decide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from redcore_server.kit.importing import ImportCounts, ProblemLog, Rows

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
