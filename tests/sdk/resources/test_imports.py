"""``client.users.import_`` and ``client.imports`` against the real server, with Client and
AsyncClient alike: a file sent as a path, bytes or text, its job followed to the end, bad rows by line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from redcore import Import
from redcore.exceptions import NotFoundError
from tests.sdk.helpers import collect, done, unique


async def test_a_csv_file_is_imported_and_its_job_waited_for(api: Any, tmp_path: Path) -> None:
    email = f"{unique('imp')}@example.com"
    path = tmp_path / "users.csv"
    path.write_text(f"email,name,role,external_id\n{email},Imported Ida,editor,{unique('crm')}\n")
    job = await done(api.users.import_(path))
    assert isinstance(job, Import) and job.status == "queued" and job.id.startswith("imp_")
    finished = await done(api.imports.wait(job.id, within=60, interval=0.05))
    assert finished.status == "succeeded" and finished.finished
    assert (finished.counts.rows, finished.counts.created) == (1, 1)
    users = await collect(api.users.iter(q=email))
    assert [(u.email, u.name, u.role, u.status) for u in users] == [(email, "Imported Ida", "editor", "pending_invite")]

    again = await done(api.users.import_(f'{{"email": "{email}", "name": "Ida"}}\n', format="jsonl", upsert="email"))
    assert (await done(api.imports.wait(again.id, within=60, interval=0.05))).counts.updated == 1


async def test_bad_rows_fail_the_job_and_a_dry_run_writes_nothing(api: Any) -> None:
    body = f"email,name\n{unique('ok')}@example.com,Ok\nnot-an-email,Bad\n".encode()
    failed = await done(api.imports.wait((await done(api.users.import_(body, format="csv"))).id, interval=0.05))
    assert failed.status == "failed" and [(p.line, p.field) for p in failed.problems] == [(3, "email")]
    email = f"{unique('dry')}@example.com"
    dry = await done(api.users.import_(f"email,name\n{email},Dry\n", format="csv", dry_run=True))
    finished = await done(api.imports.wait(dry.id, interval=0.05))
    assert (finished.status, finished.dry_run, finished.counts.created) == ("succeeded", True, 1)
    assert await collect(api.users.iter(q=email)) == []


async def test_an_unknown_import_and_a_file_without_a_format(api: Any) -> None:
    with pytest.raises(NotFoundError):
        await done(api.imports.get("imp_nothing"))
    with pytest.raises(ValueError, match="format"):
        await done(api.users.import_(b"email,name\n"))
