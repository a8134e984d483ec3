"""Signing in with a password, refreshing and ending sessions, and revoking them per user.

Tokens are ``rca_``/``rcr_`` and 43 random URL-safe characters (256 bits); only their SHA-256 is
stored, as for API keys. An access token works for ``access_token_ttl`` seconds; its refresh token
replaces both (rotation) until the session's absolute end. A refresh token presented twice has
leaked: the session it belongs to is revoked at once, in the same transaction that refuses it.

Guessing is limited without letting anyone lock a user out (OWASP: throttle per account and client,
slow down unknown clients rather than lock the account). Every attempt counts, up front so that
concurrent attempts cannot slip past, and is taken back when it succeeds:

* per (account, client address): ``failure_limit`` per window, then 429 for that pair only;
* per client address, all accounts: ``address_limit`` per window (one address trying many accounts);
* per account, all addresses: past ``backoff_threshold`` failures in the window, attempts from
  addresses the user has never signed in from are spaced out, 1 s apart, then 2 s, 4 s … up to
  ``backoff_max`` (429 with ``Retry-After`` in between). Addresses the user signed in from in the
  last 90 days are not slowed down, so an attacker elsewhere cannot keep the user out.

An IPv6 client counts as its /64 (one host can use a whole /64). Every refusal happens before any
password check, and every check that happens costs the same Argon2 work (a hash imported from
another system that checks faster is made to take as long: ``passwords.py``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from redcore_server import errors
from redcore_server.auth.principal import Principal
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import has_prefix, new_id, utcnow
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.kit.service import Recorder
from redcore_server.passwords import PasswordHasher
from redcore_server.ratelimit.limiter import Limiter
from redcore_server.sessions import repository
from redcore_server.sessions.schemas import ID_PREFIX, Refresh, Session, SignIn, Tokens
from redcore_server.tokens import hash_secret, urlsafe_token
from redcore_server.users import repository as users_repository
from redcore_server.users.emails import counter_key
from redcore_server.users.privileges import require_user_privilege
from redcore_server.users.schemas import User, profile_of

ACCESS_PREFIX = "rca_"
REFRESH_PREFIX = "rcr_"
KNOWN_ADDRESS_DAYS = 90  # an address a user signed in from stays known this long after its last use


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
    failure_limit: int = 10  # failed sign-ins per account from one client address per window (0: no limit)
    address_limit: int = 100  # failed sign-ins per client address, all accounts, per window (0: no limit)
    backoff_threshold: int = 10  # failed sign-ins per account, all addresses, before back-off (0: never)
    backoff_max: float = 60.0  # the longest wait between attempts from unknown addresses, seconds


def client_network(ip: str | None) -> str:
    """What limits count a client as: its IPv4 address, or its IPv6 /64."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _throttled(retry_after: float) -> errors.RateLimited:
    return errors.RateLimited(
        "Too many failed sign-ins; try again later.", headers={"Retry-After": str(max(1, math.ceil(retry_after)))}
    )


class SessionService:
    def __init__(
        self, hasher: PasswordHasher, failures: Limiter, policy: SignInPolicy, recorder: Recorder | None = None
    ) -> None:
        self._hasher = hasher
        self._failures = failures  # counts sign-ins that have not succeeded (see the module's docstring)
        self.policy = policy
        self._recorder = recorder  # records ``user.signed_in``

    # -- signing in, refreshing, signing out -----------------------------------------------------

    async def sign_in(
        self, uow: UnitOfWork, data: SignIn, *, ip: str | None, user_agent: str | None
    ) -> tuple[Tokens, str]:
        """Tokens for a user whose password matches, and the user's organization. Unknown accounts,
        wrong passwords and users who may not sign in get the same error after the same work."""
        account, network = f"{data.organization}:{counter_key(data.email)}", client_network(ip)
        counted = await self._count_attempt(account, network)
        found = await users_repository.credentials(uow.db, data.organization, data.email.strip())
        since = utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS)
        known = await repository.is_known_address(uow.db, found.user_id if found is not None else None, network, since)
        counted += await self._pace(account, known)
        if found is not None and found.password_hash is not None:
            password_hash = found.password_hash
            ok = await self._hasher.verify(password_hash, data.password) and found.status == "active"
        else:
            await self._hasher.verify_nobody(data.password)
            password_hash, ok = "", False
        if not ok or found is None:
            raise InvalidCredentials()  # the attempt stays counted
        for key in counted:  # a sign-in that succeeds is not a failure
            await self._failures.undo(key)
        user_id = found.user_id
        # An older or imported hash is replaced by today's Argon2id; slow, so before the transaction opens.
        rehashed = await self._hasher.hash(data.password) if self._hasher.needs_rehash(password_hash) else None
        tx = await uow.tx()
        now = utcnow()
        await users_repository.record_sign_in(tx, user_id, now, (password_hash, rehashed) if rehashed else None)
        await repository.remember_address(tx, user_id, network, now, now - timedelta(days=KNOWN_ADDRESS_DAYS))
        session = Session(
            id=new_id(ID_PREFIX),
            user_id=user_id,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=self.policy.refresh_ttl),
            ip=ip,
            user_agent=(user_agent or None) and user_agent[:500],
        )
        access, refresh = urlsafe_token(ACCESS_PREFIX), urlsafe_token(REFRESH_PREFIX)
        await repository.create(
            tx,
            session,
            org_id=data.organization,
            access_hash=hash_secret(access),
            access_expires_at=now + timedelta(seconds=self.policy.access_ttl),
            refresh_hash=hash_secret(refresh),
        )
        user = await users_repository.USERS.get(tx, data.organization, user_id)
        assert user is not None
        tokens = self._tokens_for(user, session, access, refresh, now)
        if self._recorder is not None:  # the user, never a token: the event names the session it opened
            if uow.actor is not None:
                uow.actor = dataclasses.replace(uow.actor, credential_id=session.id, user_id=user_id)
            await self._recorder(tx, uow, data.organization, "user.signed_in", user)  # all of it, as user events
        return tokens, data.organization

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
        if found.expires_at <= now or found.user_status != "active":
            await self._revoke_and_refuse(uow, tx, found.session_id, InvalidRefreshToken.default_message)
        access, refresh = urlsafe_token(ACCESS_PREFIX), urlsafe_token(REFRESH_PREFIX)
        session = await repository.rotate(
            tx,
            found.session_id,
            old_refresh_hash=digest,
            refresh_hash=hash_secret(refresh),
            access_hash=hash_secret(access),
            access_expires_at=now + timedelta(seconds=self.policy.access_ttl),
            now=now,
        )
        assert session is not None  # locked above
        uow.credentials_revoked = True  # the previous access token of this session stops working
        return await self._tokens(tx, found.org_id, session, access, refresh, now)

    async def logout(self, uow: UnitOfWork, principal: Principal) -> None:
        if not has_prefix(principal.credential_id, ID_PREFIX):
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
        await require_user_privilege(await uow.tx(), uow.actor, org_id, user_id)
        await self.end_sessions(uow, org_id, user_id, keep)

    async def end_sessions(self, uow: UnitOfWork, org_id: str, user_id: str, keep: str | None = None) -> None:
        """End every session of the user but ``keep``, for a change already allowed (the user's
        status or password changed: ``users/service.py``)."""
        if await repository.delete_for_user(await uow.tx(), org_id, user_id, keep):
            uow.credentials_revoked = True

    # -- inside ----------------------------------------------------------------------------------

    async def _tokens(
        self, tx: Executor, org_id: str, session: Session, access: str, refresh: str, now: datetime
    ) -> Tokens:
        user = await users_repository.USERS.get(tx, org_id, session.user_id)
        assert user is not None
        return self._tokens_for(user, session, access, refresh, now)

    def _tokens_for(self, user: User, session: Session, access: str, refresh: str, now: datetime) -> Tokens:
        return Tokens(
            access_token=access,
            token_type="Bearer",  # noqa: S106 - the token kind, not a secret
            expires_in=self.policy.access_ttl,
            refresh_token=refresh,
            refresh_expires_in=max(0, int((session.expires_at - now).total_seconds())),
            session=session,
            user=profile_of(user),  # the user's own view: never its private_metadata
        )

    async def _revoke_and_refuse(self, uow: UnitOfWork, tx: Executor, session_id: str, message: str) -> None:
        await repository.delete_any(tx, session_id)
        uow.credentials_revoked = True
        uow.commit_on_error = True  # the revocation stands although the request is refused
        raise InvalidRefreshToken(message)

    async def _count_attempt(self, account: str, network: str) -> tuple[str, ...]:
        """Count the attempt per (account, address) and per address; 429 past either limit."""
        counted: tuple[str, ...] = ()
        for key, limit in (
            (f"signin:{account}:{network}", self.policy.failure_limit),
            (f"signin-ip:{network}", self.policy.address_limit),
        ):
            if limit:
                decision = await self._failures.hit(key, limit)
                if not decision.allowed:
                    raise _throttled(decision.retry_after)
                counted += (key,)
        return counted

    async def _pace(self, account: str, known: bool) -> tuple[str, ...]:
        """Count the attempt against the account; past the threshold, an attempt from an address the
        user has not signed in from must wait its turn: one per growing interval (429 meanwhile)."""
        threshold = self.policy.backoff_threshold
        if not threshold:
            return ()
        key = f"signin:{account}"
        decision = await self._failures.hit(key, threshold)
        if decision.allowed or known:
            return (key,)
        delay = min(2.0 ** min(decision.position - threshold - 1, 30), self.policy.backoff_max)
        wait = await self._failures.claim(f"signin-pace:{account}", delay)
        if wait > 0:
            await self._failures.undo(key)  # not attempted: it does not lengthen the next wait
            raise _throttled(wait)
        return (key,)
