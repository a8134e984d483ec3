"""Organizations are created by operators (the CLI); through the API a credential reads its own
organization, and one holding ``org:manage`` renames it or changes its base currency."""

from __future__ import annotations

from redcore_server import errors
from redcore_server.currencies import is_currency
from redcore_server.db import Executor, UniqueViolation
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import new_id, utcnow
from redcore_server.keys import service as keys_service
from redcore_server.keys.schemas import NewApiKey
from redcore_server.kit.checks import Problems, display_name, raise_if
from redcore_server.kit.service import Recorder, changes_of
from redcore_server.orgs import repository
from redcore_server.orgs.schemas import ID_PREFIX, Organization, OrganizationUpdate
from redcore_server.versioning import etag_for


class DuplicateOrganizationName(errors.Conflict):
    code = "duplicate_organization_name"
    default_message = "Another organization already has this name."


def _duplicate(name: str) -> DuplicateOrganizationName:
    return DuplicateOrganizationName(f"An organization named {name!r} already exists.")


async def create(db: Executor, name: str, *, base_currency: str = "USD") -> Organization:
    name = name.strip()
    problems = []
    if not 1 <= len(name) <= 200:
        problems.append(("name", "must be 1 to 200 characters"))
    if not is_currency(base_currency):
        problems.append(("base_currency", "must be an ISO 4217 code such as USD"))
    if problems:
        raise errors.ValidationError.of(*problems)
    now = utcnow()
    org = Organization(id=new_id(ID_PREFIX), name=name, base_currency=base_currency, created_at=now, updated_at=now)
    try:
        await repository.insert(db, org)
    except UniqueViolation:
        raise _duplicate(name) from None
    return org


async def resolve(db: Executor, ref: str) -> Organization:
    """An organization by id or by exact name."""
    org = await repository.get_by_id_or_name(db, ref)
    if org is None:
        raise errors.NotFound(f"No organization with id or name {ref!r}.")
    return org


async def bootstrap(db: Executor, name: str) -> tuple[Organization, NewApiKey]:
    """On an empty database: the first organization and an admin key (every scope)."""
    existing = await repository.count(db)
    if existing:
        raise errors.Conflict(
            f"The database already has {existing} organization(s); bootstrap only runs on an empty one. "
            "Create a key with `redcore-server keys create --org NAME`."
        )
    org = await create(db, name)
    key = await keys_service.create(db, org.id, name="bootstrap admin key")
    return org, key


class OrganizationService:
    """The caller's own organization over HTTP (``/v1/organization``)."""

    def __init__(self, recorder: Recorder | None = None) -> None:
        self._recorder = recorder

    async def get(self, db: Executor, org_id: str) -> Organization:
        org = await repository.get(db, org_id)
        if org is None:  # a credential outlived its organization
            raise errors.NotFound(f"No organization with id {org_id!r}.")
        return org

    async def update(
        self, uow: UnitOfWork, org_id: str, data: OrganizationUpdate, if_match: frozenset[str] | None = None
    ) -> Organization:
        """Change the fields given (the scope ``org:manage`` was checked at the door) and record
        ``organization.updated`` in the same transaction. The base currency is only the default of
        products made from now on."""
        problems: Problems = []
        changes = changes_of(data)
        if "name" in changes:
            changes["name"] = display_name(changes["name"], problems)
        if "base_currency" in changes and not is_currency(changes["base_currency"]):
            problems.append(("base_currency", "must be an ISO 4217 code in upper case, such as USD"))
        raise_if(problems)
        tx = await uow.tx()
        if if_match is not None:
            current = await repository.lock_version(tx, org_id)
            if current is None:
                raise errors.NotFound(f"No organization with id {org_id!r}.")
            if etag_for(current) not in if_match:
                raise errors.PreconditionFailed("The organization has changed since the ETag you sent; fetch it again.")
        if not changes:
            return await self.get(tx, org_id)
        try:
            org = await repository.update(tx, org_id, changes, utcnow())
        except UniqueViolation:
            raise _duplicate(changes["name"]) from None
        if org is None:
            raise errors.NotFound(f"No organization with id {org_id!r}.")
        if self._recorder is not None:
            await self._recorder(tx, uow, org_id, "organization.updated", org)
        return org
