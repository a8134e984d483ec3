"""Import jobs: a file taken in and queued (``POST /v1/users/import``), run by a worker with the
same code as ``redcore-server users import`` (``users/importing.py``), and shown by id.

A job is run by one worker at a time, in any number of processes: the claim takes the oldest queued
job (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and the run holds the job's row until it ends. A job
that succeeds is marked so in the transaction that writes its rows, so it is never run twice; a job
whose process died is taken again once its lease runs out (it wrote nothing: its transaction died
with it), at most :data:`MAX_ATTEMPTS` times, then failed.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import msgspec

from redcore_server import errors
from redcore_server.auth.scopes import PRODUCTS_READ, USERS_READ
from redcore_server.db import Database, DatabaseUnavailable
from redcore_server.db.uow import Actor, UnitOfWork
from redcore_server.ids import has_prefix, new_id, utcnow
from redcore_server.imports import repository
from redcore_server.imports.schemas import ID_PREFIX, Import, Job, Resource
from redcore_server.kit.importing import Format, ImportCounts
from redcore_server.products.importing import ProductImporter
from redcore_server.users.importing import Importer, ImportOptions, NothingWritten, UserImporter

logger = logging.getLogger("redcore.imports")

CHUNK = 1 << 20  # characters of the file per stored piece (cut at a line end)
LEASE = timedelta(seconds=60)  # how long a claim lasts if its process stops (a live run holds its row)
MAX_ATTEMPTS = 3
READ_SCOPES = {"users": USERS_READ, "products": PRODUCTS_READ}
_decode_options = msgspec.json.Decoder(dict[str, Any]).decode


def _pieces(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start + CHUNK)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _lines(chunks: list[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from io.StringIO(chunk, newline="")


class ImportService:
    def __init__(self, importer: UserImporter, products: ProductImporter) -> None:
        self.importer = importer  # what runs a users import (the CLI's too)
        self._importers: dict[str, Importer] = {"users": importer, "products": products}

    async def create(
        self, uow: UnitOfWork, org_id: str, resource: Resource, body: bytes, fmt: Format, options: ImportOptions
    ) -> Import:
        """Keep the file and queue its job (a worker runs it once this commits)."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            issue = f"must be UTF-8 text ({exc.reason} at byte {exc.start})"
            raise errors.ValidationError.of(("body", issue)) from None
        if "\x00" in text:
            raise errors.ValidationError.of(("body", "must not contain U+0000"))
        actor = uow.actor
        now, ident = utcnow(), new_id(ID_PREFIX)
        job_options = {"upsert": options.upsert, "invite": options.invite, "events": options.events}
        tx = await uow.tx()
        await repository.insert(
            tx,
            {
                "id": ident,
                "org_id": org_id,
                "resource": resource,
                "format": fmt,
                "status": "queued",
                "dry_run": options.dry_run,
                "options": msgspec.json.encode(job_options).decode(),
                "credential_id": actor.credential_id if actor else None,
                "user_id": actor.user_id if actor else None,
                "request_id": actor.request_id if actor else None,
                "scopes": " ".join(sorted(actor.scopes or ())) if actor else "",
                "counts": msgspec.json.encode(ImportCounts()).decode(),
                "created_at": now,
            },
        )
        for n, piece in enumerate(_pieces(text.removeprefix("\ufeff"))):
            await repository.add_chunk(tx, ident, n, piece)
        uow.queued.add("imports")
        return Import(ident, resource, "queued", options.dry_run, ImportCounts(), [], 0, None, now, None, None)

    async def get(self, db: Database, org_id: str, ident: str, scopes: frozenset[str]) -> Import:
        """The organization's import; reading it needs the read scope of what it imports."""
        found = await repository.get(db, org_id, ident) if has_prefix(ident, ID_PREFIX) else None
        if found is None:
            raise errors.NotFound(f"No import with id {ident!r}.")
        needed = READ_SCOPES[found.resource]
        if needed not in scopes:
            raise errors.InsufficientScope(needed)
        return found

    async def claim(self, db: Database) -> Job | None:
        now = utcnow()
        async with db.transaction() as tx:
            return await repository.claim(tx, now, now + LEASE)

    async def run(self, db: Database, job: Job) -> set[str]:
        """Run a claimed job to its end; the outboxes it queued work for."""
        if job.attempts > MAX_ATTEMPTS:
            error = f"interrupted {MAX_ATTEMPTS} times (the process running it stopped); nothing was written"
            await self._finish(db, job, "failed", ImportCounts(), error=error)
            return set()
        options = _decode_options(job.options)
        actor = Actor(job.credential_id, job.request_id, frozenset(job.scopes.split()), job.user_id)
        uow = UnitOfWork(db, actor)

        async def progress(counts: ImportCounts) -> None:
            if db.dialect == "postgresql":  # SQLite: the import holds the one writer until it ends
                await repository.progress(db, job.id, counts)

        try:
            lines = _lines(await repository.chunks(db, job.id))
            tx = await uow.tx()
            await repository.hold(tx, job.id)
            outcome = await self._importers[job.resource].run(
                uow,
                job.org_id,
                lines,
                job.format,
                ImportOptions(job.dry_run, options.get("upsert"), options["invite"], options["events"]),
                import_id=job.id,
                progress=progress,
            )
            if outcome.written:
                await repository.finish(tx, job.id, "succeeded", outcome.counts, [], 0, None, utcnow())
                await uow.finish(None)
                return uow.queued
            await uow.finish(NothingWritten())
        except DatabaseUnavailable:
            await uow.finish(DatabaseUnavailable())
            raise  # the worker says so; the lease runs out and the job is taken again
        except errors.APIError as exc:  # the privilege rule, an invitation limit…
            await uow.finish(exc)
            await self._finish(db, job, "failed", ImportCounts(), error=f"{exc.code}: {exc.message}")
            return set()
        except BaseException as exc:
            await uow.finish(exc)
            raise
        status = "failed" if outcome.problem_count else "succeeded"  # a dry run without problems succeeds
        async with db.transaction() as done:
            await repository.finish(
                done, job.id, status, outcome.counts, outcome.problems, outcome.problem_count, None, utcnow()
            )
        return set()

    async def _finish(self, db: Database, job: Job, status: str, counts: ImportCounts, error: str) -> None:
        async with db.transaction() as tx:
            await repository.finish(tx, job.id, status, counts, [], 0, error, utcnow())
