"""Business rules for users: validation beyond types, defaults, uniqueness, password hashing,
invitations for users made without a password, and sessions revoked when access should end."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from redcore_server import errors
from redcore_server.auth.privileges import refuse_own, require_role
from redcore_server.db.uow import UnitOfWork
from redcore_server.erasure.service import request_user_erasure
from redcore_server.ids import new_id, utcnow
from redcore_server.invitations.service import InvitationService
from redcore_server.passwords import PasswordHasher
from redcore_server.resources import ResourceKind
from redcore_server.sessions import repository as sessions_repository
from redcore_server.text import HTTP_URL_PATTERN
from redcore_server.users import repository
from redcore_server.users.emails import InvalidEmail, email_key, normalize_email
from redcore_server.users.privileges import require_user_privilege
from redcore_server.users.schemas import User, UserCreate, UserUpdate

HTTP_URL = re.compile(HTTP_URL_PATTERN)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_email(email: str, problems: list[tuple[str, str]]) -> str:
    """The normalised form (see ``users/emails.py``); its key goes beside it."""
    try:
        return normalize_email(email)
    except InvalidEmail as exc:
        problems.append(("email", f"not a valid email address: {exc}"))
        return email


def _check_name(name: str, problems: list[tuple[str, str]]) -> str:
    name = name.strip()
    if not name:
        problems.append(("name", "must not be blank"))
    elif _CONTROL.search(name):
        problems.append(("name", "must not contain control characters"))
    return name


def _check_avatar(avatar: str | None, problems: list[tuple[str, str]]) -> str | None:
    if avatar is None:
        return None
    if not HTTP_URL.fullmatch(avatar):
        problems.append(("avatar", "must be an http(s) URL or null"))
    return avatar


def _raise_if(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise errors.ValidationError.of(*problems)


class UserService(ResourceKind[User]):
    """Users: ``get``, ``list`` and ``delete`` come from :class:`ResourceKind`."""

    def __init__(self, hasher: PasswordHasher, invitations: InvitationService | None = None) -> None:
        super().__init__("user", "usr_", repository.USERS, {repository.UNIQUE_EMAIL: errors.DuplicateEmail})
        self._hasher = hasher
        self._invitations = invitations  # None: users made without a password are not emailed

    async def create(self, uow: UnitOfWork, org_id: str, data: UserCreate) -> User:
        """Without a password the user is invited (``pending_invite``); with one, ``active``."""
        require_role(uow.actor, data.role, f"Creating a user with the role `{data.role}`")
        problems: list[tuple[str, str]] = []
        email = _check_email(data.email, problems)
        name = _check_name(data.name, problems)
        avatar = _check_avatar(data.avatar, problems)
        _raise_if(problems)
        password_hash = await self._hasher.hash(data.password) if data.password is not None else None
        now = utcnow()
        user = User(
            id=new_id("usr"),
            email=email,
            name=name,
            role=data.role,
            status="active" if password_hash else "pending_invite",
            avatar=avatar,
            last_login=None,
            created_at=now,
            updated_at=now,
        )
        await self.insert(uow, org_id, user, {"password_hash": password_hash, "email_key": email_key(email)})
        if password_hash is None and self._invitations is not None:
            await self._invitations.invite(uow, org_id, user)  # the email goes out once this commits
        return user

    async def update(
        self, uow: UnitOfWork, org_id: str, ident: str, data: UserUpdate, if_match: frozenset[str] | None = None
    ) -> User:
        problems: list[tuple[str, str]] = []
        changes: dict[str, Any] = {}
        if data.email is not msgspec.UNSET:
            changes["email"] = _check_email(data.email, problems)
            changes["email_key"] = email_key(changes["email"])
        if data.name is not msgspec.UNSET:
            changes["name"] = _check_name(data.name, problems)
        if data.avatar is not msgspec.UNSET:
            changes["avatar"] = _check_avatar(data.avatar, problems)
        if data.role is not msgspec.UNSET:
            changes["role"] = data.role
        if data.status is not msgspec.UNSET:
            changes["status"] = data.status
        _raise_if(problems)
        refuse_own(uow.actor, ident, changes)
        if data.password is not msgspec.UNSET:  # slow: before the transaction holds a connection
            changes["password_hash"] = await self._hasher.hash(data.password)
        await require_user_privilege(await uow.tx(), uow.actor, org_id, ident, new_role=changes.get("role"))
        user = await self.update_fields(uow, org_id, ident, changes, if_match)
        if changes.get("status") in ("inactive", "suspended"):  # out, everywhere, now
            await self._revoke_sessions(uow, org_id, ident)
        elif "password_hash" in changes:  # every other session; the one changing it stays signed in
            await self._revoke_sessions(uow, org_id, ident, keep=uow.actor.credential_id if uow.actor else None)
        if "role" in changes:  # the user's access tokens carry the new role's scopes from the next request
            uow.credentials_revoked = True
        return user

    async def delete(self, uow: UnitOfWork, org_id: str, ident: str, if_match: frozenset[str] | None = None) -> None:
        """The user's sessions and invitations go with the row (a cascade, in the same transaction);
        their personal data leaves events, delivery logs and emails once their deliveries are done."""
        await require_user_privilege(await uow.tx(), uow.actor, org_id, ident)
        await super().delete(uow, org_id, ident, if_match)
        await request_user_erasure(await uow.tx(), org_id, ident, utcnow())
        uow.credentials_revoked = True

    async def _revoke_sessions(self, uow: UnitOfWork, org_id: str, ident: str, keep: str | None = None) -> None:
        if await sessions_repository.delete_for_user(await uow.tx(), org_id, ident, keep):
            uow.credentials_revoked = True
