from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from redcore_server.kit.importing import Format, ImportCounts, ImportProblem

ID_PREFIX = "imp"  # import ids are ``imp_…`` (``ids.new_id``)

Status = Literal["queued", "running", "succeeded", "failed"]
Resource = Literal["users", "products"]


class Import(msgspec.Struct):
    """An import job: queued when the file arrives, run by a worker, then ``succeeded`` (every row
    written, or a dry run that found no problem) or ``failed`` (nothing written: ``problems`` by
    line, or ``error``)."""

    id: str
    resource: Resource
    status: Status
    dry_run: bool
    counts: ImportCounts
    problems: list[ImportProblem]  # the first 1,000, by line
    problem_count: int
    error: str | None  # why it failed, when not because of its rows (e.g. `insufficient_privilege: …`)
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class Job(msgspec.Struct, frozen=True):
    """What a worker needs to run a claimed import."""

    id: str
    org_id: str
    resource: str
    format: Format
    dry_run: bool
    options: str  # JSON: upsert, invite, events
    credential_id: str | None
    user_id: str | None
    request_id: str | None
    scopes: str
    attempts: int
