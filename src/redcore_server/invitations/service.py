"""Inviting a user by email, and accepting the invitation.

Creating a user without a password invites them, in the same transaction: an invitation row (the
link's token stored only as SHA-256) and an email in the durable outbox, sent after the commit. The
link works once, until it expires (7 days by default) or a newer invitation or a revocation replaces
it.

Sending is limited per organization and per organization and address (``REDCORE_INVITATION_ORG_LIMIT``,
``REDCORE_INVITATION_ADDRESS_LIMIT`` per hour): past either, 429 and nothing is made. One organization's
invitations never count against another's. An address also gets at most
``REDCORE_INVITATION_GLOBAL_ADDRESS_LIMIT`` invitation emails an hour from all organizations together
(an abuse bound on one inbox): past it the invitation is still made and its email waits in the outbox,
spaced out so the bound holds, rather than failing a request because of another tenant (or telling it
that another tenant exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from redcore_server import errors
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.events.recorder import record
from redcore_server.ids import has_prefix, new_id, utcnow
from redcore_server.invitations import repository
from redcore_server.invitations.schemas import ID_PREFIX, AcceptInvitation, Invitation
from redcore_server.mail import service as mail
from redcore_server.orgs import repository as orgs_repository
from redcore_server.passwords import PasswordHasher
from redcore_server.ratelimit.limiter import Limiter
from redcore_server.tokens import hash_secret, urlsafe_token
from redcore_server.users import repository as users_repository
from redcore_server.users.emails import counter_key
from redcore_server.users.privileges import require_user_privilege
from redcore_server.users.schemas import ID_PREFIX as USER_ID_PREFIX
from redcore_server.users.schemas import User

TOKEN_PREFIX = "rci_"  # noqa: S105 - the prefix of invitation tokens, not one
WINDOW = 3600.0  # the sending limits count per hour


class InvalidInvitation(errors.APIError):
    status = 400
    code = "invalid_invitation"
    default_message = "This invitation link is not valid."


class NotInvited(errors.Conflict):
    code = "not_invited"
    default_message = "The user has already accepted an invitation or has a password."


@dataclass(frozen=True, slots=True)
class InvitationPolicy:
    link: str  # the page the link opens; the token is added as ?token=…
    ttl: int = 604_800
    org_limit: int = 1000  # invitations sent per organization per hour (0: no limit)
    address_limit: int = 5  # invitations sent per organization to one address per hour (0: no limit)
    global_address_limit: int = 20  # invitation emails to one address per hour, all organizations (0: no bound)


class InvitationService:
    def __init__(self, hasher: PasswordHasher, sent: Limiter, policy: InvitationPolicy) -> None:
        self._hasher = hasher
        self._sent = sent  # counts invitations per organization and per (organization, address), per hour
        self.policy = policy

    async def invite(self, uow: UnitOfWork, org_id: str, user: User) -> Invitation:
        """Invite ``user`` (in the caller's transaction): earlier links stop working."""
        send_in = await self._within_limits(org_id, user.email)
        tx = await uow.tx()
        now = utcnow()
        await repository.revoke_open(tx, org_id, user.id, now)
        token, ident, expires_at = (
            urlsafe_token(TOKEN_PREFIX),
            new_id(ID_PREFIX),
            now + timedelta(seconds=self.policy.ttl),
        )
        await repository.create(
            tx,
            ident=ident,
            org_id=org_id,
            user_id=user.id,
            token_hash=hash_secret(token),
            now=now,
            expires_at=expires_at,
        )
        org = await orgs_repository.get_by_id_or_name(tx, org_id)
        org_name = org.name if org is not None else "Your organization"
        await mail.queue(
            tx,
            uow,
            org_id=org_id,
            user_id=user.id,
            kind="invitation",
            to=user.email,
            subject=f"You are invited to {org_name}",
            body=(
                f"Hello {user.name},\n\n{org_name} invites you to sign in to RedCore as {user.email}.\n"
                f"Choose your password here:\n\n{self.policy.link}?token={token}\n\n"
                f"The link works once, until {expires_at:%Y-%m-%d %H:%M} UTC.\n"
                "If you did not expect this invitation, you can ignore this email.\n"
            ),
            send_at=now + timedelta(seconds=send_in) if send_in > 0 else None,
        )
        return Invitation(ident, user.id, user.email, "pending", now, expires_at, None)

    async def resend(self, uow: UnitOfWork, org_id: str, user_id: str) -> Invitation:
        tx = await uow.tx()
        await require_user_privilege(tx, uow.actor, org_id, user_id)
        user = await self._user(tx, org_id, user_id)
        if user.status != "pending_invite":
            raise NotInvited(f"User {user_id!r} is {user.status}: only users waiting for an invitation get one.")
        return await self.invite(uow, org_id, user)

    async def revoke(self, uow: UnitOfWork, org_id: str, user_id: str) -> None:
        tx = await uow.tx()
        await require_user_privilege(tx, uow.actor, org_id, user_id)
        if not await repository.revoke_open(tx, org_id, user_id, utcnow()):
            raise errors.NotFound(f"User {user_id!r} has no invitation that could still be accepted.")

    async def latest(self, db: Executor, org_id: str, user_id: str) -> Invitation:
        await self._user(db, org_id, user_id)
        found = await repository.latest(db, org_id, user_id, utcnow())
        if found is None:
            raise errors.NotFound(f"User {user_id!r} has never been invited.")
        return found

    async def accept(self, uow: UnitOfWork, data: AcceptInvitation) -> User:
        """Set the password and activate the user; the link is spent."""
        if not data.token.startswith(TOKEN_PREFIX):
            raise InvalidInvitation()
        password_hash = await self._hasher.hash(data.password)  # before the transaction: it is slow
        tx = await uow.tx()
        link = await repository.by_token_hash(tx, hash_secret(data.token))
        now = utcnow()
        if link is None:
            raise InvalidInvitation()
        if link.accepted_at is not None:
            raise InvalidInvitation("This invitation has already been accepted; sign in instead.")
        if link.revoked_at is not None:
            raise InvalidInvitation("This invitation was replaced or withdrawn; ask for a new one.")
        if link.expires_at <= now:
            raise InvalidInvitation("This invitation has expired; ask for a new one.")
        user = await users_repository.USERS.update(
            tx,
            link.org_id,
            link.user_id,
            # The link reached the address (an address change sends a new invitation): that verifies it.
            {"status": "active", "password_hash": password_hash, "email_verified": True},
            now,
        )
        if user is None:
            raise InvalidInvitation()
        await repository.mark_accepted(tx, link.id, now)
        await record(tx, uow, link.org_id, "user.updated", user)
        return user

    async def _user(self, db: Executor, org_id: str, user_id: str) -> User:
        user = await users_repository.USERS.get(db, org_id, user_id) if has_prefix(user_id, USER_ID_PREFIX) else None
        if user is None:
            raise errors.NotFound(f"No user with id {user_id!r}.")
        return user

    async def _within_limits(self, org_id: str, email: str) -> float:
        """Refuse (429) past this organization's limits; else the seconds the email should wait so
        the address's bound across every organization holds (0 when it may go now)."""
        address = counter_key(email)
        for key, limit, message in (
            (f"invite-org:{org_id}", self.policy.org_limit, "This organization has sent too many invitations"),
            (f"invite-to:{org_id}:{address}", self.policy.address_limit, "Too many invitations to this address"),
        ):
            if limit and not (decision := await self._sent.hit(key, limit)).allowed:
                raise errors.RateLimited(
                    f"{message} this hour; retry in {decision.retry_after} s.",
                    headers={"Retry-After": str(decision.retry_after)},
                )
        if not self.policy.global_address_limit:
            return 0.0
        return await self._sent.schedule(f"invite-any:{address}", self.policy.global_address_limit, WINDOW)
