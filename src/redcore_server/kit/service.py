"""The business flow every organization-scoped resource shares, written once: ids of the wrong
type are simply not found, another organization's rows answer exactly as missing ones, ``If-Match``
guards updates and deletes, and unique indexes (never a check-then-insert) decide conflicts.

A domain's service subclasses :class:`ResourceService` and adds only its own rules (validation,
defaults, derived fields, privileges) in ``create`` and ``update``. No HTTP and no SQL here, and no
domain: what records an event of each change is handed in (``events.recorder.record``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import msgspec

from redcore_server import errors
from redcore_server.db import Executor, UniqueViolation
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import new_id, utcnow
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.kit.repository import ResourceRepository
from redcore_server.kit.spec import ResourceSpec

T = TypeVar("T", bound=msgspec.Struct)
# ``record(tx, uow, org_id, type, data)``: write one event of a change in that change's transaction.
Recorder = Callable[[Executor, UnitOfWork | None, str, str, Any], Awaitable[None]]


def changes_of(data: msgspec.Struct) -> dict[str, Any]:
    """The fields an update body gives (those left out are ``UNSET``), by name."""
    return {name: value for name in data.__struct_fields__ if (value := getattr(data, name)) is not msgspec.UNSET}


def new_item(spec: ResourceSpec[T], data: msgspec.Struct, **values: Any) -> T:
    """A new item: a fresh id and timestamps, every field the body ``data`` shares with the struct,
    then ``values`` (what the service decided: normalised, defaulted, derived)."""
    now = utcnow()
    fields = {"id": new_id(spec.id_prefix), "created_at": now, "updated_at": now}
    fields |= {name: getattr(data, name) for name in data.__struct_fields__}
    fields |= values
    return spec.model(**{name: fields[name] for name in spec.fields if name in fields})


class ResourceService(Generic[T]):
    def __init__(self, repository: ResourceRepository[T], recorder: Recorder | None = None) -> None:
        self.repository = repository
        self.spec: ResourceSpec[T] = repository.spec
        self._recorder = recorder if self.spec.records_events else None

    def new(self, data: msgspec.Struct, **values: Any) -> T:
        return new_item(self.spec, data, **values)

    async def _record(self, tx: Executor, uow: UnitOfWork | None, org_id: str, change: str, item: T) -> None:
        if self._recorder is not None:
            await self._recorder(tx, uow, org_id, f"{self.spec.noun}.{change}", item)

    def not_found(self, ident: str) -> errors.NotFound:
        return self.spec.not_found(ident)

    def conflict(self, exc: UniqueViolation) -> errors.APIError:
        return self.spec.conflicts.get(exc.constraint, errors.Conflict)()

    async def get(self, db: Executor, org_id: str, ident: str) -> T:
        found = await self.repository.get(db, org_id, ident) if ident.startswith(self.spec.id_start) else None
        if found is None:
            raise self.not_found(ident)
        return found

    async def list(self, db: Executor, org_id: str, req: PageRequest) -> tuple[list[T], PageResult]:
        return await self.repository.list_page(db, org_id, req)

    async def insert(
        self, tx: Executor, uow: UnitOfWork | None, org_id: str, item: T, extra: Mapping[str, Any] | None = None
    ) -> None:
        """Store ``item`` (plus ``extra`` columns it does not show) and record ``<noun>.created``."""
        try:
            await self.repository.insert(tx, self.spec.values(item, org_id, extra))
        except UniqueViolation as exc:
            raise self.conflict(exc) from None
        await self._record(tx, uow, org_id, "created", item)

    async def update_fields(
        self, uow: UnitOfWork, org_id: str, ident: str, changes: Mapping[str, Any], if_match: frozenset[str] | None
    ) -> T:
        if not ident.startswith(self.spec.id_start):
            raise self.not_found(ident)
        tx = await uow.tx()
        await self._check_version(tx, org_id, ident, if_match)
        if not changes:
            return await self.get(tx, org_id, ident)
        try:
            updated = await self.repository.update(tx, org_id, ident, changes, utcnow())
        except UniqueViolation as exc:
            raise self.conflict(exc) from None
        if updated is None:
            raise self.not_found(ident)
        await self._record(tx, uow, org_id, "updated", updated)
        return updated

    async def delete(self, uow: UnitOfWork, org_id: str, ident: str, if_match: frozenset[str] | None = None) -> None:
        if not ident.startswith(self.spec.id_start):
            raise self.not_found(ident)
        tx = await uow.tx()
        await self._check_version(tx, org_id, ident, if_match)
        deleted = await self.repository.delete(tx, org_id, ident)
        if deleted is None:
            raise self.not_found(ident)
        await self._record(tx, uow, org_id, "deleted", deleted)

    async def _check_version(self, tx: Executor, org_id: str, ident: str, if_match: frozenset[str] | None) -> None:
        """Enforce ``If-Match``: the stored version must be one the caller names."""
        if if_match is None:
            return
        current = await self.repository.lock_version(tx, org_id, ident)
        if current is None:
            raise self.not_found(ident)
        if self.spec.etag_of(current) not in if_match:
            raise errors.PreconditionFailed(
                f"{self.spec.noun.capitalize()} {ident!r} has changed since the ETag you sent; fetch it again."
            )
