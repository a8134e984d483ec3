"""The privilege rule applied to one user (``auth/privileges.py``), for every service that changes a
user or what belongs to them: the user itself, their sessions, their invitation."""

from __future__ import annotations

from redcore_server import errors
from redcore_server.auth.privileges import require_role
from redcore_server.db import Executor
from redcore_server.db.uow import Actor
from redcore_server.ids import has_prefix
from redcore_server.roles.service import role_scopes
from redcore_server.users import repository
from redcore_server.users.schemas import ID_PREFIX


async def require_user_privilege(
    tx: Executor, actor: Actor | None, org_id: str, user_id: str, new_role: str | None = None
) -> str:
    """Refuse (403 ``insufficient_privilege``) unless the actor holds every scope of the user's
    current role, and of ``new_role`` when it changes; 404 for a user that does not exist. Returns
    the current role. The user's row stays locked until the transaction ends, so the role cannot
    change between this check and the change it allows."""
    role = await repository.role_of(tx, org_id, user_id) if has_prefix(user_id, ID_PREFIX) else None
    if role is None:
        raise errors.NotFound(f"No user with id {user_id!r}.")
    require_role(actor, role, f"Changing a user whose role is `{role}`", await role_scopes(tx, org_id, role))
    if new_role is not None and new_role != role:
        await require_role_given(tx, actor, org_id, new_role, f"Giving a user the role `{new_role}`")
    return role


async def require_role_given(tx: Executor, actor: Actor | None, org_id: str, role: str, doing: str) -> None:
    """``role`` must be a role of the organization (else 400 naming ``role``) whose every scope the
    actor holds. A custom role's row stays share-locked until the transaction ends, so it cannot be
    deleted while the user it is given to is written (``roles/service.py``)."""
    scopes = await role_scopes(tx, org_id, role, lock=True)
    if scopes is None:
        raise errors.ValidationError.of(("role", f"no role `{role}` in this organization"))
    require_role(actor, role, doing, scopes)
