"""Every query on import jobs and their files, and only here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from redcore_server.db import Executor
from redcore_server.db.batches import skip_locked
from redcore_server.imports.schemas import Import, Job
from redcore_server.kit.importing import ImportCounts, ImportProblem
from redcore_server.kit.rows import Columns

_decode_counts = msgspec.json.Decoder(ImportCounts).decode
_decode_problems = msgspec.json.Decoder(list[ImportProblem]).decode
_IMPORTS = Columns(Import, decoders={"counts": _decode_counts, "problems": _decode_problems, "dry_run": bool})
_JOBS = Columns(Job, decoders={"dry_run": bool})
_encode = msgspec.json.encode


async def insert(db: Executor, values: Mapping[str, Any]) -> None:
    names = ", ".join(values)
    marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await db.execute(f"INSERT INTO imports ({names}) VALUES ({marks})", *values.values())


async def add_chunk(db: Executor, import_id: str, n: int, body: str) -> None:
    await db.execute("INSERT INTO import_chunks (import_id, n, body) VALUES ($1, $2, $3)", import_id, n, body)


async def get(db: Executor, org_id: str, ident: str) -> Import | None:
    row = await db.fetchrow(f"SELECT {_IMPORTS.select} FROM imports WHERE id = $1 AND org_id = $2", ident, org_id)
    return None if row is None else _IMPORTS.from_row(row)


async def claim(db: Executor, now: datetime, until: datetime) -> Job | None:
    """Take the oldest queued job, or a running one whose process stopped (its lease ran out and no
    transaction holds it), as running until ``until``."""
    row = await db.fetchrow(
        f"UPDATE imports SET status = 'running', attempts = attempts + 1, lease_until = $2,"
        " started_at = COALESCE(started_at, $1) WHERE id = (SELECT id FROM imports"
        " WHERE status = 'queued' OR (status = 'running' AND lease_until < $1)"
        f" ORDER BY created_at LIMIT 1{skip_locked(db)}) RETURNING {_JOBS.select}",
        now,
        until,
    )
    return None if row is None else _JOBS.from_row(row)


async def hold(db: Executor, ident: str) -> None:
    """Lock the job's row while it runs (PostgreSQL: other workers' claims skip it; its progress can
    still be written; SQLite: the running import holds the one writer lock anyway)."""
    if db.dialect == "postgresql":
        await db.execute("SELECT 1 FROM imports WHERE id = $1 FOR KEY SHARE", ident)


async def chunks(db: Executor, ident: str) -> list[str]:
    rows = await db.fetch("SELECT body FROM import_chunks WHERE import_id = $1 ORDER BY n", ident)
    return [str(r[0]) for r in rows]


async def progress(db: Executor, ident: str, counts: ImportCounts) -> None:
    await db.execute(
        "UPDATE imports SET counts = $2 WHERE id = $1 AND status = 'running'", ident, _encode(counts).decode()
    )


async def finish(
    db: Executor,
    ident: str,
    status: str,
    counts: ImportCounts,
    problems: list[ImportProblem],
    problem_count: int,
    error: str | None,
    now: datetime,
) -> None:
    """The job's outcome; its file is no longer kept."""
    await db.execute(
        "UPDATE imports SET status = $2, counts = $3, problems = $4, problem_count = $5, error = $6,"
        " finished_at = $7, lease_until = NULL WHERE id = $1",
        ident,
        status,
        _encode(counts).decode(),
        _encode(problems).decode(),
        problem_count,
        error,
        now,
    )
    await db.execute("DELETE FROM import_chunks WHERE import_id = $1", ident)
