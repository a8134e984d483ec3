"""The privilege rule: nobody grants what they do not hold.

A role is a set of scopes. A caller may create or change a user only if it holds every scope of the
role given **and** every scope of the user's current role, so an editor cannot make an admin, nor
touch one (role, status, email, password, sessions, invitation, deletion). Nobody changes their own
role or status through ``/v1/users``. The same rule bounds the scopes a key may be given.

Services call these checks with the :class:`~redcore_server.db.uow.Actor` of their unit of work; an
actor without scopes is the operator at the server's shell (the CLI), who holds everything.
"""

from __future__ import annotations

from collections.abc import Iterable

from redcore_server import errors
from redcore_server.auth.scopes import ALL_SCOPES, ROLE_SCOPES
from redcore_server.db.uow import Actor


class InsufficientPrivilege(errors.APIError):
    status = 403
    code = "insufficient_privilege"
    default_message = "This credential cannot grant or change what it does not hold itself."


def _ordered(scopes: Iterable[str]) -> list[str]:
    wanted = set(scopes)
    return [s for s in ALL_SCOPES if s in wanted] + sorted(wanted - set(ALL_SCOPES))


def missing_scopes(actor: Actor | None, needed: Iterable[str]) -> list[str]:
    """The scopes of ``needed`` the actor lacks, in the contract's order (none for the operator)."""
    if actor is None or actor.scopes is None:
        return []
    return _ordered(set(needed) - actor.scopes)


def require_scopes(actor: Actor | None, needed: Iterable[str], doing: str) -> None:
    """Refuse with 403 ``insufficient_privilege`` unless the actor holds every scope of ``needed``;
    ``doing`` completes the message ("Giving a user the role `admin`")."""
    missing = missing_scopes(actor, needed)
    if missing:
        lacking = ", ".join(f"`{s}`" for s in missing)
        raise InsufficientPrivilege(f"{doing} needs every scope of it; this credential lacks {lacking}.")


def require_role(actor: Actor | None, role: str, doing: str, scopes: Iterable[str] | None = None) -> None:
    """The actor must hold every scope of ``role``: ``scopes``, a custom role's as they are now
    (``roles/service.py: role_scopes``), or a built-in's (an unknown role needs every scope there is)."""
    require_scopes(actor, ROLE_SCOPES.get(role, ALL_SCOPES) if scopes is None else scopes, doing)


def refuse_own(actor: Actor | None, user_id: str, fields: Iterable[str]) -> None:
    """Nobody changes their own role or status through ``/v1/users`` (not even to the same value)."""
    own = [f for f in ("role", "status") if f in set(fields)]
    if actor is not None and actor.user_id == user_id and own:
        names = ", ".join(f"`{f}`" for f in own)
        raise InsufficientPrivilege(f"You cannot change your own {names} through /v1/users; another administrator can.")
