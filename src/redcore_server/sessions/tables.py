from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

# One row per signed-in session; revoking a session deletes its row (and its rotated refresh tokens).
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # SHA-256 of the current tokens: the tokens themselves are shown once and never stored.
    sa.Column("access_hash", sa.String(64), nullable=False),
    sa.Column("access_expires_at", Timestamp, nullable=False),
    sa.Column("refresh_hash", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("last_used_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(500), nullable=True),
    sa.Index("uq_sessions_id", "id", unique=True),
    sa.Index("uq_sessions_access_hash", "access_hash", unique=True),
    sa.Index("uq_sessions_refresh_hash", "refresh_hash", unique=True),
    sa.Index("ix_sessions_org_user_created", "org_id", "user_id", "created_at", "id"),
)

# Refresh tokens already exchanged: presenting one again means it leaked, and revokes its session.
rotated_refresh_tokens = sa.Table(
    "rotated_refresh_tokens",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("session_id", sa.String(40), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rotated_at", Timestamp, nullable=False),
    sa.Index("uq_rotated_refresh_tokens_token_hash", "token_hash", unique=True),
    sa.Index("ix_rotated_refresh_tokens_session", "session_id"),
)

# The client addresses (IPv6: the /64) each user has signed in from successfully, for a while: while
# an account's failed sign-ins are being slowed down, attempts from these are not (OWASP's "known
# clients"). Deleted with the user.
sign_in_addresses = sa.Table(
    "sign_in_addresses",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("last_seen_at", Timestamp, nullable=False),
    sa.Index("uq_sign_in_addresses_user_address", "user_id", "address", unique=True),
)
