"""Issuing an account link: a single-use token stored only as SHA-256 in ``account_tokens``, and the
email carrying it queued in the durable outbox (``mail/service.py``) in the same transaction.

A user has at most one open link of each kind: issuing one withdraws the earlier ones of its kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redcore_server.accounts import repository
from redcore_server.accounts.schemas import RESET_PREFIX, VERIFICATION_PREFIX, TokenKind
from redcore_server.config import Settings
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.mail import service as mail
from redcore_server.orgs import repository as orgs_repository
from redcore_server.tokens import hash_secret, urlsafe_token
from redcore_server.users.schemas import User

WINDOW = 3600.0  # the password-reset limits count per hour


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    reset_url: str  # the page a reset link opens; the token is added as ?token=…
    verification_url: str  # the page a verification link opens
    reset_ttl: int = 3600
    verification_ttl: int = 86_400
    address_limit: int = 5  # reset requests per (organization, address) per hour (0: no limit)
    client_limit: int = 30  # reset requests per client address per hour (0: no limit)
    account_limit: int = 3  # reset emails per account per hour, beyond which requests are dropped (0: no limit)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPolicy:
        return cls(
            reset_url=settings.password_reset_url or f"{settings.base_url()}/reset-password",
            verification_url=settings.email_verification_url or f"{settings.base_url()}/verify-email",
            reset_ttl=settings.password_reset_ttl,
            verification_ttl=settings.email_verification_ttl,
            address_limit=settings.password_reset_address_limit,
            client_limit=settings.password_reset_client_limit,
            account_limit=settings.password_reset_account_limit,
        )


def _link(page: str, token: str) -> str:
    return f"{page}{'&' if '?' in page else '?'}token={token}"


async def issue(
    tx: Executor, uow: UnitOfWork | None, policy: AccountPolicy, kind: TokenKind, org_id: str, user: User, now: datetime
) -> None:
    """Send ``user`` a new link of ``kind`` at their current address; their earlier ones of that kind die."""
    reset = kind == "password_reset"
    token = urlsafe_token(RESET_PREFIX if reset else VERIFICATION_PREFIX)
    expires_at = now + timedelta(seconds=policy.reset_ttl if reset else policy.verification_ttl)
    await repository.revoke_open(tx, user.id, (kind,), now)
    await repository.create(
        tx,
        org_id=org_id,
        user_id=user.id,
        kind=kind,
        token_hash=hash_secret(token),
        email=user.email,
        now=now,
        expires_at=expires_at,
    )
    org = await orgs_repository.get_by_id_or_name(tx, org_id)
    org_name = org.name if org is not None else "your organization"
    until = f"The link works once, until {expires_at:%Y-%m-%d %H:%M} UTC.\n"
    if reset:
        subject = f"Reset your password for {org_name}"
        body = (
            f"Hello {user.name},\n\nSomeone asked to reset the password of {user.email} at {org_name}.\n"
            f"Choose a new password here:\n\n{_link(policy.reset_url, token)}\n\n{until}"
            "Choosing one signs you out everywhere. If you did not ask, ignore this email: your password stays.\n"
        )
    else:
        subject = f"Verify your email address for {org_name}"
        body = (
            f"Hello {user.name},\n\nYour email address at {org_name} is now {user.email}.\n"
            f"Confirm that it is yours here:\n\n{_link(policy.verification_url, token)}\n\n{until}"
            "If you did not expect this, tell your organization's administrator.\n"
        )
    await mail.queue(tx, uow, org_id=org_id, user_id=user.id, kind=kind, to=user.email, subject=subject, body=body)
