"""Organizations are created by operators (the CLI), not through the public API."""

from __future__ import annotations

from redcore_server import errors
from redcore_server.currencies import is_currency
from redcore_server.db import Executor, UniqueViolation
from redcore_server.ids import new_id, utcnow
from redcore_server.keys import service as keys_service
from redcore_server.keys.schemas import NewApiKey
from redcore_server.orgs import repository
from redcore_server.orgs.schemas import ID_PREFIX, Organization


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
        raise errors.Conflict(f"An organization named {name!r} already exists.") from None
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
