"""Signing in with a password, refreshing and ending sessions, and revoking them per user.

Tokens are ``rca_``/``rcr_`` and 43 random URL-safe characters (256 bits); only their SHA-256 is
stored, as for API keys. An access token works for ``access_token_ttl`` seconds; its refresh token
replaces both (rotation) until the session's absolute end. A refresh token presented twice has
leaked: the session it belongs to is revoked at once, in the same transaction that refuses it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from redcore_server import errors
from redcore_server.auth.principal import Principal
from redcore_server.db import Executor
from redcore_server.db.listing import PageRequest, PageResult
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import new_id, utcnow
from redcore_server.keys.service import hash_secret
from redcore_server.passwords import PasswordHasher
from redcore_server.ratelimit.limiter import Limiter, seconds_until_window_ends
from redcore_server.sessions import repository
from redcore_server.sessions.schemas import Refresh, Session, SignIn, Tokens
from redcore_server.users import repository as users_repository
from redcore_server.users.privileges import require_user_privilege

ACCESS_PREFIX = "rca_"
REFRESH_PREFIX = "rcr_"


class InvalidCredentials(errors.AuthenticationFailed):
    code = "invalid_credentials"
    default_message = "The email or password is incorrect, or the account cannot sign in."


class InvalidRefreshToken(errors.AuthenticationFailed):
    code = "invalid_refresh_token"
    default_message = "The refresh token is not valid; sign in again."


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    access_ttl: int = 900
    refresh_ttl: int = 2_592_000
    failure_limit: int = 10  # failed sign-ins per account per window (0: no limit)
    address_limit: int = 100  # failed sign-ins per client address per window (0: no limit)


def _token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


class SessionService:
    def __init__(
        self, hasher: PasswordHasher, failures: Limiter, policy: SignInPolicy, *, failure_window: float
    ) -> None:
        self._hasher = hasher
        self._failures = failures  # counts failed sign-ins per account and per address
        self._window = failure_window
        self.policy = policy

    # -- signing in, refreshing, signing out -----------------------------------------------------

    async def sign_in(
        self, uow: UnitOfWork, data: SignIn, *, ip: str | None, user_agent: str | None
    ) -> tuple[Tokens, str]:
        """Tokens for a user whose password matches, and the user's organization. Unknown accounts,
        wrong passwords and users who may not sign in get the same error after the same work."""
        account, address = f"signin:{data.organization}:{data.email.strip().lower()}", f"signin-ip:{ip}"
        await self._refuse_if_throttled(account, address)
        found = await users_repository.credentials(uow.db, data.organization, data.email.strip())
        if found is None or found[1] is None:
            await self._hasher.verify_nobody(data.password)
            ok = False
        else:
            ok = await self._hasher.verify(found[1], data.password) and found[2] == "active"
        if not ok or found is None:
            await self._count_failure(account, address)
            raise InvalidCredentials()
        user_id, password_hash = found[0], found[1]
        tx = await uow.tx()
        now = utcnow()
        rehashed = await self._hasher.hash(data.password) if self._hasher.needs_rehash(password_hash) else None
        await users_repository.record_sign_in(tx, user_id, now, rehashed)
        session = Session(
            id=new_id("ses"),
            user_id=user_id,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=self.policy.refresh_ttl),
            ip=ip,
            user_agent=(user_agent or None) and user_agent[:500],
        )
        access, refresh = _token(ACCESS_PREFIX), _token(REFRESH_PREFIX)
        await repository.create(
            tx,
            session,
            org_id=data.organization,
            access_hash=hash_secret(access),
            access_expires_at=now + timedelta(seconds=self.policy.access_ttl),
            refresh_hash=hash_secret(refresh),
        )
        return await self._tokens(tx, data.organization, session, access, refresh, now), data.organization

    async def refresh(self, uow: UnitOfWork, data: Refresh) -> Tokens:
        """New tokens for the session the refresh token belongs to; the old refresh token is spent."""
        tx = await uow.tx()
        digest, now = hash_secret(data.refresh_token), utcnow()
        found = await repository.by_refresh_hash(tx, digest) if data.refresh_token.startswith(REFRESH_PREFIX) else None
        if found is None:
            reused = await repository.session_of_rotated(tx, digest)
            if reused is not None:  # a spent token again: it leaked, so the whole session goes
                reuse = "This refresh token was already used; its session has been revoked. Sign in again."
                await self._revoke_and_refuse(uow, tx, reused, reuse)
            raise InvalidRefreshToken()
        session_id, org_id, _user_id, expires_at, status = found
        if expires_at <= now or status != "active":
            await self._revoke_and_refuse(uow, tx, session_id, InvalidRefreshToken.default_message)
        access, refresh = _token(ACCESS_PREFIX), _token(REFRESH_PREFIX)
        session = await repository.rotate(
            tx,
            session_id,
            old_refresh_hash=digest,
            refresh_hash=hash_secret(refresh),
            access_hash=hash_secret(access),
            access_expires_at=now + timedelta(seconds=self.policy.access_ttl),
            now=now,
        )
        assert session is not None  # locked above
        uow.credentials_revoked = True  # the previous access token of this session stops working
        return await self._tokens(tx, org_id, session, access, refresh, now)

    async def logout(self, uow: UnitOfWork, principal: Principal) -> None:
        if not principal.credential_id.startswith("ses_"):
            raise errors.ValidationError.of(
                ("authorization", "logout ends a user's session; revoke an API key with `keys revoke`")
            )
        await repository.delete(await uow.tx(), principal.org_id, principal.credential_id)
        uow.credentials_revoked = True

    # -- a user's sessions -----------------------------------------------------------------------

    async def list(self, db: Executor, org_id: str, user_id: str, req: PageRequest) -> tuple[list[Session], PageResult]:
        req.filters["user_id"] = user_id
        req.ranges.append(("expires_at", ">=", utcnow()))
        return await repository.SESSIONS.list_page(db, org_id, req)

    async def revoke(self, uow: UnitOfWork, org_id: str, user_id: str, session_id: str) -> None:
        """End one session of the user (the caller must hold every scope of the user's role)."""
        tx = await uow.tx()
        await require_user_privilege(tx, uow.actor, org_id, user_id)
        if not await repository.delete(tx, org_id, session_id, user_id):
            raise errors.NotFound(f"No session with id {session_id!r} for this user.")
        uow.credentials_revoked = True

    async def revoke_all(self, uow: UnitOfWork, org_id: str, user_id: str, keep: str | None = None) -> None:
        """Revoke every session of the user but ``keep`` (the caller must hold every scope of the user's role)."""
        tx = await uow.tx()
        await require_user_privilege(tx, uow.actor, org_id, user_id)
        if await repository.delete_for_user(tx, org_id, user_id, keep):
            uow.credentials_revoked = True

    # -- inside ----------------------------------------------------------------------------------

    async def _tokens(
        self, tx: Executor, org_id: str, session: Session, access: str, refresh: str, now: datetime
    ) -> Tokens:
        user = await users_repository.USERS.get(tx, org_id, session.user_id)
        assert user is not None
        return Tokens(
            access_token=access,
            token_type="Bearer",  # noqa: S106 - the token kind, not a secret
            expires_in=self.policy.access_ttl,
            refresh_token=refresh,
            refresh_expires_in=max(0, int((session.expires_at - now).total_seconds())),
            session=session,
            user=user,
        )

    async def _revoke_and_refuse(self, uow: UnitOfWork, tx: Executor, session_id: str, message: str) -> None:
        await repository.delete_any(tx, session_id)
        uow.credentials_revoked = True
        uow.commit_on_error = True  # the revocation stands although the request is refused
        raise InvalidRefreshToken(message)

    async def _refuse_if_throttled(self, account: str, address: str) -> None:
        for key, limit in ((account, self.policy.failure_limit), (address, self.policy.address_limit)):
            if limit and await self._failures.count(key) >= limit:
                retry = seconds_until_window_ends(self._window)
                raise errors.RateLimited(
                    "Too many failed sign-ins; try again later.", headers={"Retry-After": str(retry)}
                )

    async def _count_failure(self, account: str, address: str) -> None:
        for key, limit in ((account, self.policy.failure_limit), (address, self.policy.address_limit)):
            if limit:
                await self._failures.hit(key, limit)
