"""The business flow every organization-scoped resource shares, written once: ids of the wrong
type are simply not found, another organization's rows answer exactly as missing ones, ``If-Match``
guards updates and deletes, and unique indexes (never a check-then-insert) decide conflicts.

A domain's service subclasses :class:`ResourceKind` and adds only its own rules (validation,
defaults, derived fields) in ``create`` and ``update``. No HTTP and no SQL here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import msgspec

from redcore_server import errors
from redcore_server.db import Executor, UniqueViolation
from redcore_server.db.listing import PageRequest, PageResult
from redcore_server.db.resources import ResourceTable
from redcore_server.db.uow import UnitOfWork
from redcore_server.events.recorder import record
from redcore_server.ids import utcnow
from redcore_server.versioning import etag_for

T = TypeVar("T")


class ResourceKind(Generic[T]):
    def __init__(
        self,
        noun: str,
        id_prefix: str,
        table: ResourceTable[T],
        conflicts: Mapping[str, type[errors.APIError]],
        *,
        records_events: bool = True,
    ) -> None:
        self.noun = noun
        self.id_prefix = id_prefix
        self.table = table
        self.conflicts = dict(conflicts)
        self.records_events = records_events  # ``<noun>.created|updated|deleted`` events for each change

    async def _record(self, tx: Executor, uow: UnitOfWork, org_id: str, change: str, item: T) -> None:
        if self.records_events:
            await record(tx, uow, org_id, f"{self.noun}.{change}", item)

    def not_found(self, ident: str) -> errors.NotFound:
        return errors.NotFound(f"No {self.noun} with id {ident!r}.")

    def conflict(self, exc: UniqueViolation) -> errors.APIError:
        return self.conflicts.get(exc.constraint, errors.Conflict)()

    async def get(self, db: Executor, org_id: str, ident: str) -> T:
        found = await self.table.get(db, org_id, ident) if ident.startswith(self.id_prefix) else None
        if found is None:
            raise self.not_found(ident)
        return found

    async def list(self, db: Executor, org_id: str, req: PageRequest) -> tuple[list[T], PageResult]:
        return await self.table.list_page(db, org_id, req)

    async def insert(self, uow: UnitOfWork, org_id: str, item: T, extra: Mapping[str, Any] | None = None) -> None:
        """Store ``item`` (plus ``extra`` columns it does not show) and record ``<noun>.created``."""
        tx = await uow.tx()
        values = msgspec.structs.asdict(item) | {"org_id": org_id} | dict(extra or {})  # type: ignore[arg-type]
        try:
            await self.table.insert(tx, values)
        except UniqueViolation as exc:
            raise self.conflict(exc) from None
        await self._record(tx, uow, org_id, "created", item)

    async def update_fields(
        self, uow: UnitOfWork, org_id: str, ident: str, changes: Mapping[str, Any], if_match: frozenset[str] | None
    ) -> T:
        if not ident.startswith(self.id_prefix):
            raise self.not_found(ident)
        tx = await uow.tx()
        await self._check_version(tx, org_id, ident, if_match)
        if not changes:
            return await self.get(tx, org_id, ident)
        try:
            updated = await self.table.update(tx, org_id, ident, changes, utcnow())
        except UniqueViolation as exc:
            raise self.conflict(exc) from None
        if updated is None:
            raise self.not_found(ident)
        await self._record(tx, uow, org_id, "updated", updated)
        return updated

    async def delete(self, uow: UnitOfWork, org_id: str, ident: str, if_match: frozenset[str] | None = None) -> None:
        if not ident.startswith(self.id_prefix):
            raise self.not_found(ident)
        tx = await uow.tx()
        await self._check_version(tx, org_id, ident, if_match)
        deleted = await self.table.delete(tx, org_id, ident)
        if deleted is None:
            raise self.not_found(ident)
        await self._record(tx, uow, org_id, "deleted", deleted)

    async def _check_version(self, tx: Executor, org_id: str, ident: str, if_match: frozenset[str] | None) -> None:
        """Enforce ``If-Match``: the stored version must be one the caller names."""
        if if_match is None:
            return
        current = await self.table.lock_version(tx, org_id, ident)
        if current is None:
            raise self.not_found(ident)
        if etag_for(current) not in if_match:
            raise errors.PreconditionFailed(
                f"{self.noun.capitalize()} {ident!r} has changed since the ETag you sent; fetch it again."
            )
