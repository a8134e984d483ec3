"""Every query on invitations, and only here."""

from __future__ import annotations

from datetime import datetime

import msgspec

from redcore_server.db import Executor
from redcore_server.invitations.schemas import Invitation
from redcore_server.kit.rows import Columns


class InvitationLink(msgspec.Struct, frozen=True):
    """What accepting checks of the invitation a link's token belongs to."""

    id: str
    org_id: str
    user_id: str
    accepted_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime


_INVITATION = Columns(
    Invitation,
    sources={
        "id": "i.id",
        "user_id": "i.user_id",
        "email": "u.email",
        "status": "CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted' WHEN i.revoked_at IS NOT NULL THEN 'revoked'"
        " WHEN i.expires_at <= $3 THEN 'expired' ELSE 'pending' END",  # $3: now
        "created_at": "i.created_at",
        "expires_at": "i.expires_at",
        "accepted_at": "i.accepted_at",
    },
)
_LINK = Columns(InvitationLink)


async def create(
    db: Executor, *, ident: str, org_id: str, user_id: str, token_hash: str, now: datetime, expires_at: datetime
) -> None:
    await db.execute(
        "INSERT INTO invitations (id, org_id, user_id, token_hash, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        ident,
        org_id,
        user_id,
        token_hash,
        now,
        expires_at,
    )


async def revoke_open(db: Executor, org_id: str, user_id: str, now: datetime) -> int:
    """Revoke the user's invitations that could still be accepted; how many there were."""
    return await db.execute(
        "UPDATE invitations SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2"
        " AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
        org_id,
        user_id,
        now,
    )


async def latest(db: Executor, org_id: str, user_id: str, now: datetime) -> Invitation | None:
    row = await db.fetchrow(
        f"SELECT {_INVITATION.select} FROM invitations i JOIN users u ON u.id = i.user_id"
        " WHERE i.org_id = $1 AND i.user_id = $2 ORDER BY i.created_at DESC, i.seq DESC LIMIT 1",
        org_id,
        user_id,
        now,
    )
    return None if row is None else _INVITATION.from_row(row)


async def by_token_hash(db: Executor, token_hash: str) -> InvitationLink | None:
    """The invitation locked until the transaction ends (SQLite's writer lock does that)."""
    lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
    row = await db.fetchrow(
        f"SELECT {_LINK.select} FROM invitations WHERE token_hash = $1{lock}",
        token_hash,
    )
    return None if row is None else _LINK.from_row(row)


async def mark_accepted(db: Executor, ident: str, now: datetime) -> None:
    await db.execute("UPDATE invitations SET accepted_at = $2 WHERE id = $1", ident, now)
