"""Business rules for users: validation beyond types, defaults, uniqueness, password hashing,
invitations for users made without a password, and sessions revoked when access should end."""

from __future__ import annotations

import re
from typing import Protocol

from redcore_server.auth.privileges import refuse_own, require_role
from redcore_server.db.uow import UnitOfWork
from redcore_server.erasure.service import request_user_erasure
from redcore_server.ids import utcnow
from redcore_server.kit.checks import Problems, display_name, raise_if
from redcore_server.kit.service import Recorder, ResourceService, changes_of
from redcore_server.passwords import PasswordHasher
from redcore_server.text import HTTP_URL_PATTERN
from redcore_server.users import repository
from redcore_server.users.emails import InvalidEmail, email_key, normalize_email
from redcore_server.users.privileges import require_user_privilege
from redcore_server.users.schemas import User, UserCreate, UserUpdate

HTTP_URL = re.compile(HTTP_URL_PATTERN)


def _check_email(email: str, problems: Problems) -> str:
    """The normalised form (see ``users/emails.py``); its key goes beside it."""
    try:
        return normalize_email(email)
    except InvalidEmail as exc:
        problems.append(("email", f"not a valid email address: {exc}"))
        return email


def _check_avatar(avatar: str | None, problems: Problems) -> str | None:
    if avatar is None:
        return None
    if not HTTP_URL.fullmatch(avatar):
        problems.append(("avatar", "must be an http(s) URL or null"))
    return avatar


class Inviter(Protocol):
    """What sends a user made without a password an invitation (``invitations/service.py``)."""

    async def invite(self, uow: UnitOfWork, org_id: str, user: User) -> object: ...


class SessionEnder(Protocol):
    """What ends a user's sessions when their access should end (``sessions/service.py``)."""

    async def end_sessions(self, uow: UnitOfWork, org_id: str, user_id: str, keep: str | None = None) -> None: ...


class UserService(ResourceService[User]):
    """Users: ``get`` and ``list`` come from :class:`ResourceService`."""

    def __init__(
        self,
        hasher: PasswordHasher,
        sessions: SessionEnder,
        invitations: Inviter | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        super().__init__(repository.USERS, recorder)
        self._hasher = hasher
        self._sessions = sessions
        self._invitations = invitations  # None: users made without a password are not emailed

    async def create(self, uow: UnitOfWork, org_id: str, data: UserCreate) -> User:
        """Without a password the user is invited (``pending_invite``); with one, ``active``."""
        require_role(uow.actor, data.role, f"Creating a user with the role `{data.role}`")
        problems: Problems = []
        email = _check_email(data.email, problems)
        name = display_name(data.name, problems)
        avatar = _check_avatar(data.avatar, problems)
        raise_if(problems)
        password_hash = await self._hasher.hash(data.password) if data.password is not None else None
        status = "active" if password_hash else "pending_invite"
        user = self.new(data, email=email, name=name, avatar=avatar, status=status, last_login=None)
        extra = {"password_hash": password_hash, "email_key": email_key(email)}
        await self.insert(await uow.tx(), uow, org_id, user, extra)
        if password_hash is None and self._invitations is not None:
            await self._invitations.invite(uow, org_id, user)  # the email goes out once this commits
        return user

    async def update(
        self, uow: UnitOfWork, org_id: str, ident: str, data: UserUpdate, if_match: frozenset[str] | None = None
    ) -> User:
        problems: Problems = []
        changes = changes_of(data)
        password = changes.pop("password", None)
        if "email" in changes:
            changes["email"] = _check_email(changes["email"], problems)
            changes["email_key"] = email_key(changes["email"])
        if "name" in changes:
            changes["name"] = display_name(changes["name"], problems)
        if "avatar" in changes:
            changes["avatar"] = _check_avatar(changes["avatar"], problems)
        raise_if(problems)
        refuse_own(uow.actor, ident, changes)
        if password is not None:  # slow: before the transaction holds a connection
            changes["password_hash"] = await self._hasher.hash(password)
        await require_user_privilege(await uow.tx(), uow.actor, org_id, ident, new_role=changes.get("role"))
        user = await self.update_fields(uow, org_id, ident, changes, if_match)
        if changes.get("status") in ("inactive", "suspended"):  # out, everywhere, now
            await self._sessions.end_sessions(uow, org_id, ident)
        elif "password_hash" in changes:  # every other session; the one changing it stays signed in
            await self._sessions.end_sessions(uow, org_id, ident, keep=uow.actor.credential_id if uow.actor else None)
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
