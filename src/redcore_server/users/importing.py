"""Importing users in bulk (``redcore-server users import``, ``POST /v1/users/import``).

**All or nothing.** The file is read a row at a time (``kit/importing.py``); each row is checked with
the rules of ``POST /v1/users`` (its types by :class:`UserImport`, then the email's normal form, the
name, the avatar, the metadata limits, a role of the organization, an importable password hash) and
staged in the import's transaction; the staged rows are then checked together (emails and
external_ids unique in the file and against the organization's users). One problem anywhere and
nothing is written: the report lists the problems by line (the first :data:`MAX_PROBLEMS`). Else
every row is written in that one transaction, in batches, and the import commits as a whole.
``dry_run`` does all the checking, counts what would change, and writes nothing.

**Upsert.** By default every row makes a new user, and an email already in the organization is a
problem. With ``upsert="email"`` (or ``"external_id"``) a row whose key matches a user updates the
fields it gives (fields it leaves out keep their value; a metadata object given replaces the stored
one) and counts as ``updated``, or ``unchanged`` when it changes nothing; a row matching nobody makes
a user. Updates follow ``PATCH /v1/users``: a new password hash, or a user made inactive or
suspended, ends their sessions; a new email is unverified unless the row says otherwise.

A user with a ``password_hash`` is ``active`` by default, one without it ``pending_invite``.
Invitations go out only with ``invite`` (through the email outbox and its limits), per-user events
only with ``events``; one ``import.completed`` event is always recorded.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import msgspec

from redcore_server.auth.privileges import require_role
from redcore_server.db import Database
from redcore_server.db.uow import Actor, UnitOfWork
from redcore_server.ids import new_id, utcnow
from redcore_server.kit import metadata
from redcore_server.kit.checks import Problems
from redcore_server.kit.importing import (
    MAX_PROBLEMS,
    FileShape,
    Format,
    ImportCounts,
    ImportProblem,
    ProblemLog,
    boolean,
    field_problems,
    json_object,
    read_rows,
)
from redcore_server.kit.service import Recorder
from redcore_server.kit.staging import BATCH as STAGING_BATCH
from redcore_server.kit.staging import BatchLoader, Progress, Record, load_rows, take_problems
from redcore_server.passwords import imported_hash_problem
from redcore_server.roles.service import role_keys, role_scopes
from redcore_server.users import import_repository as repo
from redcore_server.users.emails import email_key
from redcore_server.users.privileges import require_role_given
from redcore_server.users.schemas import DEFAULT_ROLE, ID_PREFIX, User, UserImport
from redcore_server.users.service import Inviter, SessionEnder, checked_profile, initial_status
from redcore_server.users.spec import USERS

Upsert = Literal["email", "external_id"]
BATCH = STAGING_BATCH  # rows staged, and written, per statement
SHAPE = FileShape(
    fields=repo.UPDATABLE,
    required=("email",),
    ignored=("id", "last_login", "created_at", "updated_at"),  # what an export carries that is not set
    cells={"email_verified": boolean, "public_metadata": json_object, "private_metadata": json_object},
)
_METADATA = ("public_metadata", "private_metadata")
_unset = msgspec.UNSET


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    upsert: Upsert | None = None
    invite: bool = False  # invite the new users without a password hash
    events: bool = False  # a user.created / user.updated event per user, besides import.completed


class ImportOutcome(msgspec.Struct):
    counts: ImportCounts
    problems: list[ImportProblem]  # the first MAX_PROBLEMS, by line
    problem_count: int  # all of them
    written: bool  # False: nothing was written (problems, or a dry run)


class _RowChecker:
    """One row's values → its staged record, or its problems logged."""

    def __init__(self, roles: frozenset[str], upsert: Upsert | None) -> None:
        self._roles = roles
        self._upsert = upsert
        self.staged = 0

    def check(self, line: int, values: dict[str, Any], *, log: ProblemLog) -> Record | None:
        try:
            row = msgspec.convert(values, UserImport, strict=True)
        except msgspec.ValidationError as exc:
            log.add_error(line, field_problems(exc))
            return None
        given = {name: value for name in repo.UPDATABLE if (value := getattr(row, name)) is not _unset}
        problems: Problems = []
        checked_profile(given, problems)
        if "role" in given and given["role"] not in self._roles:
            problems.append(("role", f"no role `{given['role']}` in this organization"))
        for field in _METADATA:
            if field in given:
                given[field] = metadata.check(field, metadata.given(given[field]), problems)
        password_hash = given.get("password_hash")
        if password_hash is not None and (issue := imported_hash_problem(password_hash)) is not None:
            problems.append(("password_hash", issue))
        if password_hash is not None and given.get("status") == "pending_invite":
            problems.append(("status", "a user with a password_hash is not waiting for an invitation"))
        if self._upsert is None and "name" not in given:
            problems.append(("name", "is required"))
        if self._upsert == "external_id" and given.get("external_id") is None:
            problems.append(("external_id", "is required to match users by (--upsert external_id)"))
        if problems:
            for field, issue in problems:
                log.add(line, field, issue)
            return None
        self.staged += 1
        email = given["email"]
        return (
            self.staged,
            line,
            new_id(ID_PREFIX),
            email_key(email),
            email,
            given.get("name"),
            given.get("role", DEFAULT_ROLE),
            given.get("status") or initial_status(password_hash),
            given.get("avatar"),
            given.get("external_id"),
            given.get("email_verified", False),
            given.get("public_metadata", "{}"),
            given.get("private_metadata", "{}"),
            password_hash,
            sum(repo.BITS[name] for name in given),
        )


class UserImporter:
    """Runs an import in a unit of work (the caller commits when ``written``, else rolls back)."""

    def __init__(
        self,
        sessions: SessionEnder,
        invitations: Inviter | None = None,
        recorder: Recorder | None = None,
        statement_timeout: float = 600.0,
    ) -> None:
        self._sessions = sessions
        self._invitations = invitations
        self._recorder = recorder
        self._statement_timeout = statement_timeout  # REDCORE_IMPORT_STATEMENT_TIMEOUT

    async def run(
        self,
        uow: UnitOfWork,
        org_id: str,
        lines: Iterable[str],
        fmt: Format,
        options: ImportOptions,
        *,
        import_id: str | None = None,
        progress: Progress | None = None,
    ) -> ImportOutcome:
        tx = await uow.tx()
        await tx.extend_statement_timeout(self._statement_timeout)  # a check spans the whole file
        counts, log = ImportCounts(), ProblemLog()
        checker = _RowChecker(await role_keys(tx, org_id), options.upsert)
        await repo.create_stage(tx)
        # Inserting only: each batch is written as soon as it is staged, while the next one is read
        # and checked, and the whole is rolled back at the first problem (kit/staging.py). Upserts
        # and dry runs (and invitations, counted by a limiter outside the transaction) check first.
        now = utcnow()

        async def stage(records: list[Record]) -> None:
            await repo.stage(tx, records)

        async def insert(first: int, last: int) -> int:
            created, rows = await repo.insert_batch(
                tx, org_id, None, first, last, now, options.events, skip_conflicts=True
            )
            for user in map(USERS.from_row, rows):
                await self.record(uow, org_id, "user.created", user)
            return created

        loader = BatchLoader(stage, insert if _writes_early(options) else None, counts, log)
        check = functools.partial(checker.check, log=log)
        await load_rows(read_rows(lines, fmt, SHAPE, log), check, loader, counts, progress, BATCH)
        await repo.index_stage(tx)
        found = await repo.problems(tx, org_id, options.upsert, MAX_PROBLEMS, written=loader.early)
        take_problems(log, counts, found)
        await self._check_privileges(uow, org_id, options.upsert)
        problems = log.sorted()[:MAX_PROBLEMS]
        if log.count:
            counts.created = 0
            return ImportOutcome(counts, problems, log.count, written=False)
        if options.dry_run:
            counts.created, counts.updated, counts.unchanged = await repo.count_changes(tx, org_id, options.upsert)
            return ImportOutcome(counts, [], 0, written=False)
        if not loader.early:
            await self._write(uow, org_id, options, counts)
        elif counts.created != await repo.staged_count(tx):
            raise RuntimeError("a staged user was not inserted, yet no problem was found")
        await repo.drop_stage(tx)
        if self._recorder is not None:
            data = {"id": import_id, "resource": "users", "counts": msgspec.to_builtins(counts)}
            await self._recorder(tx, uow, org_id, "import.completed", data)
        return ImportOutcome(counts, [], 0, written=True)

    async def _check_privileges(self, uow: UnitOfWork, org_id: str, upsert: Upsert | None) -> None:
        """The privilege rule of ``POST`` and ``PATCH /v1/users``: the caller gives only roles whose
        every scope they hold, and changes only users whose role's scopes they hold (403 otherwise).
        The custom roles given stay share-locked until the import commits (``roles/service.py``)."""
        tx = await uow.tx()
        for role in await repo.roles_given(tx):
            await require_role_given(tx, uow.actor, org_id, role, f"Importing users with the role `{role}`")
        if upsert is not None:
            for role in await repo.roles_matched(tx, org_id, upsert):
                scopes = await role_scopes(tx, org_id, role)
                require_role(uow.actor, role, f"Changing users whose role is `{role}`", scopes)

    async def _write(self, uow: UnitOfWork, org_id: str, options: ImportOptions, counts: ImportCounts) -> None:
        tx = await uow.tx()
        key, now = options.upsert, utcnow()
        ending: list[str] = []
        if key is not None:
            matched = (await repo.count_changes(tx, org_id, key))[1:]
            ending = await repo.ending_sessions(tx, org_id, key)
            if await repo.role_changes(tx, org_id, key):
                uow.credentials_revoked = True  # the users' access tokens carry the new role's scopes
            counts.unchanged = sum(matched)
        returning = options.events or options.invite
        total = await repo.staged_count(tx)
        for first in range(1, total + 1, BATCH):
            last = first + BATCH - 1
            if key is not None:
                updated, rows = await repo.update_batch(tx, org_id, key, first, last, now)
                counts.updated += updated
                if options.events:
                    for user in map(USERS.from_row, rows):
                        await self.record(uow, org_id, "user.updated", user)
            created, rows = await repo.insert_batch(tx, org_id, key, first, last, now, returning)
            counts.created += created
            for user in map(USERS.from_row, rows):
                if options.events:
                    await self.record(uow, org_id, "user.created", user)
                if options.invite and user.status == "pending_invite" and self._invitations is not None:
                    await self._invitations.invite(uow, org_id, user)
        counts.unchanged -= counts.updated
        for user_id in ending:
            await self._sessions.end_sessions(uow, org_id, user_id)

    async def record(self, uow: UnitOfWork, org_id: str, type_: str, user: User) -> None:
        if self._recorder is not None:
            await self._recorder(await uow.tx(), uow, org_id, type_, user)


def _writes_early(options: ImportOptions) -> bool:
    return options.upsert is None and not options.dry_run and not options.invite


class NothingWritten(Exception):
    """Rolls back an import's unit of work that wrote nothing (problems, or a dry run)."""


class Importer(Protocol):
    """What runs one resource's import in a unit of work (``UserImporter``, the products' one)."""

    async def run(
        self,
        uow: UnitOfWork,
        org_id: str,
        lines: Iterable[str],
        fmt: Format,
        options: ImportOptions,
        *,
        import_id: str | None = None,
        progress: Progress | None = None,
    ) -> ImportOutcome: ...


async def import_in(
    db: Database,
    importer: Importer,
    actor: Actor | None,
    org_id: str,
    lines: Iterable[str],
    fmt: Format,
    options: ImportOptions,
    *,
    import_id: str | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Run an import in a unit of work of its own: committed when it wrote, else rolled back."""
    uow = UnitOfWork(db, actor)
    try:
        outcome = await importer.run(uow, org_id, lines, fmt, options, import_id=import_id, progress=progress)
    except BaseException as exc:
        await uow.finish(exc)
        raise
    await uow.finish(None if outcome.written else NothingWritten())
    return outcome
