"""Every query of a users import (``users/importing.py``), and only here.

The checked rows are loaded into a staging table of the import's transaction (``import_users``:
PostgreSQL's binary ``COPY`` into a ``TEMP`` table dropped on commit; SQLite's batched
``executemany``), then checked against each other and against the organization's users set-wise,
and written with one ``INSERT … SELECT`` / ``UPDATE … FROM`` per batch of staged rows. The staging
table's ``given`` column holds a bit per field the row gave (:data:`BITS`): an update sets only
those.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from redcore_server.db import Executor, Row
from redcore_server.kit import staging
from redcore_server.kit.staging import StagedProblems
from redcore_server.users import spec

STAGE = "import_users"
Key = Literal["email", "external_id"]

# The fields an update may set (and an import file gives), each with its bit in ``given``.
UPDATABLE = (
    "email",
    "name",
    "role",
    "status",
    "avatar",
    "external_id",
    "email_verified",
    "public_metadata",
    "private_metadata",
    "password_hash",
)
# What the staging table holds, in this order (``users/importing.py`` builds the records): the row's
# place among the staged rows (1, 2, 3 …: batches are ranges of it), its line, the new user's id, the
# email's key, the fields, and which of them the row gave.
STAGED = ("n", "line", "id", "email_key", *UPDATABLE, "given")
BITS = {name: 1 << i for i, name in enumerate(UPDATABLE)}
_TYPES = {"n": "integer", "line": "integer", "email_verified": "boolean", "given": "integer"}
# The users' columns an insert writes from the staged row (``org_id`` and the timestamps are added).
_INSERTED = tuple(c for c in spec.USERS.fields if c not in ("created_at", "updated_at", "last_login"))
_INSERTED += ("email_key", "password_hash")


def _different(db: Executor) -> str:
    return " IS DISTINCT FROM " if db.dialect == "postgresql" else " IS NOT "


async def create_stage(db: Executor) -> None:
    await staging.create_stage(db, STAGE, STAGED, _TYPES)


async def stage(db: Executor, records: Sequence[Sequence[Any]]) -> None:
    await db.copy_records(STAGE, STAGED, records)


async def index_stage(db: Executor) -> None:
    """Indexes for the checks and the batches, made once the rows are in (cheaper than maintained)."""
    for column in ("id", "email_key", "external_id"):
        await db.execute(f"CREATE INDEX ix_{STAGE}_{column} ON {STAGE} ({column})")
    await db.execute(f"ANALYZE {STAGE}")


async def drop_stage(db: Executor) -> None:
    await staging.drop_stage(db, STAGE)


ORG = "CAST($1 AS TEXT)"  # the organization, one type wherever it appears (PostgreSQL infers it once)


def _match(key: Key) -> str:
    """The join condition of a staged row ``s`` to its user ``u``."""
    column = "email_key" if key == "email" else "external_id"
    return f"u.org_id = {ORG} AND u.{column} = s.{column}"


def _checks(key: Key | None, written: bool) -> list[str]:
    """Queries of ``(line, field, issue)``: staged rows that cannot be written as they are (``written``:
    the rows were inserted already, so a user the import made is not one that was there)."""
    bit = BITS
    checks = [
        # a key repeated in the file: the later lines name the first
        f"SELECT line, 'email', 'repeats line ' || first FROM (SELECT line, min(line) OVER (PARTITION BY email_key)"
        f" AS first FROM {STAGE}) d WHERE line > first",
        f"SELECT line, 'external_id', 'repeats line ' || first FROM (SELECT line, min(line) OVER"
        f" (PARTITION BY external_id) AS first FROM {STAGE} WHERE external_id IS NOT NULL) d WHERE line > first",
    ]
    if key is None:
        theirs = f" WHERE NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.id = u.id)" if written else ""
        checks += [
            f"SELECT s.line, 'email', 'already a user of the organization (--upsert email updates users)'"
            f" FROM {STAGE} s JOIN users u ON {_match('email')}{theirs}",
            f"SELECT s.line, 'external_id', 'already the external_id of a user of the organization'"
            f" FROM {STAGE} s JOIN users u ON {_match('external_id')}{theirs}",
        ]
        return checks
    other: Key = "external_id" if key == "email" else "email"
    checks += [
        f"SELECT s.line, 'name', 'is required for a new user' FROM {STAGE} s"
        f" WHERE s.given & {bit['name']} = 0 AND NOT EXISTS (SELECT 1 FROM users u WHERE {_match(key)})",
        # the other key taken by another user than the row's own
        f"SELECT s.line, '{other}', 'already the {other} of another user of the organization' FROM {STAGE} s"
        f" JOIN users u ON {_match(other)} WHERE s.given & {bit[other]} <> 0 AND NOT EXISTS"
        f" (SELECT 1 FROM users m WHERE m.id = u.id AND {_match(key).replace('u.', 'm.')})",
        f"SELECT s.line, 'status', 'only a user still invited can be pending_invite' FROM {STAGE} s"
        f" JOIN users u ON {_match(key)} WHERE s.given & {bit['status']} <> 0 AND s.status = 'pending_invite'"
        " AND u.status <> 'pending_invite'",
    ]
    return checks


async def problems(db: Executor, org_id: str, key: Key | None, cap: int, *, written: bool = False) -> StagedProblems:
    """The first ``cap`` problems of the staged rows by line, how many there are, and how many lines
    have one."""
    return await staging.find_problems(db, _checks(key, written), cap, org_id)


async def roles_given(db: Executor) -> list[str]:
    """The roles the staged rows give (new users' default included)."""
    rows = await db.fetch(f"SELECT DISTINCT role FROM {STAGE} WHERE role IS NOT NULL")
    return [str(r[0]) for r in rows]


async def roles_matched(db: Executor, org_id: str, key: Key) -> list[str]:
    """The current roles of the users the staged rows update."""
    rows = await db.fetch(f"SELECT DISTINCT u.role FROM {STAGE} s JOIN users u ON {_match(key)}", org_id)
    return [str(r[0]) for r in rows]


def _changed(db: Executor) -> str:
    """Whether staged row ``s`` changes its user ``u``: a field it gives that differs."""
    ne = _different(db)
    return "(" + " OR ".join(f"(s.given & {BITS[c]} <> 0 AND u.{c}{ne}s.{c})" for c in UPDATABLE) + ")"


async def count_changes(db: Executor, org_id: str, key: Key | None) -> tuple[int, int, int]:
    """``(created, updated, unchanged)`` the staged rows would make."""
    total = int(await db.fetchval(f"SELECT count(*) FROM {STAGE}"))
    if key is None:
        return total, 0, 0
    matched = int(await db.fetchval(f"SELECT count(*) FROM {STAGE} s JOIN users u ON {_match(key)}", org_id))
    changed = int(
        await db.fetchval(f"SELECT count(*) FROM {STAGE} s JOIN users u ON {_match(key)} WHERE {_changed(db)}", org_id)
    )
    return total - matched, changed, matched - changed


async def ending_sessions(db: Executor, org_id: str, key: Key) -> list[str]:
    """The users the staged rows give a new password hash, or make inactive or suspended: their
    sessions end (as through ``PATCH /v1/users``)."""
    ne = _different(db)
    rows = await db.fetch(
        f"SELECT u.id FROM {STAGE} s JOIN users u ON {_match(key)} WHERE (s.given & {BITS['password_hash']} <> 0"
        f" AND u.password_hash{ne}s.password_hash) OR (s.given & {BITS['status']} <> 0"
        f" AND s.status IN ('inactive', 'suspended') AND u.status <> s.status)",
        org_id,
    )
    return [str(r[0]) for r in rows]


async def role_changes(db: Executor, org_id: str, key: Key) -> bool:
    """Whether the staged rows change any user's role (their access tokens follow it)."""
    found = await db.fetchval(
        f"SELECT 1 FROM {STAGE} s JOIN users u ON {_match(key)} WHERE s.given & {BITS['role']} <> 0"
        " AND u.role <> s.role LIMIT 1",
        org_id,
    )
    return found is not None


async def staged_count(db: Executor) -> int:
    return int(await db.fetchval(f"SELECT count(*) FROM {STAGE}"))


async def insert_batch(
    db: Executor,
    org_id: str,
    key: Key | None,
    first: int,
    last: int,
    now: datetime,
    returning: bool,
    *,
    skip_conflicts: bool = False,
) -> tuple[int, Sequence[Row]]:
    """Insert the staged rows ``first``–``last`` that match no user; with ``returning``, the users made.
    ``skip_conflicts``: a row a unique index refuses is left out (and the count says so)."""
    columns = ", ".join(_INSERTED)
    values = ", ".join(f"s.{c}" for c in _INSERTED)
    unmatched = "" if key is None else f" AND NOT EXISTS (SELECT 1 FROM users u WHERE {_match(key)})"
    sql = (
        f"INSERT INTO users (org_id, created_at, updated_at, last_login, {columns})"
        f" SELECT {ORG}, $2, $2, NULL, {values} FROM {STAGE} s WHERE s.n BETWEEN $3 AND $4{unmatched}"
    )
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        rows = await db.fetch(f"{sql} RETURNING {spec.USERS.select}", org_id, now, first, last)
        return len(rows), rows
    return await db.execute(sql, org_id, now, first, last), ()


async def update_batch(
    db: Executor, org_id: str, key: Key, first: int, last: int, now: datetime
) -> tuple[int, Sequence[Row]]:
    """Update the users the staged rows ``first``–``last`` match and change: the fields each row gives
    (a new email's key with it, unverified unless the row says); the users as they are now."""
    sets = [f"{c} = CASE WHEN s.given & {BITS[c]} <> 0 THEN s.{c} ELSE u.{c} END" for c in UPDATABLE]
    sets.remove(sets[UPDATABLE.index("email_verified")])
    sets += [
        f"email_key = CASE WHEN s.given & {BITS['email']} <> 0 THEN s.email_key ELSE u.email_key END",
        f"email_verified = CASE WHEN s.given & {BITS['email_verified']} <> 0 THEN s.email_verified"
        f" WHEN s.given & {BITS['email']} <> 0 AND s.email_key <> u.email_key THEN {_false(db)}"
        " ELSE u.email_verified END",
        "updated_at = $2",
    ]
    # SQLite's RETURNING names the updated table's columns bare; PostgreSQL's must qualify them (the
    # staging table has columns of the same names)
    qualified = "u." if db.dialect == "postgresql" else ""
    returning = ", ".join(f"{qualified}{c}" for c in spec.USERS.fields)
    rows = await db.fetch(
        f"UPDATE users AS u SET {', '.join(sets)} FROM {STAGE} s WHERE {_match(key)}"
        f" AND s.n BETWEEN $3 AND $4 AND {_changed(db)} RETURNING {returning}",
        org_id,
        now,
        first,
        last,
    )
    return len(rows), rows


def _false(db: Executor) -> str:
    return "false" if db.dialect == "postgresql" else "0"
