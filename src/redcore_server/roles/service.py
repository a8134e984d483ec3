"""Business rules for roles: built-ins listed but immutable, keys unique per organization, the
privilege rule on every change, a role in use never deleted, and its users' tokens following it.

**A user's role stays valid.** Whoever gives a user a custom role reads the role's row with a share
lock (:func:`role_scopes` with ``lock=True``) in the transaction that writes the user; deleting a
role locks the row for update *before* it looks for users holding it. On PostgreSQL (read committed)
the two wait for each other: a delete that locked first commits and the share lock then finds no row
(400, unknown role); an assignment that locked first commits and the delete's next statement sees
its user (409 ``role_in_use``). On SQLite every write transaction holds the one writer lock
(``BEGIN IMMEDIATE``), which serialises the two just the same.
"""

from __future__ import annotations

from datetime import UTC, datetime

from redcore_server import errors
from redcore_server.auth.privileges import require_scopes
from redcore_server.auth.scopes import ALL_SCOPES, ORG_MANAGE, ROLE_SCOPES
from redcore_server.db import Executor, UniqueViolation
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import utcnow
from redcore_server.kit.checks import Problems, display_name, raise_if
from redcore_server.kit.listing import Cursor, PageRequest, PageResult, decode_cursor, encode_cursor
from redcore_server.kit.service import Recorder, changes_of
from redcore_server.orgs import repository as orgs_repository
from redcore_server.roles import repository
from redcore_server.roles.schemas import ROLE_KEY, Role, RoleCreate, RoleUpdate

MAX_ROLES = 100  # custom roles per organization
BUILT_IN_NAMES = {"admin": "Admin", "editor": "Editor", "viewer": "Viewer"}
SORTABLE = ("created_at", "key", "name")


class DuplicateRole(errors.Conflict):
    code = "duplicate_role"
    default_message = "The organization already has a role with this key."


class RoleInUse(errors.Conflict):
    code = "role_in_use"
    default_message = "Users hold this role; give them another before deleting it."


class BuiltInRole(errors.Conflict):
    code = "built_in_role"
    default_message = "The built-in roles admin, editor and viewer cannot be changed or deleted."


class TooManyRoles(errors.Conflict):
    code = "too_many_roles"
    default_message = f"An organization has at most {MAX_ROLES} custom roles."


def _ordered(scopes: list[str]) -> list[str]:
    return [s for s in ALL_SCOPES if s in set(scopes)]


async def role_scopes(tx: Executor, org_id: str, key: str, *, lock: bool = False) -> frozenset[str] | None:
    """The scopes of the organization's role ``key`` as they are now, or None when it has no such
    role. ``lock``: the custom role cannot be deleted until the transaction ends (give it to a user)."""
    built_in = ROLE_SCOPES.get(key)
    if built_in is not None:
        return built_in
    role = await repository.get(tx, org_id, key, "share" if lock else None)
    return None if role is None else frozenset(role.scopes)


async def role_keys(db: Executor, org_id: str) -> frozenset[str]:
    """Every role key of the organization: the built-in ones and its custom roles'."""
    return frozenset(ROLE_SCOPES) | {role.key for role in await repository.list_for_org(db, org_id)}


def _not_found(key: str) -> errors.NotFound:
    return errors.NotFound(f"No role with key {key!r}.")


class RoleService:
    def __init__(self, recorder: Recorder | None = None) -> None:
        self._recorder = recorder

    async def _record(self, tx: Executor, uow: UnitOfWork, org_id: str, change: str, role: Role) -> None:
        if self._recorder is not None:
            await self._recorder(tx, uow, org_id, f"role.{change}", role)

    async def _built_ins(self, db: Executor, org_id: str) -> list[Role]:
        org = await orgs_repository.get(db, org_id)
        since = org.created_at if org is not None else utcnow()
        return [
            Role(key, BUILT_IN_NAMES[key], _ordered(list(scopes)), True, since, since)
            for key, scopes in ROLE_SCOPES.items()
        ]

    async def get(self, db: Executor, org_id: str, key: str) -> Role:
        if key in ROLE_SCOPES:
            return next(role for role in await self._built_ins(db, org_id) if role.key == key)
        role = await repository.get(db, org_id, key)
        if role is None:
            raise _not_found(key)
        return role

    async def all(self, db: Executor, org_id: str) -> list[Role]:
        """Every role of the organization: the built-in ones, then the custom ones by key."""
        custom = sorted(await repository.list_for_org(db, org_id), key=lambda role: role.key)
        return await self._built_ins(db, org_id) + custom

    async def list(self, db: Executor, org_id: str, req: PageRequest) -> tuple[list[Role], PageResult]:
        """The built-in roles and the custom ones (at most :data:`MAX_ROLES`), sorted and paged here."""
        sort = req.sort if req.sort is not None else "created_at"
        if sort not in SORTABLE:
            raise errors.ValidationError.of(("sort", f"must be one of {', '.join(SORTABLE)}"))
        order = req.order or "desc"
        roles = await self._built_ins(db, org_id) + await repository.list_for_org(db, org_id)

        def position(role: Role) -> tuple[str, str]:
            value = getattr(role, sort)
            if isinstance(value, datetime):  # fixed width, so that the text sorts as the time does
                value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return (value, role.key)

        roles.sort(key=position, reverse=order == "desc")
        start = req.offset
        if req.cursor is not None:
            cursor = decode_cursor(req.cursor)
            if (cursor.sort, cursor.order) != (sort, order) or not isinstance(cursor.value, str):
                raise errors.ValidationError.of(
                    ("starting_after", f"was issued for sort={cursor.sort}&order={cursor.order}; use the same")
                )
            after = (cursor.value, cursor.id)
            start = sum(1 for role in roles if (position(role) <= after if order == "asc" else position(role) >= after))
        page = roles[start : start + req.limit]
        has_more = start + req.limit < len(roles)
        next_cursor = None
        if has_more and page:
            value, key = position(page[-1])
            next_cursor = encode_cursor(Cursor(sort=sort, order=order, value=value, id=key))
        total = len(roles) if req.count else None
        return page, PageResult(rows=[], total=total, has_more=has_more, next_cursor=next_cursor, total_exact=req.count)

    async def create(self, uow: UnitOfWork, org_id: str, data: RoleCreate) -> Role:
        """Needs ``org:manage`` and every scope the role will have."""
        problems: Problems = []
        if not ROLE_KEY.fullmatch(data.key):
            problems.append(("key", "must be a lowercase letter then up to 31 of a-z, 0-9, `_`, `-`"))
        name = display_name(data.name, problems)
        raise_if(problems)
        scopes = _ordered(list(data.scopes))
        require_scopes(uow.actor, [ORG_MANAGE, *scopes], f"Creating the role `{data.key}`")
        if data.key in ROLE_SCOPES:
            raise DuplicateRole(f"`{data.key}` is a built-in role.")
        tx = await uow.tx()
        if await repository.count(tx, org_id) >= MAX_ROLES:
            raise TooManyRoles()
        now = utcnow()
        role = Role(data.key, name, scopes, False, now, now)
        try:
            await repository.insert(tx, org_id, role)
        except UniqueViolation:
            raise DuplicateRole(f"The organization already has a role `{data.key}`.") from None
        await self._record(tx, uow, org_id, "created", role)
        return role

    async def _locked(self, tx: Executor, org_id: str, key: str) -> Role:
        if key in ROLE_SCOPES:
            raise BuiltInRole(f"`{key}` is a built-in role: it cannot be changed or deleted.")
        role = await repository.get(tx, org_id, key, "update")
        if role is None:
            raise _not_found(key)
        return role

    async def update(self, uow: UnitOfWork, org_id: str, key: str, data: RoleUpdate) -> Role:
        """Needs ``org:manage`` and every scope the role has and will have. New scopes apply to every
        token of its users from their next request, on every server."""
        changes = changes_of(data)
        problems: Problems = []
        if "name" in changes:
            changes["name"] = display_name(changes["name"], problems)
        raise_if(problems)
        if "scopes" in changes:
            changes["scopes"] = _ordered(changes["scopes"])
        tx = await uow.tx()
        current = await self._locked(tx, org_id, key)
        needed = [ORG_MANAGE, *current.scopes, *changes.get("scopes", ())]
        require_scopes(uow.actor, needed, f"Changing the role `{key}`")
        if not changes:
            return current
        role = await repository.update(tx, org_id, key, changes, utcnow())
        if role is None:
            raise _not_found(key)
        if role.scopes != current.scopes:
            uow.credentials_revoked = True  # every process drops its cached credentials
        await self._record(tx, uow, org_id, "updated", role)
        return role

    async def delete(self, uow: UnitOfWork, org_id: str, key: str) -> None:
        """Needs ``org:manage`` and every scope of the role; 409 ``role_in_use`` while a user holds it."""
        tx = await uow.tx()
        role = await self._locked(tx, org_id, key)  # first: see the module's docstring
        require_scopes(uow.actor, [ORG_MANAGE, *role.scopes], f"Deleting the role `{key}`")
        if await repository.in_use(tx, org_id, key):
            raise RoleInUse(f"Users hold the role `{key}`; give them another role before deleting it.")
        await repository.delete(tx, org_id, key)
        uow.credentials_revoked = True
        await self._record(tx, uow, org_id, "deleted", role)
