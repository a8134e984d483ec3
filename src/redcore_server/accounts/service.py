"""Password reset and email verification: the account emails (no credential but a link's token).

**Requesting a reset does the same work whatever the address.** ``POST /v1/auth/password_reset``
counts the request against its limits and writes one row to a small durable queue
(``password_reset_requests``), committed; it never looks the address up. So a known address, an
unknown one and an unknown organization cost the same statements, answer the same 202 and take the
same time (``bench/password_reset.py`` measures it). The queue's worker (``accounts/worker.py``)
then resolves the address: an ``active`` user gets a single-use link (``rcp_…``) by email, anyone
else nothing, and the row is deleted.

Limits, per hour (``REDCORE_PASSWORD_RESET_*_LIMIT``): requests per (organization, address) and per
client address answer 429 with ``Retry-After`` past their bound, counted on what was asked, so they
answer alike for addresses that exist and those that do not; reset emails per account are bounded
by the worker, which silently drops the requests beyond (the answer cannot depend on the account).

**Links** (``account_tokens``, SHA-256 only, ``accounts/links.py``): a reset link works once, for
``REDCORE_PASSWORD_RESET_TTL`` (an hour), until a newer one is sent or the password changes; a
verification link (``rcv_…``, a day) until used, or until the address changes again. Each is bound
to the address it was sent to: once the user's address is another, it is refused. Every refusal is
400 ``invalid_token``.
"""

from __future__ import annotations

from datetime import datetime

from redcore_server import errors
from redcore_server.accounts import repository
from redcore_server.accounts.links import AccountPolicy, issue
from redcore_server.accounts.repository import AccountLink
from redcore_server.accounts.schemas import (
    REQUEST_ID_PREFIX,
    RESET_PREFIX,
    VERIFICATION_PREFIX,
    ConfirmPasswordReset,
    PasswordResetRequest,
    TokenKind,
    VerifyEmail,
)
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.events.recorder import record
from redcore_server.ids import new_id, utcnow
from redcore_server.passwords import PasswordHasher
from redcore_server.ratelimit.limiter import Limiter
from redcore_server.sessions.service import client_network
from redcore_server.tokens import hash_secret
from redcore_server.users import repository as users_repository
from redcore_server.users.emails import InvalidEmail, counter_key, email_key, normalize_email
from redcore_server.users.schemas import User
from redcore_server.users.service import SessionEnder

WORKER = "password_resets"  # the outbox worker woken after a request commits (``accounts/worker.py``)


class InvalidToken(errors.APIError):
    status = 400
    code = "invalid_token"
    default_message = "This link is not valid; ask for a new one."


class AccountService:
    """Requests and links of account emails; also the ``AccountLinks`` that ``UserService`` calls
    when a user's address or password changes."""

    def __init__(self, hasher: PasswordHasher, sessions: SessionEnder, requests: Limiter, policy: AccountPolicy):
        self._hasher = hasher
        self._sessions = sessions
        self._requests = requests  # counts reset requests per (organization, address) and per client, per hour
        self.policy = policy

    # -- password reset --------------------------------------------------------------------------

    async def request_reset(self, uow: UnitOfWork, data: PasswordResetRequest, *, ip: str | None) -> None:
        """Count the request, then queue it for the worker: the same work whatever the address."""
        try:
            normalize_email(data.email)  # the form of an address (400 otherwise); never whose it is
        except InvalidEmail as exc:
            raise errors.ValidationError.of(("email", f"not a valid email address: {exc}")) from None
        for key, limit in (
            (f"reset-to:{data.organization}:{counter_key(data.email)}", self.policy.address_limit),
            (f"reset-ip:{client_network(ip)}", self.policy.client_limit),
        ):
            if limit and not (decision := await self._requests.hit(key, limit)).allowed:
                raise errors.RateLimited(
                    f"Too many password-reset requests; retry in {decision.retry_after} s.",
                    headers={"Retry-After": str(decision.retry_after)},
                )
        tx = await uow.tx()
        await repository.enqueue_request(tx, new_id(REQUEST_ID_PREFIX), data.organization, data.email.strip(), utcnow())
        uow.queued.add(WORKER)

    async def confirm_reset(self, uow: UnitOfWork, data: ConfirmPasswordReset) -> User:
        """Set the password, spend the link, sign the user out everywhere."""
        password_hash = await self._hasher.hash(data.password)  # before the transaction: it is slow
        tx = await uow.tx()
        now = utcnow()
        link, user = await self._spend(tx, data.token, "password_reset", now)
        if user.status != "active":
            raise InvalidToken("This account cannot sign in; ask its administrator.")
        # The link reached the user's current address (``_spend`` checked): that proves the address too.
        changes = {"password_hash": password_hash, "email_verified": True}
        updated = await users_repository.USERS.update(tx, link.org_id, link.user_id, changes, now)
        assert updated is not None  # locked by ``_spend``
        await repository.revoke_open(tx, link.user_id, ("password_reset",), now)
        await self._sessions.end_sessions(uow, link.org_id, link.user_id)
        uow.credentials_revoked = True
        await record(tx, uow, link.org_id, "user.password_reset", updated)
        return updated

    # -- email verification ----------------------------------------------------------------------

    async def verify_email(self, uow: UnitOfWork, data: VerifyEmail) -> User:
        tx = await uow.tx()
        now = utcnow()
        link, _ = await self._spend(tx, data.token, "email_verification", now)
        updated = await users_repository.USERS.update(tx, link.org_id, link.user_id, {"email_verified": True}, now)
        assert updated is not None
        await record(tx, uow, link.org_id, "user.email_verified", updated)
        return updated

    # -- AccountLinks (``users/service.py``) -----------------------------------------------------

    async def email_changed(self, uow: UnitOfWork, org_id: str, user: User) -> None:
        tx = await uow.tx()
        now = utcnow()
        await repository.revoke_open(tx, user.id, ("password_reset", "email_verification"), now)
        await issue(tx, uow, self.policy, "email_verification", org_id, user, now)

    async def password_changed(self, uow: UnitOfWork, org_id: str, user_id: str) -> None:
        await repository.revoke_open(await uow.tx(), user_id, ("password_reset",), utcnow())

    # -- inside ----------------------------------------------------------------------------------

    async def _spend(self, tx: Executor, token: str, kind: TokenKind, now: datetime) -> tuple[AccountLink, User]:
        """The link of ``token`` if it may be used now (then marked used), and its user (locked)."""
        prefix = RESET_PREFIX if kind == "password_reset" else VERIFICATION_PREFIX
        digest = hash_secret(token)
        link = await repository.by_token_hash(tx, digest) if token.startswith(prefix) else None
        if link is None or link.kind != kind:
            raise InvalidToken()
        # The user's row first, then the link's: the order an address change (which withdraws links)
        # takes them in, so the two cannot deadlock. Read again under the lock: it may be spent now.
        await users_repository.USERS.lock_version(tx, link.org_id, link.user_id)
        link = await repository.by_token_hash(tx, digest, lock=True)
        if link is None:
            raise InvalidToken()
        if link.used_at is not None:
            raise InvalidToken("This link has already been used.")
        if link.revoked_at is not None:
            raise InvalidToken("This link was replaced by a newer one or withdrawn; use the latest, or ask again.")
        if link.expires_at <= now:
            raise InvalidToken("This link has expired; ask for a new one.")
        user = await users_repository.USERS.get(tx, link.org_id, link.user_id)
        if user is None or email_key(user.email) != email_key(link.email):
            raise InvalidToken("This link was sent to an address the account no longer has.")
        await repository.mark_used(tx, link.seq, now)
        return link, user
