"""The caller: what ``GET /v1/me`` says of any credential, and what a signed-in user changes of
their own account (``PATCH /v1/me``, ``POST /v1/me/password``).

No table of its own: it reads through ``orgs/``, ``users/`` and ``keys/``, and stores a change
through :meth:`UserService.apply_changes`, which does what follows from it (an email change is
unverified and gets a verification link; a new password ends the user's other sessions and
records ``user.password_changed``).

A user changes only their name, avatar, email and password here, whatever their role: the privilege
rule is about changing *others*. Moving the account to another inbox or setting a new password also
needs the current password, so that an access token alone (stolen, for its 15 minutes) is not
enough to take the account over. Wrong current passwords are counted per user like failed sign-ins
(counted before the check, taken back when right; 429 past the limit, without checking), and a
check costs the same Argon2 work whether the password is right or wrong.
"""

from __future__ import annotations

from redcore_server import errors
from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import ALL_SCOPES
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.keys import repository as keys_repository
from redcore_server.kit.service import changes_of
from redcore_server.me.schemas import Me, MeUpdate, PasswordChange
from redcore_server.orgs.service import OrganizationService
from redcore_server.passwords import PasswordHasher
from redcore_server.ratelimit.limiter import Limiter
from redcore_server.users import repository as users_repository
from redcore_server.users.schemas import User, profile_of
from redcore_server.users.service import UserService, check_profile


class UserTokenRequired(errors.APIError):
    status = 403
    code = "user_token_required"
    default_message = (
        "Only a signed-in user's access token can change its own account; an API key has no user. "
        "Change users through /v1/users."
    )


class InvalidCurrentPassword(errors.APIError):
    status = 400
    code = "invalid_current_password"
    default_message = "current_password: is not the user's password"

    def __init__(self) -> None:
        super().__init__(details=[errors.ErrorDetail(field="current_password", issue="is not the user's password")])


class MeService:
    def __init__(
        self,
        users: UserService,
        organizations: OrganizationService,
        hasher: PasswordHasher,
        failures: Limiter,
        failure_limit: int,
    ) -> None:
        self._users = users
        self._organizations = organizations
        self._hasher = hasher
        self._failures = failures  # wrong current passwords, per user (0 as the limit: not limited)
        self._failure_limit = failure_limit

    async def get(self, db: Executor, caller: Principal) -> Me:
        if caller.user_id is None:
            key = await keys_repository.KEYS.get(db, caller.org_id, caller.credential_id)
            if key is None:  # revoked since it was let in
                raise errors.AuthenticationFailed()
            org = await self._organizations.get(db, caller.org_id)
            return Me(type="api_key", organization=org, scopes=_ordered(caller), api_key=key)
        return await self._user_view(db, caller, await self._users.get(db, caller.org_id, caller.user_id))

    def user_of(self, caller: Principal) -> str:
        """The signed-in user calling; 403 ``user_token_required`` for an API key."""
        if caller.user_id is None:
            raise UserTokenRequired()
        return caller.user_id

    async def update(self, uow: UnitOfWork, caller: Principal, data: MeUpdate) -> Me:
        """Change the user's own name, avatar or email (the email only with the current password)."""
        user_id = self.user_of(caller)
        changes = changes_of(data)
        current_password = changes.pop("current_password", None)
        if "email" in changes and current_password is None:
            raise errors.ValidationError.of(("current_password", "is required to change the email address"))
        check_profile(changes)
        if current_password is not None:
            await self._check_password(uow.db, caller.org_id, user_id, current_password)
        user = await self._users.apply_changes(uow, caller.org_id, user_id, changes, None)
        return await self._user_view(await uow.tx(), caller, user)

    async def change_password(self, uow: UnitOfWork, caller: Principal, data: PasswordChange) -> None:
        """Set a new password: every other session of the user ends, the caller's stays."""
        user_id = self.user_of(caller)
        await self._check_password(uow.db, caller.org_id, user_id, data.current_password)
        password_hash = await self._hasher.hash(data.new_password)  # slow: before the transaction opens
        await self._users.apply_changes(uow, caller.org_id, user_id, {"password_hash": password_hash}, None)

    async def _user_view(self, db: Executor, caller: Principal, user: User) -> Me:
        org = await self._organizations.get(db, caller.org_id)
        profile = profile_of(user)  # never its private_metadata
        return Me(type="user", organization=org, scopes=_ordered(caller), user=profile, session_id=caller.credential_id)

    async def _check_password(self, db: Executor, org_id: str, user_id: str, password: str) -> None:
        """400 ``invalid_current_password`` unless ``password`` is the user's; 429 past the limit of
        wrong ones, without checking."""
        key = f"password-check:{user_id}"
        if self._failure_limit:
            decision = await self._failures.hit(key, self._failure_limit)
            if not decision.allowed:
                raise errors.RateLimited(
                    "Too many wrong passwords for this user; try again later.",
                    headers={"Retry-After": str(max(1, decision.retry_after))},
                )
        stored = await users_repository.password_hash(db, org_id, user_id)
        if stored is None:  # the same work as a real check
            await self._hasher.verify_nobody(password)
            right = False
        else:
            right = await self._hasher.verify(stored, password)
        if not right:
            raise InvalidCurrentPassword()  # the attempt stays counted
        if self._failure_limit:
            await self._failures.undo(key)


def _ordered(caller: Principal) -> list[str]:
    """The credential's scopes in the contract's order."""
    return [scope for scope in ALL_SCOPES if scope in caller.scopes]
