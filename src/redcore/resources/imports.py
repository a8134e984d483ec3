"""``client.imports``: import jobs (``/v1/imports/{id}``), made by ``client.users.import_``; and the
file a ``users.import_`` sends (:func:`import_call`)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import IO, Literal

from redcore._base import Call
from redcore.resources._collection import AsyncResource, SyncResource, _segment
from redcore.types import Import

__all__ = ["AsyncImports", "ImportFile", "Imports", "import_call"]

ImportFile = bytes | str | os.PathLike[str] | IO[bytes]
ImportFormat = Literal["csv", "jsonl"]
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
WAIT_TIMEOUT = 600.0  # seconds wait() waits at most, unless told
POLL_INTERVAL = 0.5


def _get(id: str) -> Call[Import]:
    return Call("GET", f"/imports/{_segment(id)}", Import)


def import_call(
    file: ImportFile,
    format: ImportFormat | None,
    *,
    dry_run: bool,
    upsert: Literal["email", "external_id"] | None,
    invite: bool,
    events: bool,
) -> Call[Import]:
    """``POST /users/import`` with the file's bytes: a path (its suffix gives the format), bytes, text,
    or a binary file object."""
    if isinstance(file, os.PathLike):
        path = Path(file)
        content = path.read_bytes()
        suffix = path.suffix.lower().lstrip(".")
        format = format or ("jsonl" if suffix in ("jsonl", "ndjson") else "csv" if suffix == "csv" else None)
    elif isinstance(file, bytes):
        content = file
    elif isinstance(file, str):
        content = file.encode()
    else:
        content = file.read()
    if format not in MEDIA:
        raise ValueError("format: give 'csv' or 'jsonl' (or a path ending .csv or .jsonl)")
    params = {"dry_run": dry_run, "upsert": upsert, "invite": invite, "events": events}
    return Call(
        "POST", "/users/import", Import, params=params, headers={"Content-Type": MEDIA[format]}, content=content
    )


class Imports(SyncResource):
    """Import jobs: ``get`` one by its ``imp_`` id, or ``wait`` until it has finished."""

    def get(self, id: str) -> Import:
        """The import now: its ``status``, ``counts`` and ``problems`` (needs ``users:read``)."""
        return self._request(_get(id))

    def wait(self, id: str, *, within: float = WAIT_TIMEOUT, interval: float = POLL_INTERVAL) -> Import:
        """Poll until the import has ``succeeded`` or ``failed`` and return it; TimeoutError after
        ``within`` seconds (the job goes on)."""
        deadline = time.monotonic() + within
        while not (job := self.get(id)).finished:
            if time.monotonic() + interval > deadline:
                raise TimeoutError(f"import {id} is still {job.status} after {within} s")
            time.sleep(interval)
        return job


class AsyncImports(AsyncResource):
    """Import jobs, on :class:`~redcore.AsyncClient` (see :class:`Imports`)."""

    async def get(self, id: str) -> Import:
        """The import now (see :meth:`Imports.get`)."""
        return await self._request(_get(id))

    async def wait(self, id: str, *, within: float = WAIT_TIMEOUT, interval: float = POLL_INTERVAL) -> Import:
        """Poll until the import has finished (see :meth:`Imports.wait`)."""
        deadline = time.monotonic() + within
        while not (job := await self.get(id)).finished:
            if time.monotonic() + interval > deadline:
                raise TimeoutError(f"import {id} is still {job.status} after {within} s")
            await asyncio.sleep(interval)
        return job
