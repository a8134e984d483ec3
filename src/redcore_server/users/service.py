"""Business rules for users: validation beyond types, defaults, uniqueness, password hashing,
invitations for users made without a password, and sessions revoked when access should end."""

from __future__ import annotations

import re
from typing import Any, Protocol

from redcore_server.auth.privileges import refuse_own
from redcore_server.db.uow import UnitOfWork
from redcore_server.erasure.service import request_user_erasure
from redcore_server.ids import utcnow
from redcore_server.kit import metadata
from redcore_server.kit.checks import Problems, display_name, raise_if
from redcore_server.kit.service import Recorder, ResourceService, changes_of
from redcore_server.passwords import PasswordHasher
from redcore_server.text import HTTP_URL_PATTERN
from redcore_server.users import repository
from redcore_server.users.emails import InvalidEmail, email_key, normalize_email
from redcore_server.users.privileges import require_role_given, require_user_privilege
from redcore_server.users.schemas import Status, User, UserCreate, UserUpdate

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


def checked_profile(changes: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """``changes`` with ``email`` normalised, ``name`` trimmed and ``avatar`` checked, in place: what
    any change of those fields is checked for (``/v1/users``, ``/v1/me`` for one's own, and each row
    of an import); a problem appended for each field that breaks a rule."""
    if "email" in changes:
        changes["email"] = _check_email(changes["email"], problems)
    if "name" in changes:
        changes["name"] = display_name(changes["name"], problems)
    if "avatar" in changes:
        changes["avatar"] = _check_avatar(changes["avatar"], problems)
    return changes


def check_profile(changes: dict[str, Any]) -> dict[str, Any]:
    """:func:`checked_profile`, or 400 listing every problem."""
    problems: Problems = []
    checked_profile(changes, problems)
    raise_if(problems)
    return changes


def initial_status(password_hash: str | None) -> Status:
    """A new user's status: with a password, ``active``; without one, invited (``pending_invite``)."""
    return "active" if password_hash else "pending_invite"


class Inviter(Protocol):
    """What sends a user made without a password an invitation (``invitations/service.py``)."""

    async def invite(self, uow: UnitOfWork, org_id: str, user: User) -> object: ...


class AccountLinks(Protocol):
    """What sends and withdraws a user's account-email links (``accounts/service.py``)."""

    async def email_changed(self, uow: UnitOfWork, org_id: str, user: User) -> None:
        """``user``'s address changed: withdraw their links, send a verification link to the new one."""
        ...

    async def password_changed(self, uow: UnitOfWork, org_id: str, user_id: str) -> None:
        """The user's password changed: their password-reset links stop working."""
        ...


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
        links: AccountLinks | None = None,
    ) -> None:
        super().__init__(repository.USERS, recorder)
        self._hasher = hasher
        self._sessions = sessions
        self._invitations = invitations  # None: users made without a password are not emailed
        self._links = links  # None: no verification links (tests of users alone)

    async def create(self, uow: UnitOfWork, org_id: str, data: UserCreate) -> User:
        """Without a password the user is invited (``pending_invite``); with one, ``active``."""
        doing = f"Creating a user with the role `{data.role}`"
        await require_role_given(uow.db, uow.actor, org_id, data.role, doing)  # before the slow hash
        problems: Problems = []
        email = _check_email(data.email, problems)
        name = display_name(data.name, problems)
        avatar = _check_avatar(data.avatar, problems)
        objects = {"public_metadata": data.public_metadata, "private_metadata": data.private_metadata}
        stored = metadata.stored(objects, problems)
        raise_if(problems)
        password_hash = await self._hasher.hash(data.password) if data.password is not None else None
        status = initial_status(password_hash)
        user = self.new(
            data,
            email=email,
            email_verified=False,
            name=name,
            avatar=avatar,
            status=status,
            last_login=None,
            public_metadata=metadata.given(data.public_metadata),
            private_metadata=metadata.given(data.private_metadata),
        )
        extra = {"password_hash": password_hash, "email_key": email_key(email), **stored}
        tx = await uow.tx()
        await require_role_given(tx, uow.actor, org_id, data.role, doing)  # again, locked: see roles/service.py
        await self.insert(tx, uow, org_id, user, extra)
        if password_hash is None and self._invitations is not None:
            await self._invitations.invite(uow, org_id, user)  # the email goes out once this commits
        return user

    async def update(
        self, uow: UnitOfWork, org_id: str, ident: str, data: UserUpdate, if_match: frozenset[str] | None = None
    ) -> User:
        """An administrator's change (``/v1/users``): bound by the privilege rule."""
        changes = changes_of(data)
        password = changes.pop("password", None)
        check_profile(changes)
        refuse_own(uow.actor, ident, changes)
        if password is not None:  # slow: before the transaction holds a connection
            changes["password_hash"] = await self._hasher.hash(password)
        await require_user_privilege(await uow.tx(), uow.actor, org_id, ident, new_role=changes.get("role"))
        await metadata.merge_changes(self.repository, await uow.tx(), org_id, ident, changes)
        return await self.apply_changes(uow, org_id, ident, changes, if_match)

    async def apply_changes(
        self, uow: UnitOfWork, org_id: str, ident: str, changes: dict[str, Any], if_match: frozenset[str] | None
    ) -> User:
        """Store checked ``changes`` (``email`` normalised, ``password_hash`` made) and what follows
        from them, in the caller's transaction: a new email is unverified and gets a verification
        link (or, for a user still invited, the invitation goes to it instead); a new password ends
        the user's other sessions and withdraws their reset links; a user made inactive or suspended
        is signed out everywhere. Whoever calls this has already decided that the change is allowed."""
        if "email" in changes:
            current = await self.get(await uow.tx(), org_id, ident)
            changes["email_key"] = email_key(changes["email"])
            if changes["email_key"] != email_key(current.email):  # another address, not another spelling
                changes["email_verified"] = False
        user = await self.update_fields(uow, org_id, ident, changes, if_match)
        if changes.get("status") in ("inactive", "suspended"):  # out, everywhere, now
            await self._sessions.end_sessions(uow, org_id, ident)
        elif "password_hash" in changes:  # every other session; the one changing it stays signed in
            await self._sessions.end_sessions(uow, org_id, ident, keep=uow.actor.credential_id if uow.actor else None)
        if "role" in changes:  # the user's access tokens carry the new role's scopes from the next request
            uow.credentials_revoked = True
        if "email_verified" in changes:
            if user.status == "pending_invite" and self._invitations is not None:
                await self._invitations.invite(uow, org_id, user)  # to the new address; the old link dies
            elif self._links is not None:
                await self._links.email_changed(uow, org_id, user)
        if "password_hash" in changes:
            if self._links is not None:
                await self._links.password_changed(uow, org_id, ident)
            await self._record(await uow.tx(), uow, org_id, "password_changed", user)
        return user

    async def delete(self, uow: UnitOfWork, org_id: str, ident: str, if_match: frozenset[str] | None = None) -> None:
        """The user's sessions and invitations go with the row (a cascade, in the same transaction);
        their personal data leaves events, delivery logs and emails once their deliveries are done."""
        await require_user_privilege(await uow.tx(), uow.actor, org_id, ident)
        await super().delete(uow, org_id, ident, if_match)
        await request_user_erasure(await uow.tx(), org_id, ident, utcnow())
        uow.credentials_revoked = True
